"""The `erpmail` command line."""
