"""erpmail workers: the processes (sender, bounces, dlq) and the shared pieces they stand on."""
