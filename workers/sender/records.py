"""What the sender reads and writes in the database, as batch operations for group commit.

:func:`claim_jobs` runs before a send: it finds jobs already sent (duplicates) or left in
``sending`` by a worker that died mid-send, checks the suppression list, resolves the SMTP
configuration and marks the job ``sending`` — committed before the first SMTP byte, so that a
crash after the server accepted the mail is seen on redelivery. :func:`record_outcomes`
writes how an attempt ended, with an Event per recipient refused during SMTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from schemas.job import MailJobV1
from schemas.tables import Event, MailMessage, MailStatus, utc_now
from workers.config.errors import ConfigError
from workers.config.resolved import ResolvedConfig
from workers.store.events import record_events
from workers.store.suppressions import active_suppressions, normalize

# (session, tenant, user_code, job_id) -> the job's configuration, or ConfigError
Resolve = Callable[[Session, str, str, str], ResolvedConfig]


class Verdict(StrEnum):
    SEND = "send"
    DUPLICATE = "duplicate"  # already recorded as sent
    SUPPRESSED = "suppressed"  # every recipient is on the suppression list
    CONFIG_ERROR = "config_error"  # the configuration cannot be resolved
    INTERRUPTED = "interrupted"  # found in `sending`, and the policy is at-most-once
    BUSY = "busy"  # found in `sending` within the lease: another attempt may still be at it


@dataclass(frozen=True)
class ClaimRequest:
    job: MailJobV1
    attempt: int
    recipients: tuple[str, ...]
    message_id: str
    resend_interrupted: bool = True
    lease_seconds: float = 120.0


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    config: ResolvedConfig | None = None
    config_error: str | None = None
    suppressed: dict[str, str] = field(default_factory=dict)  # address -> reason
    possible_duplicate: bool = False
    previous_response: str | None = None  # of a duplicate: the reply recorded when sent
    busy_for: float = 0.0  # of a busy job: seconds until its lease runs out

    def recipients_to_send(self, recipients: Sequence[str]) -> tuple[str, ...]:
        return tuple(r for r in recipients if normalize(r) not in self.suppressed)


def _config_source(config: ResolvedConfig) -> str:
    return json.dumps(
        {"tier": str(config.tier), **{k: str(v) for k, v in config.sources.items()}},
        sort_keys=True,
    )


def _load(session: Session, job_ids: Sequence[str]) -> dict[str, MailMessage]:
    rows = session.exec(select(MailMessage).where(col(MailMessage.job_id).in_(set(job_ids))))
    return {row.job_id: row for row in rows}


def _row(rows: dict[str, MailMessage], session: Session, job: MailJobV1) -> MailMessage:
    job_id = str(job.job_id)
    row = rows.get(job_id)
    if row is None:
        row = MailMessage(
            job_id=job_id, tenant=job.tenant, user_code=job.user_code, kind=str(job.kind)
        )
        rows[job_id] = row
        session.add(row)
    return row


def claim_jobs(
    resolve: Resolve,
) -> Callable[[Session, list[ClaimRequest]], list[Claim]]:
    """The claim operation with ``resolve`` as the configuration resolver."""

    def claim(session: Session, requests: list[ClaimRequest]) -> list[Claim]:
        rows = _load(session, [str(r.job.job_id) for r in requests])
        suppressed: dict[str, dict[str, str]] = {}
        for tenant in {r.job.tenant for r in requests}:
            addresses = [a for r in requests if r.job.tenant == tenant for a in r.recipients]
            found = active_suppressions(session, tenant, addresses)
            suppressed[tenant] = {address: row.reason for address, row in found.items()}
        claims: list[Claim] = []
        now = utc_now()
        for request in requests:
            claims.append(_claim_one(session, rows, suppressed, request, resolve, now))
        return claims

    return claim


def _claim_one(
    session: Session,
    rows: dict[str, MailMessage],
    suppressed: dict[str, dict[str, str]],
    request: ClaimRequest,
    resolve: Resolve,
    now: datetime,
) -> Claim:
    job = request.job
    job_id = str(job.job_id)
    existing = rows.get(job_id)
    if existing is not None and existing.status == MailStatus.SENT:
        return Claim(Verdict.DUPLICATE, previous_response=existing.smtp_response)
    interrupted = existing is not None and existing.status == MailStatus.SENDING
    if interrupted and existing is not None and existing.sending_started_at is not None:
        held = (now - existing.sending_started_at).total_seconds()
        if held < request.lease_seconds:
            return Claim(Verdict.BUSY, busy_for=request.lease_seconds - held)
    if interrupted and not request.resend_interrupted:
        return Claim(Verdict.INTERRUPTED, possible_duplicate=True)
    tenant_suppressed = suppressed.get(job.tenant, {})
    hits = {
        normalize(r): tenant_suppressed[normalize(r)]
        for r in request.recipients
        if normalize(r) in tenant_suppressed
    }
    row = _row(rows, session, job)
    row.updated_at = now
    row.message_id = request.message_id
    if len(hits) == len({normalize(r) for r in request.recipients}):
        row.status = MailStatus.SUPPRESSED
        row.error_class = "suppressed"
        row.error_text = "; ".join(f"{a}: {reason}" for a, reason in sorted(hits.items()))
        return Claim(Verdict.SUPPRESSED, suppressed=hits)
    try:
        config = resolve(session, job.tenant, job.user_code, job_id)
    except ConfigError as error:
        return Claim(Verdict.CONFIG_ERROR, config_error=str(error), suppressed=hits)
    row.status = MailStatus.SENDING
    row.attempts = request.attempt
    row.sending_started_at = now
    row.possible_duplicate = row.possible_duplicate or interrupted
    row.config_source = _config_source(config)
    row.smtp_host = f"{config.endpoint.host}:{config.endpoint.port}"
    return Claim(
        Verdict.SEND, config=config, suppressed=hits, possible_duplicate=row.possible_duplicate
    )


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended, for the job's row (and the Events of refused recipients)."""

    job: MailJobV1
    status: MailStatus
    attempts: int
    smtp_response: str | None = None
    error_class: str | None = None
    error_text: str | None = None
    events: tuple[Event, ...] = ()


def record_outcomes(session: Session, outcomes: list[Outcome]) -> list[None]:
    rows = _load(session, [str(o.job.job_id) for o in outcomes])
    now = utc_now()
    for outcome in outcomes:
        row = _row(rows, session, outcome.job)
        row.status = outcome.status
        row.attempts = outcome.attempts
        row.updated_at = now
        row.error_class = outcome.error_class
        row.error_text = outcome.error_text
        if outcome.smtp_response is not None:
            row.smtp_response = outcome.smtp_response
        if outcome.status == MailStatus.SENT:
            row.sent_at = now
    session.flush()
    events = [event for outcome in outcomes for event in outcome.events]
    if events:
        record_events(session, events)
    return [None for _ in outcomes]
