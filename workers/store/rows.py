"""Rows as JSON-ready dicts (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from schemas.events import utc_text


def utc_json(moment: datetime | None) -> str | None:
    """A time as the database keeps it (naive UTC) in ISO 8601 with ``Z``; None stays None."""
    return utc_text(moment) if moment is not None else None


def row_json(row: SQLModel, *columns: str) -> dict[str, Any]:
    """The ``columns`` of ``row`` (every column when none is named) in that order, times
    with :func:`utc_json`."""
    fields = row.model_dump(include=set(columns) if columns else None)
    return {
        name: utc_json(fields[name]) if isinstance(fields[name], datetime) else fields[name]
        for name in (columns or tuple(fields))
    }
