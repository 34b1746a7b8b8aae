"""Which kind of server wrote a bounce: recognised by its own markers (``table``)."""

from workers.dsn.engines.detect import detect_engine

__all__ = ["detect_engine"]
