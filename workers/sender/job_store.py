"""What the sender reads and writes in the database, as batch operations for group commit.

:func:`claim_jobs` runs before a send: it finds jobs already sent (duplicates) or held by
another attempt, checks the suppression list, resolves the SMTP configuration and marks the
job ``claimed``. :func:`hold_jobs` marks it ``sending`` once its attempt holds an SMTP
connection — committed before the first byte of the mail, so that a crash after the server
accepted it is seen on redelivery, while a job that was only waiting for a connection (a
pool holds few) is sent again unflagged. :func:`record_outcomes` writes how an attempt
ended, with an Event per recipient refused during SMTP.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from schemas.job import MailJobV1
from schemas.tables import WENT_OUT, Event, JobHistory, JobStep, MailMessage, MailStatus
from schemas.values import utc_now
from workers.config.errors import ConfigError
from workers.config.resolved import ResolvedConfig
from workers.store.events import record_events
from workers.store.raw import Rows
from workers.store.suppressions import normalize, suppression_reasons

# (session, tenant, user_code) -> the configuration of the user's jobs, or ConfigError
Resolve = Callable[[Session, str, str], ResolvedConfig]
# (session, a batch's (tenant, user_code) pairs) -> the resolution of each of them, what it
# needs read at once (workers.config.service.CachedResolution.for_batch)
ResolveBatch = Callable[
    [Session, Collection[tuple[str, str]]], Callable[[str, str], ResolvedConfig]
]


class Verdict(StrEnum):
    SEND = "send"
    DUPLICATE = "duplicate"  # recorded as sent, or bounced or delivered since (WENT_OUT)
    SUPPRESSED = "suppressed"  # every recipient is on the suppression list
    CONFIG_ERROR = "config_error"  # the configuration cannot be resolved
    INTERRUPTED = "interrupted"  # found in `sending`, and the policy is at-most-once
    BUSY = "busy"  # found claimed or sending within the lease: another attempt may be at it


# The states of a job an attempt holds: another copy of the job waits for the lease to end.
HELD = frozenset({MailStatus.CLAIMED, MailStatus.SENDING})


@dataclass(frozen=True)
class ClaimRequest:
    job: MailJobV1
    attempt: int
    recipients: tuple[str, ...]
    message_id: str
    resend_interrupted: bool = True
    lease_seconds: float = 120.0
    replayed: int = 0  # times the job was replayed from the dead-letter queue
    possible_duplicate: bool = False  # replayed although an earlier attempt may have been sent
    # keyed digests of the recipients (workers.correlation), stored when the job is sent
    recipient_digests: str | None = None


@dataclass(frozen=True)
class ClaimResult:
    verdict: Verdict
    config: ResolvedConfig | None = None
    config_error: str | None = None
    suppressed: dict[str, str] = field(default_factory=dict)  # address -> reason
    possible_duplicate: bool = False
    previous_response: str | None = None  # of a duplicate: the reply recorded when sent
    stored_status: MailStatus | None = None  # of a duplicate: its row's (one of WENT_OUT)
    busy_for: float = 0.0  # of a busy job: seconds until its lease runs out
    # of a job to send: the claim's time, which :func:`hold_jobs` checks the row still has
    claimed_at: datetime | None = None
    # of a job to send: the state an attempt whose lease ran out had left it in, if any
    taken_over: MailStatus | None = None

    def recipients_to_send(self, recipients: Sequence[str]) -> tuple[str, ...]:
        return tuple(r for r in recipients if normalize(r) not in self.suppressed)


_TABLE = MailMessage.__table__  # type: ignore[attr-defined]


@dataclass
class _Existing:
    status: MailStatus
    sending_started_at: datetime | None
    possible_duplicate: bool
    smtp_response: str | None
    replayed: int = 0
    started_at: datetime | None = None  # a start the row holds, not yet in job_history


_CLAIMED = _Existing(MailStatus.SENDING, None, False, None)


# The job rows a batch reads and writes, past SQLAlchemy's per-statement work
# (workers.store.raw): the sender runs these in every batch, a few rows per mail. The rows a
# batch decides on are locked until it commits (PostgreSQL; SQLite has one writer), in one
# order so that two processes' batches cannot deadlock: a claim and a hold of one job by two
# attempts, or two claims, see each other's outcome.
_ROWS = Rows(_TABLE)
_EXISTING = (
    "job_id",
    "status",
    "sending_started_at",
    "possible_duplicate",
    "smtp_response",
    "replayed",
    "started_at",
)
_HISTORY = JobHistory.__table__  # type: ignore[attr-defined]
_INSERT_HISTORY = insert(_HISTORY)
_REPLAYS = select(_TABLE.c.job_id, _TABLE.c.replayed).where(
    _TABLE.c.job_id.in_(bindparam("job_ids", expanding=True))
)
# The start of an attempt stays on the job's row (``started_at``) while the attempt is the
# row's last: the sending needs no history row. When the job moves on (an outcome other
# than sent, another claim) the start is written to job_history, from the row as it stands.
_START_COLUMNS = ("job_id", "at", "step", "attempt", "replay", "smtp_host", "config_source")
_WRITE_STARTS = _INSERT_HISTORY.from_select(
    _START_COLUMNS,
    select(
        _TABLE.c.job_id,
        _TABLE.c.started_at,
        literal(JobStep.STARTED, _HISTORY.c.step.type),
        _TABLE.c.attempts,
        _TABLE.c.replayed,
        _TABLE.c.smtp_host,
        _TABLE.c.config_source,
    )
    .where(_TABLE.c.job_id.in_(bindparam("job_ids", expanding=True)))
    .where(_TABLE.c.started_at.is_not(None))
    .order_by(_TABLE.c.job_id),
)


def _write_starts(connection: Connection, job_ids: list[str]) -> None:
    """Write the starts the jobs' rows hold to job_history (the caller clears them)."""
    if job_ids:
        connection.execute(_WRITE_STARTS, {"job_ids": job_ids})


