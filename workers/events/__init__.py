"""Reading Event records: the Python API the event module uses (``query``)."""
