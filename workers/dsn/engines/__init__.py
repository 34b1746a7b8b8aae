"""Which kind of server wrote a bounce: recognised by its own markers (``table``)."""

from workers.dsn.engines.detect import detect_engine
from workers.dsn.engines.table import EngineMarkers

__all__ = ["EngineMarkers", "detect_engine"]
