"""Retention: what ``erpmail db prune`` removes, in small transactions, while workers run.

Three things grow for ever otherwise:

- a raw bounce's bytes (up to ``ERPMAIL_BOUNCE_MAX_BYTES`` each): emptied after
  ``raw_bounce_days``. The row stays while an Event points at it: its key is what makes a
  mail found again in the mailbox a duplicate.
- Events, after ``event_days``: except one still waiting in the outbox (never lost before it
  is published) and one that a suppression cites as its cause. A raw bounce no Event points
  at any more goes with them.
- job rows whose mail went out (``sent``, ``delivered``, ``bounced``, ``soft_bounced``),
  after ``job_days`` without a change. A job row is the idempotency record: a job published
  again after its row is pruned is sent again, so keep rows longer than producers may repeat.

Each batch re-checks its conditions in the ``DELETE``/``UPDATE`` itself, so a row a worker
changed meanwhile (a bounce arriving for a sent job) is left alone, and no batch holds locks
for long. ``0`` days keeps that kind for good.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from schemas.tables import (
    WENT_OUT,
    Event,
    JobHistory,
    MailMessage,
    RawBounce,
    Suppression,
)
from schemas.values import utc_now
from workers.settings import Retention
from workers.store.engine import session_scope
from workers.store.events import awaiting_publication

BATCH = 500


@dataclass
class Pruned:
    raw_bounces_emptied: int = 0
    raw_bounces_deleted: int = 0
    events_deleted: int = 0
    jobs_deleted: int = 0

    def as_json(self) -> dict[str, int]:
        return asdict(self)


def _cutoff(now: datetime, days: int) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def _old_raw_content(cutoff: datetime) -> ColumnElement[bool]:
    return (col(RawBounce.received_at) < cutoff) & (func.length(RawBounce.content) > 0)


def _old_events(cutoff: datetime) -> ColumnElement[bool]:
    cited = exists().where(col(Suppression.event_id) == col(Event.id))
    return (col(Event.received_at) < cutoff) & ~awaiting_publication() & ~cited


def _orphan_raw_bounces(cutoff: datetime, counting: bool) -> ColumnElement[bool]:
    """Raw bounces no Event cites (when counting, no Event that this run keeps)."""
    citing = col(Event.raw_bounce_id) == col(RawBounce.id)
    cited = exists().where(citing, ~_old_events(cutoff)) if counting else exists().where(citing)
    return (col(RawBounce.received_at) < cutoff) & ~cited


def _old_jobs(cutoff: datetime) -> ColumnElement[bool]:
    return (col(MailMessage.updated_at) < cutoff) & col(MailMessage.status).in_(sorted(WENT_OUT))


def _batches(engine: Engine, key: Any, where: ColumnElement[bool], change: Any) -> int:
    """Apply ``change`` (an UPDATE or DELETE of ``key``'s table, the batch's keys and
    ``where`` added) batch by batch until no row matches; the number of rows changed."""
    total = 0
    while True:
        with session_scope(engine) as session:
            keys = list(session.execute(select(key).where(where).limit(BATCH)).scalars())
            if not keys:
                return total
            result: Any = session.execute(
                change.where(key.in_(keys))
                .where(where)
                .execution_options(synchronize_session=False)
            )
            total += int(result.rowcount or 0)


def _count(engine: Engine, key: Any, where: ColumnElement[bool]) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count(key)).where(where)).scalar_one())


def prune(
    engine: Engine, retention: Retention, *, now: datetime | None = None, dry_run: bool = False
) -> Pruned:
    """Remove what ``retention`` no longer keeps; with ``dry_run``, only count it."""
    now = now or utc_now()
    pruned = Pruned()
    raw_id, event_id, job_id = col(RawBounce.id), col(Event.id), col(MailMessage.job_id)

    def run(key: Any, where: ColumnElement[bool], change: Any) -> int:
        return _count(engine, key, where) if dry_run else _batches(engine, key, where, change)

    if (cutoff := _cutoff(now, retention.raw_bounce_days)) is not None:
        pruned.raw_bounces_emptied = run(
            raw_id, _old_raw_content(cutoff), update(RawBounce).values(content=b"")
        )
    if (cutoff := _cutoff(now, retention.event_days)) is not None:
        pruned.events_deleted = run(event_id, _old_events(cutoff), delete(Event))
        pruned.raw_bounces_deleted = run(
            raw_id, _orphan_raw_bounces(cutoff, dry_run), delete(RawBounce)
        )
    if (cutoff := _cutoff(now, retention.job_days)) is not None:
        if not dry_run:  # a job's history goes with its row
            of_old_job = exists().where(
                col(MailMessage.job_id) == col(JobHistory.job_id), _old_jobs(cutoff)
            )
            _batches(engine, col(JobHistory.id), of_old_job, delete(JobHistory))
        pruned.jobs_deleted = run(job_id, _old_jobs(cutoff), delete(MailMessage))
    return pruned
