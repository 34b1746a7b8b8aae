"""Writing Event records, idempotently.

An Event is identified by ``(source, bounce_key, recipient)``: the bounce's Message-ID or
content hash for DSNs, ``smtp:<job_id>:<attempt>`` for refusals during the SMTP conversation.
Writing the same Event twice leaves one row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from schemas.tables import Event

DSN_SOURCE = "dsn"  # Events from delivery reports: the outbox of mail.bounced / mail.complaint


def awaiting_publication() -> ColumnElement[bool]:
    """Events in the outbox: from a delivery report and not yet confirmed by the broker."""
    return (col(Event.source) == DSN_SOURCE) & col(Event.published_at).is_(None)


def smtp_bounce_key(job_id: str, attempt: int) -> str:
    return f"smtp:{job_id}:{attempt}"


def record_events(session: Session, events: Sequence[Event]) -> list[Event]:
    """Insert the events not yet recorded; return the rows as stored (new or existing)."""
    stored: list[Event] = []
    for event in events:
        existing = session.exec(
            select(Event).where(
                Event.source == event.source,
                Event.bounce_key == event.bounce_key,
                Event.recipient == event.recipient,
            )
        ).first()
        if existing is None:
            session.add(event)
            stored.append(event)
        else:
            stored.append(existing)
    session.flush()
    return stored
