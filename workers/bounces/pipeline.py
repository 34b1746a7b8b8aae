"""One mail from the event mailbox → its records, in ONE database transaction.

:meth:`BouncePipeline.record` parses the mail, decides what it is, and — unless it is
ordinary mail — writes the raw mail, its Events, the job's status and any suppressions, and
commits. The caller moves the mail only after this returns, so a crash leaves either nothing
committed (the mail is handled again) or everything committed: the mail's key is then found
in ``raw_bounces`` and the second pass only moves it (``duplicate``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from schemas.tables import Event, MailMessage, RawBounce
from schemas.values import utc_now
from workers.bounces import policy
from workers.bounces.disposition import Disposition, MailKind, decide
from workers.bounces.event_rows import build_events
from workers.bounces.identity import bounce_key
from workers.bounces.source import Destination, FetchedMessage
from workers.bounces.trust import NamedJob, named_job, unpin_strangers
from workers.config.secrets import verification_keys
from workers.dsn import BounceReport, BounceType, Reason, ReportKind, parse_bounce
from workers.dsn.report import NOT_FAILURES
from workers.dsn.rfc3464 import MAX_DSN_RECIPIENTS
from workers.logging import get_logger, log_context
from workers.settings import BounceSettings
from workers.store.engine import session_scope
from workers.store.events import record_events
from workers.store.suppressions import active_suppressions, suppress


def log() -> Any:
    """The logger, bound at call time (after the CLI configured logging)."""
    return get_logger(component="bounces")


@dataclass(frozen=True)
class Handled:
    """What became of one mail."""

    kind: MailKind
    destination: Destination
    bounce_key: str | None
    duplicate: bool = False
    job_id: str | None = None
    reasons: tuple[str, ...] = ()
    suppressed: tuple[str, ...] = field(default_factory=tuple)
    dropped_recipients: int = 0  # listed past the parser's limit: no Event made for them


@dataclass(frozen=True)
class _Mail:
    """One mail on its way to the database: its bytes, what the parser read in it, what it
    is, the job it names, its key, and when it is recorded."""

    message: FetchedMessage
    report: BounceReport
    disposition: Disposition
    named: NamedJob
    key: str
    now: datetime


class BouncePipeline:
    def __init__(self, engine: Engine, settings: BounceSettings, secret_key: str | None) -> None:
        self._engine = engine
        self._settings = settings
        self._keys = verification_keys(secret_key)

    def record(self, message: FetchedMessage, now: datetime | None = None) -> Handled:
        report = parse_bounce(message.raw)
        disposition = decide(report, message.raw)
        if not disposition.records:
            return Handled(disposition.kind, disposition.destination, None)
        key = bounce_key(message.raw, report.message_id)
        named = named_job(report, self._keys)
        return self._store(_Mail(message, report, disposition, named, key, now or utc_now()))

    def _store(self, mail: _Mail) -> Handled:
        """Write the mail's records in one transaction, unless its key is recorded already
        (``duplicate``). Another worker may commit the same mail, or a suppression of the
        same address, between our reads and our writes: the second pass sees which."""
        disposition = mail.disposition
        for retried in (False, True):
            try:
                with session_scope(self._engine) as session:
                    recorded = select(RawBounce.id).where(RawBounce.bounce_key == mail.key)
                    if session.exec(recorded).first():
                        return Handled(
                            disposition.kind, disposition.destination, mail.key, duplicate=True
                        )
                    return self._write(session, mail)
            except IntegrityError:
                if retried:
                    raise
        raise AssertionError("unreachable: the second pass returns or raises")

    def _write(self, session: Session, mail: _Mail) -> Handled:
        raw = RawBounce(
            bounce_key=mail.key,
            content=mail.message.raw,
            size=max(mail.message.ref.size, len(mail.message.raw)),
            dropped_recipients=mail.report.dropped_recipients,
        )
        session.add(raw)
        session.flush()
        job_id = mail.named.job_id
        job = session.get(MailMessage, job_id) if job_id else None
        tenant = job.tenant if job is not None else None
        with log_context(job_id=job_id, tenant=tenant):
            return self._write_records(session, mail, raw, job)

    def _write_records(
        self, session: Session, mail: _Mail, raw: RawBounce, job: MailMessage | None
    ) -> Handled:
        tenant = job.tenant if job is not None else None
        built = build_events(
            mail.report, mail.disposition, mail.named, tenant, mail.key, raw.id, mail.now
        )
        strangers = unpin_strangers(built, job, self._keys) if mail.named.job_id else []
        events = record_events(session, built)
        pinned = [event for event in events if event.verified]
        suppressed: list[str] = []
        if job is not None:
            self._update_job(job, pinned, mail.now)
            session.add(job)
            suppressed = self._suppress(session, job.tenant, pinned, mail.now)
        if mail.report.dropped_recipients:
            log().warning(
                "report lists more recipients than are read: no Event for the rest",
                bounce_key=mail.key,
                read=len(mail.report.recipients),
                dropped_recipients=mail.report.dropped_recipients,
                limit=MAX_DSN_RECIPIENTS,
            )
        if strangers:
            log().warning(
                "bounce names addresses its job was not sent to: recorded, not counted",
                bounce_key=mail.key,
                not_recipients=len(strangers),
            )
        reasons = tuple(event.reason for event in events)
        log().info(
            "bounce recorded",
            claimed_job_id=mail.named.claimed_job_id if not mail.named.verified else None,
            bounce_key=mail.key,
            kind=mail.disposition.kind.value,
            reasons=list(reasons),
            suppressed=suppressed,
        )
        return Handled(
            mail.disposition.kind,
            mail.disposition.destination,
            mail.key,
            job_id=mail.named.job_id if pinned else None,
            reasons=reasons,
            suppressed=tuple(suppressed),
            dropped_recipients=mail.report.dropped_recipients,
        )

    def _update_job(self, job: MailMessage, events: list[Event], now: datetime) -> None:
        for event in events:
            effect = policy.effect_of(Reason(event.reason), BounceType(event.bounce_type))
            status = policy.next_status(job.status, effect)
            if status != job.status:
                job.status = status
                job.updated_at = now
                if effect in (policy.Effect.HARD, policy.Effect.SOFT):
                    job.error_class = f"{effect.value}_bounce"
                    job.error_text = (
                        f"{event.recipient}: {event.status or ''} {event.reason}"
                        f" {event.diagnostic or ''}".strip()[:2000]
                    )

    def _suppress(
        self, session: Session, tenant: str, events: list[Event], now: datetime
    ) -> list[str]:
        suppressed: list[str] = []
        existing = active_suppressions(
            session, tenant, [event.recipient for event in events if event.recipient], now
        )
        for event in events:
            if not event.recipient:
                continue
            effect = policy.effect_of(Reason(event.reason), BounceType(event.bounce_type))
            decision = policy.immediate_suppression(effect, self._settings, now)
            if decision is None and effect is policy.Effect.SOFT:
                decision = policy.soft_suppression(
                    self._soft_bounce_times(session, tenant, event.recipient, now),
                    self._settings,
                    now,
                )
            if decision is None:
                continue
            current = existing.get(event.recipient)
            if current is not None and policy.keeps_existing(
                current.expires_at, decision.expires_at
            ):
                continue
            suppress(
                session,
                tenant,
                event.recipient,
                event.reason,
                detail=f"{decision.detail}: {event.status or ''} {event.diagnostic or ''}".strip(),
                event_id=event.id,
                expires_at=decision.expires_at,
            )
            suppressed.append(event.recipient)
        return suppressed

    def _soft_bounce_times(
        self, session: Session, tenant: str, recipient: str, now: datetime
    ) -> list[datetime]:
        rows = session.exec(
            select(Event.received_at).where(
                Event.tenant == tenant,
                Event.recipient == recipient,
                Event.bounce_type == BounceType.SOFT,
                col(Event.reason).not_in(NOT_FAILURES),
                col(Event.verified).is_(True),
                Event.received_at >= policy.soft_window_start(self._settings, now),
            )
        )
        return list(rows)

    def record_failure(self, message: FetchedMessage, error: Exception) -> Handled:
        """Keep a mail the pipeline failed on: its bytes and one ``undefined`` Event."""
        key = bounce_key(message.raw, "")
        disposition = Disposition(MailKind.UNPARSED, f"worker error: {type(error).__name__}")
        empty = BounceReport(is_bounce=False, kind=ReportKind.NOT_A_BOUNCE, engine="")
        return self._store(
            _Mail(message, empty, disposition, NamedJob(None, None, False), key, utc_now())
        )
