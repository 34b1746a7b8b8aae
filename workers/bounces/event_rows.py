"""Event rows from a parsed bounce (pure): one per reported recipient, or one ``undefined``
row for a mail nobody could read."""

from __future__ import annotations

from datetime import datetime

from schemas.tables import Event, clean_for_store
from workers.bounces.disposition import Disposition, Kind
from workers.bounces.trust import JobClaim
from workers.dsn import BounceReport, BounceType, Reason, RecipientReport
from workers.store.events import DSN_SOURCE
from workers.store.suppressions import normalize

SOURCE = DSN_SOURCE
UNPUBLISHED_REASONS = frozenset({"vacation", "delivered"})
RECIPIENT_LENGTH = Event.__table__.c.recipient.type.length  # type: ignore[attr-defined]


def _text(value: str) -> str | None:
    """A field as stored: blank is no value (the column type cleans and cuts the rest)."""
    return value.strip() or None


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
        # as the column will hold it, so that two addresses stored alike are one recipient
        address = clean_for_store(normalize(recipient.address), RECIPIENT_LENGTH)
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
                status=_text(recipient.status),
                reply_code=_text(recipient.reply_code),
                reason=reason,
                bounce_type=recipient.bounce_type.value,
                action=_text(recipient.action),
                diagnostic=_text(recipient.diagnostic),
                feedback_type=_text(recipient.feedback_type),
                engine=_text(report.engine),
                reporting_mta=_text(report.reporting_mta),
                remote_mta=_text(recipient.remote_mta),
                bounce_message_id=_text(report.message_id),
                raw_bounce_id=raw_bounce_id,
                received_at=received_at,
                published_at=received_at if reason in UNPUBLISHED_REASONS else None,
            )
        )
    return events
