"""The event module's API: find Event records by job, recipient, reason, bounce type, time
and tenant, and count them by reason.

    from workers.events.query import EventFilter, list_events
    with session_scope(engine) as session:
        for event in list_events(session, EventFilter(tenant="acme", reason="userunknown")):
            ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from schemas.tables import Event
from workers.store.rows import row_json
from workers.store.suppressions import normalize


@dataclass(frozen=True)
class EventFilter:
    """Every field set narrows the search; times are naive UTC, ``until`` exclusive."""

    job_id: str | None = None
    recipient: str | None = None
    reason: str | None = None
    bounce_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tenant: str | None = None
    source: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.job_id:
            found.append(col(Event.job_id) == self.job_id.lower())
        if self.recipient:
            found.append(col(Event.recipient) == normalize(self.recipient))
        if self.reason:
            found.append(col(Event.reason) == self.reason)
        if self.bounce_type:
            found.append(col(Event.bounce_type) == self.bounce_type)
        if self.since:
            found.append(col(Event.received_at) >= self.since)
        if self.until:
            found.append(col(Event.received_at) < self.until)
        if self.tenant:
            found.append(col(Event.tenant) == self.tenant)
        if self.source:
            found.append(col(Event.source) == self.source)
        return found


class AmbiguousJob(LookupError):
    """Several jobs' ids start this way."""


def event_job(session: Session, wanted: str) -> str:
    """The whole id of the job whose Events ``wanted`` names (its id, or the start of it)."""
    prefix = wanted.strip().lower()
    ids = list(
        session.exec(
            select(Event.job_id)
            .where(col(Event.job_id).startswith(prefix, autoescape=True))
            .distinct()
            .order_by(col(Event.job_id))
            .limit(6)
        )
    )
    if not ids:
        raise LookupError(f"no Event names job {wanted!r}")
    if len(ids) > 1:
        shown = ", ".join(str(i) for i in ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise AmbiguousJob(f"{wanted!r} is the start of several job ids ({shown}); give more")
    return str(ids[0])


def list_events(
    session: Session, where: EventFilter = EventFilter(), limit: int | None = 100
) -> list[Event]:
    """Matching events, newest first."""
    query = (
        select(Event)
        .where(*where.conditions())
        .order_by(col(Event.received_at).desc(), col(Event.id).desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def count_by_reason(session: Session, where: EventFilter = EventFilter()) -> dict[str, int]:
    """How many matching events each reason has, most frequent first."""
    rows = session.exec(
        select(Event.reason, func.count())
        .where(*where.conditions())
        .group_by(col(Event.reason))
        .order_by(func.count().desc(), col(Event.reason))
    )
    return {reason: int(count) for reason, count in rows}


# The columns an Event shows as JSON, after its id ("event_id"): all but the bookkeeping
# (when the row was written, and whether the outbox has published it).
EVENT_JSON_COLUMNS = tuple(
    name for name in Event.model_fields if name not in ("id", "created_at", "published_at")
)


def event_to_json(event: Event) -> dict[str, Any]:
    """An Event's fields, JSON-ready (the `events list --json` lines and the mail.bounced body)."""
    return {"event_id": event.id, **row_json(event, *EVENT_JSON_COLUMNS)}
