"""`erpmail demo`: the system end to end, on the machine's own services."""
