"""Making and writing Event records, idempotently.

:func:`new_event` is the one way an Event row is made (from a bounce or from a refusal
during SMTP): text from outside is cleaned and cut to its column's length there.

An Event is identified by ``(source, bounce_key, recipient)``: the bounce's Message-ID or
content hash for DSNs, ``smtp:<job_id>:<attempt>`` for refusals during the SMTP conversation.
Writing the same Event twice leaves one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from schemas.tables import Event, clean_for_store

DSN_SOURCE = "dsn"  # Events from delivery reports: the outbox of mail.bounced / mail.complaint
SMTP_SOURCE = "smtp"  # Events from refusals during the SMTP conversation

# The length of each sized text column (e.g. status 16, reply_code 3, bounce_message_id 998).
_COLUMNS = Event.__table__.columns  # type: ignore[attr-defined]
_LENGTHS = {
    column.name: column.type.length for column in _COLUMNS if getattr(column.type, "length", None)
}
_NULLABLE = {column.name: bool(column.nullable) for column in _COLUMNS}


def as_column(name: str, value: Any) -> Any:
    """Text from outside (a report, a server's reply) as Event column ``name`` keeps it:
    cleaned and cut by the store's one cleaner (``clean_for_store``, which the column type
    applies too), stripped where the column is sized; blank is NULL where the column may be."""
    if not isinstance(value, str):
        return value
    length = _LENGTHS.get(name)
    value = clean_for_store(value.strip() if length is not None else value, length)
    return value or (None if _NULLABLE[name] else value)


def new_event(**fields: Any) -> Event:
    """An Event row of ``fields`` (its columns), each text value :func:`as_column`."""
    return Event(**{name: as_column(name, value) for name, value in fields.items()})


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