def _existing(connection: Connection, job_ids: Sequence[str]) -> dict[str, _Existing]:
    if not job_ids:
        return {}
    rows = _ROWS.select_where_in(connection, _EXISTING, "job_id", sorted(set(job_ids)), lock=True)
    return {
        job_id: _Existing(
            MailStatus(status), sending, bool(possible_duplicate), response, replayed or 0, started
        )
        for job_id, status, sending, possible_duplicate, response, replayed, started in rows
    }


def _history(
    job_id: str, step: JobStep, at: datetime, attempt: int, replay: int, **values: Any
) -> dict[str, Any]:
    """A ``job_history`` row (every column named, so that one statement inserts a batch)."""
    row = {
        "job_id": job_id,
        "at": at,
        "step": step,
        "attempt": attempt,
        "replay": replay,
        "smtp_host": None,
        "config_source": None,
        "smtp_response": None,
        "error_class": None,
        "error_text": None,
    }
    row.update(values)
    return row


def _write_history(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(_INSERT_HISTORY, rows)


def _write(
    connection: Connection,
    existing: dict[str, _Existing],
    changes: list[tuple[MailJobV1, dict[str, Any]]],
) -> None:
    """Insert the rows of new jobs and update the others, a statement per shape of change."""
    inserts: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    inserted: set[str] = set()
    for job, values in changes:
        job_id = str(job.job_id)
        if job_id in existing or job_id in inserted:
            shape = tuple(sorted(values))
            updates.setdefault(shape, []).append((*(values[c] for c in shape), job_id))
            continue
        inserted.add(job_id)
        row = {
            "job_id": job_id,
            "tenant": job.tenant,
            "user_code": job.user_code,
            "kind": str(job.kind),
            "status": MailStatus.QUEUED,
            "attempts": 0,
            "possible_duplicate": False,
            "replayed": 0,
            "created_at": values["updated_at"],
            **values,
        }
        shape = tuple(sorted(row))
        inserts.setdefault(shape, []).append(tuple(row[c] for c in shape))
    for shape, rows in inserts.items():
        _ROWS.insert(connection, shape, rows)
    for shape, rows in updates.items():
        _ROWS.update(connection, shape, "job_id", rows)


def claim_jobs(
    resolve: Resolve, batch: ResolveBatch | None = None
) -> Callable[[Session, list[ClaimRequest]], list[ClaimResult]]:
    """The claim operation. ``resolve`` is called once per user and batch; the user's
    jobs share its answer. With ``batch`` the batch's users are resolved through it instead,
    their configurations read together."""

    def claim(session: Session, requests: list[ClaimRequest]) -> list[ClaimResult]:
        now = utc_now()
        resolve_user = (
            batch(session, {(r.job.tenant, r.job.user_code) for r in requests})
            if batch is not None
            else functools.partial(resolve, session)
        )
        connection = session.connection()
        existing = _existing(connection, [str(r.job.job_id) for r in requests])
        suppressed = suppression_reasons(
            connection, [(r.job.tenant, a) for r in requests for a in r.recipients], now
        )
        configs: dict[tuple[str, str], tuple[ResolvedConfig, str] | ConfigError] = {}

        def config_for(job: MailJobV1) -> tuple[ResolvedConfig, str]:
            """The job's configuration and where its fields came from."""
            key = (job.tenant, job.user_code)
            found = configs.get(key)
            if found is None:
                try:
                    config = resolve_user(job.tenant, job.user_code)
                except ConfigError as error:
                    configs[key] = error
                    raise
                entry = (config, config.source_json)
                configs[key] = entry
                return entry
            if isinstance(found, ConfigError):
                raise found
            return found

        claims: list[ClaimResult] = []
        history: list[dict[str, Any]] = []
        changes: list[tuple[MailJobV1, dict[str, Any]]] = []
        claimed: dict[str, _Existing] = {}  # what this batch wrote: a second copy of a job sees it
        moved_on: list[str] = []
        for request in requests:
            job_id = str(request.job.job_id)
            row = claimed.get(job_id) or existing.get(job_id)
            claim, values = _claim_one(row, suppressed, request, config_for, now)
            claims.append(claim)
            if values is not None:
                history.extend(_claim_history(job_id, row, request, values, now))
                if row is not None and row.started_at is not None:
                    moved_on.append(job_id)  # an earlier attempt's start, still on the row
                changes.append((request.job, values))
                claimed[job_id] = _Existing(
                    values["status"],
                    values.get("sending_started_at"),
                    values.get("possible_duplicate", False),
                    None,
                    max(request.replayed, row.replayed if row else 0),
                    values.get("started_at"),
                )
        _write_starts(connection, moved_on)
        _write(connection, existing, changes)
        _write_history(connection, history)
        return claims

    return claim


def _claim_history(
    job_id: str,
    existing: _Existing | None,
    request: ClaimRequest,
    values: dict[str, Any],
    now: datetime,
) -> list[dict[str, Any]]:
    """The history a claim writes: a replay first seen, and the suppression that ends the
    job (the attempt a claim starts is on the job's row: ``started_at``)."""
    rows = []
    replay = request.replayed
    if replay > (existing.replayed if existing else 0):
        rows.append(_history(job_id, JobStep.REPLAYED, now, 0, replay))
    if values["status"] == MailStatus.SUPPRESSED:
        details = {name: values[name] for name in ("error_class", "error_text")}
        rows.append(_history(job_id, JobStep.SUPPRESSED, now, request.attempt, replay, **details))
    return rows


def _claim_one(
    existing: _Existing | None,
    suppressed: dict[str, dict[str, str]],
    request: ClaimRequest,
    config_for: Callable[[MailJobV1], tuple[ResolvedConfig, str]],
    now: datetime,
) -> tuple[ClaimResult, dict[str, Any] | None]:
    job = request.job
    # A job recorded dead is not a duplicate: a delivery of it is attempted again. The
    # attempt that ended it may be delivered again (its ack lost with the connection, or
    # waiting in a run of acks when the worker was killed), and is then tried again: its dead
    # letter and mail.failed are written a second time (the notice with the same message id).
    # Telling that redelivery apart needs something that differs between the message whose
    # attempt ended dead and a new publish of the same job, and nothing does:
    # - the body and headers: a producer may publish the same job_id again, unchanged, once
    #   it has fixed the user's configuration (the job_id promises no second *send*; the job
    #   was not sent); a retry copy of one attempt can exist twice (the attempt before it
    #   redone), and a dead letter moved back by hand (a shovel) carries its attempt and
    #   replay counts: every field of a message can arrive again in a new publish;
    # - AMQP's redelivered flag (and quorum queues' x-delivery-count): set as well on a new
    #   publish whose first delivery died before its claim, when the row still says dead
    #   from the attempt before;
    # - the row: it is written at the claim, so that first delivery left nothing in it.
    # Counting such a redelivery as done would drop that new publish without a trace (its
    # message acked, no letter), against "never silently dropped"; trying it again costs a
    # refused attempt and a second letter. A sound rule needs an identity of each publish,
    # carried by every message and stored with the outcome (a header every publisher sets,
    # producers' too, which the job contract does not ask of them).
    if existing is not None and existing.status in WENT_OUT:
        result = ClaimResult(
            Verdict.DUPLICATE,
            previous_response=existing.smtp_response,
            stored_status=existing.status,
        )
        return result, None
    taken_over = existing.status if existing is not None and existing.status in HELD else None
    if existing is not None and taken_over and existing.sending_started_at is not None:
        held = (now - existing.sending_started_at).total_seconds()
        if held < request.lease_seconds:
            return ClaimResult(Verdict.BUSY, busy_for=request.lease_seconds - held), None
    # only an attempt that held a connection may have handed the mail over
    interrupted = taken_over == MailStatus.SENDING
    if interrupted and not (request.resend_interrupted or request.possible_duplicate):
        return ClaimResult(Verdict.INTERRUPTED, possible_duplicate=True), None
    tenant_suppressed = suppressed.get(job.tenant, {})
    wanted = {normalize(r) for r in request.recipients}
    hits = {
        address: tenant_suppressed[address] for address in wanted if address in tenant_suppressed
    }
    if len(hits) == len(wanted):
        values: dict[str, Any] = {
            "status": MailStatus.SUPPRESSED,
            "message_id": request.message_id,
            "error_class": "suppressed",
            "error_text": "; ".join(f"{a}: {reason}" for a, reason in sorted(hits.items())),
            "started_at": None,
            "updated_at": now,
        }
        return ClaimResult(Verdict.SUPPRESSED, suppressed=hits), values
    try:
        config, source = config_for(job)
    except ConfigError as error:
        return ClaimResult(Verdict.CONFIG_ERROR, config_error=str(error), suppressed=hits), None
    possible_duplicate = (
        interrupted
        or request.possible_duplicate
        or (existing is not None and existing.possible_duplicate)
    )
    values = {
        "status": MailStatus.CLAIMED,
        "attempts": request.attempt,
        "message_id": request.message_id,
        "sending_started_at": now,  # the lease's start, and the claim's mark for hold_jobs
        "possible_duplicate": possible_duplicate,
        "config_source": source,
        "smtp_host": f"{config.endpoint.host}:{config.endpoint.port}",
        "started_at": now,
        "updated_at": now,
    }
    if request.replayed:
        values["replayed"] = request.replayed
    if request.recipient_digests is not None:
        values["recipient_digests"] = request.recipient_digests
    claim = ClaimResult(
        Verdict.SEND,
        config=config,
        suppressed=hits,
        possible_duplicate=possible_duplicate,
        claimed_at=now,
        taken_over=taken_over,
    )
    return claim, values


@dataclass(frozen=True)
class Hold:
    """An attempt's mark on its job's row: ``claimed`` at ``claimed_at``, or ``sending``
    since then once :func:`hold_jobs` marked it."""

    job_id: str
    claimed_at: datetime
    status: MailStatus = MailStatus.CLAIMED


def _still_claimed(connection: Connection, holds: list[Hold]) -> list[bool]:
    """Whether each job's row still bears the hold's mark (locked till commit)."""
    columns = ("job_id", "status", "sending_started_at")
    ids = sorted({hold.job_id for hold in holds})
    rows = _ROWS.select_where_in(connection, columns, "job_id", ids, lock=True)
    claims = {job_id: (status, since) for job_id, status, since in rows}
    return [claims.get(hold.job_id) == (hold.status, hold.claimed_at) for hold in holds]


def hold_jobs(session: Session, holds: list[Hold]) -> list[Hold | None]:
    """Mark each job ``sending`` (its lease starting again) where its row is still the
    attempt's claim: the new mark of each (to give it back with :func:`release_claims`),
    ``None`` where it was not. A claim whose lease ran out while the attempt waited for a
    connection may have been taken over by another attempt: that one sends it."""
    connection = session.connection()
    now = utc_now()
    held = _still_claimed(connection, holds)
    marked = [hold.job_id for hold, ours in zip(holds, held, strict=True) if ours]
    # one set of values for all: a statement, not a row of parameters each
    mark = {"status": MailStatus.SENDING, "sending_started_at": now, "updated_at": now}
    _ROWS.update_where_in(connection, mark, "job_id", marked)
    return [
        Hold(hold.job_id, now, MailStatus.SENDING) if ours else None
        for hold, ours in zip(holds, held, strict=True)
    ]


def release_claims(session: Session, holds: list[Hold]) -> list[bool]:
    """Give back claims whose attempts stop before holding a connection (the worker is
    stopping): each job, where its row still bears the attempt's mark (its claim, or the
    ``sending`` mark made as it neared its turn for a connection), is ``queued`` again, so
    that the next worker sends it at once instead of waiting out the lease. Whether each
    was."""
    connection = session.connection()
    mine = _still_claimed(connection, holds)
    released = [
        (MailStatus.QUEUED, None, hold.job_id)
        for hold, ours in zip(holds, mine, strict=True)
        if ours
    ]
    _ROWS.update(connection, ("status", "sending_started_at"), "job_id", released)
    return mine


@dataclass(frozen=True)
class JobOutcome:
    """How an attempt ended, for the job's row (and the Events of refused recipients)."""

    job: MailJobV1
    status: MailStatus
    attempts: int
    smtp_response: str | None = None
    error_class: str | None = None
    error_text: str | None = None
    events: tuple[Event, ...] = ()
    claimed: bool = False  # the claim wrote the job's row: no need to look for it


def record_outcomes(session: Session, outcomes: list[JobOutcome]) -> list[None]:
    connection = session.connection()
    unknown = [str(o.job.job_id) for o in outcomes if not o.claimed]
    existing = _existing(connection, unknown)
    existing.update(
        {str(o.job.job_id): _CLAIMED for o in outcomes if o.claimed}  # rows the claim wrote
    )
    now = utc_now()
    changes: list[tuple[MailJobV1, dict[str, Any]]] = []
    for outcome in outcomes:
        values: dict[str, Any] = {
            "status": outcome.status,
            "attempts": outcome.attempts,
            "error_class": outcome.error_class,
            "error_text": outcome.error_text,
            "updated_at": now,
        }
        if outcome.smtp_response is not None:
            values["smtp_response"] = outcome.smtp_response
        if outcome.status == MailStatus.SENT:
            values["sent_at"] = now
        else:
            values["started_at"] = None  # written to job_history just below
        changes.append((outcome.job, values))
    # a sending is the job's last step, and its row says all of it (sent_at, attempts,
    # replayed, smtp_response, and the attempt's start): the story reads it there
    # (workers.job.story); a job that moves on has its attempt's start written first
    moved_on = [o for o in outcomes if o.status != MailStatus.SENT]
    _write_starts(connection, [str(o.job.job_id) for o in moved_on])
    _write(connection, existing, changes)
    replays: dict[str, int] = (
        dict(connection.execute(_REPLAYS, {"job_ids": [str(o.job.job_id) for o in moved_on]}).all())
        if moved_on
        else {}
    )
    _write_history(
        connection,
        [
            _history(
                str(outcome.job.job_id),
                JobStep(str(outcome.status)),
                now,
                outcome.attempts,
                replays.get(str(outcome.job.job_id)) or 0,
                smtp_response=outcome.smtp_response,
                error_class=outcome.error_class,
                error_text=outcome.error_text,
            )
            for outcome in moved_on
        ],
    )
    events = [event for outcome in outcomes for event in outcome.events]
    if events:
        record_events(session, events)
    return [None for _ in outcomes]


# States a job reaches only through a worker's outcome: a broker dead letter changes none.
_FINISHED = frozenset({MailStatus.SENT, MailStatus.DEAD, MailStatus.SUPPRESSED})


def record_if_unfinished(session: Session, outcomes: list[JobOutcome]) -> list[bool]:
    """Record each outcome unless its job already has a finished row (a worker recorded how
    it ended before the broker dead-lettered a copy); whether each was recorded."""
    existing = _existing(session.connection(), [str(o.job.job_id) for o in outcomes])
    unfinished = [
        outcome
        for outcome in outcomes
        if (row := existing.get(str(outcome.job.job_id))) is None or row.status not in _FINISHED
    ]
    record_outcomes(session, unfinished)
    return [outcome in unfinished for outcome in outcomes]
