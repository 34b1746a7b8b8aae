"""The dead-letter queue: inspect, replay, purge, export (``erpmail dlq``)."""
