"""Which kind of server wrote a bounce: recognised by its own markers (``table``)."""

from workers.dsn.engines.detect import default_reason, default_stage, detect_engine, text_first

__all__ = ["default_reason", "default_stage", "detect_engine", "text_first"]
