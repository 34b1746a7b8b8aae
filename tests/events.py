"""Event rows the tests store."""

from __future__ import annotations

from typing import Any

from schemas.tables import Event


def hard_bounce(**fields: Any) -> Event:
    """An Event row of a delivery report's hard bounce (user unknown); ``fields`` change or
    add columns. Built as the row itself, not through the store's cleaning factory."""
    return Event(**{"source": "dsn", "reason": "userunknown", "bounce_type": "hard", **fields})
