"""Event rows from a parsed bounce (pure): one per reported recipient, or one ``undefined``
row for a mail nobody could read."""

from __future__ import annotations

from datetime import datetime

from schemas.tables import Event
from workers.bounces.disposition import Disposition, Kind
from workers.bounces.trust import JobClaim
from workers.dsn import BounceReport, BounceType, Reason, RecipientReport
from workers.store.events import DSN_SOURCE
from workers.store.suppressions import normalize

SOURCE = DSN_SOURCE
UNPUBLISHED_REASONS = frozenset({"vacation", "delivered"})
_LIMITS = {"status": 16, "reply_code": 3, "action": 32, "feedback_type": 32, "engine": 64}


def clean_text(value: str) -> str:
    """Text any database stores: no NUL characters, no lone surrogates."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _cut(value: str, field: str | None = None, limit: int = 255) -> str | None:
    value = clean_text(value).strip()
    if not value:
        return None
    return value[: _LIMITS.get(field or "", limit)]


def _undefined(disposition: Disposition) -> RecipientReport:
    return RecipientReport(
        address="",
        status="",
        reply_code="",
        reason=Reason.UNDEFINED,
        bounce_type=BounceType.UNDETERMINED,
        action="",
        diagnostic=disposition.why,
        remote_mta="",
    )


def build_events(
    report: BounceReport,
    disposition: Disposition,
    claim: JobClaim,
    tenant: str | None,
    bounce_key: str,
    raw_bounce_id: int | None,
    received_at: datetime,
) -> list[Event]:
    """The Events of one mail, one per distinct recipient address, in report order."""
    recipients = list(report.recipients) if disposition.kind is not Kind.NOT_BOUNCE else []
    if disposition.records and not recipients:
        recipients = [_undefined(disposition)]
    seen: set[str] = set()
    events: list[Event] = []
    for recipient in recipients:
        address = normalize(clean_text(recipient.address))[:320]
        if address in seen:
            continue
        seen.add(address)
        reason = recipient.reason.value
        events.append(
            Event(
                source=SOURCE,
                bounce_key=bounce_key,
                job_id=claim.job_id,
                tenant=tenant if claim.verified else None,
                verified=claim.verified,
                recipient=address,
                status=_cut(recipient.status, "status"),
                reply_code=_cut(recipient.reply_code, "reply_code"),
                reason=reason,
                bounce_type=recipient.bounce_type.value,
                action=_cut(recipient.action, "action"),
                diagnostic=clean_text(recipient.diagnostic) or None,
                feedback_type=_cut(recipient.feedback_type, "feedback_type"),
                engine=_cut(report.engine, "engine"),
                reporting_mta=_cut(report.reporting_mta),
                remote_mta=_cut(recipient.remote_mta),
                bounce_message_id=_cut(report.message_id, limit=998),
                raw_bounce_id=raw_bounce_id,
                received_at=received_at,
                published_at=received_at if reason in UNPUBLISHED_REASONS else None,
            )
        )
    return events
