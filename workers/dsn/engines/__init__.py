"""Which kind of server wrote a bounce: recognised by its own markers (``table``)."""

from workers.dsn.engines.detect import default_reason, detect_engine

__all__ = ["default_reason", "detect_engine"]
