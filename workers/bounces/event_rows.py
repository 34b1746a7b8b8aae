"""Event rows from a parsed bounce (pure): one per reported recipient, or one ``undefined``
row for a mail nobody could read."""

from __future__ import annotations

from datetime import datetime

from schemas.tables import Event
from workers.bounces.disposition import Disposition, MailKind
from workers.bounces.trust import NamedJob
from workers.dsn import BounceReport, BounceType, Reason, RecipientReport
from workers.store.events import DSN_SOURCE, as_column, new_event
from workers.store.suppressions import normalize

SOURCE = DSN_SOURCE
# What a report says of each recipient, stored as said (cleaned and cut by new_event).
_RECIPIENT_TEXT = ("status", "reply_code", "action", "diagnostic", "feedback_type", "remote_mta")


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
    named: NamedJob,
    tenant: str | None,
    bounce_key: str,
    raw_bounce_id: int | None,
    received_at: datetime,
) -> list[Event]:
    """The Events of one mail, one per distinct recipient address, in report order."""
    recipients = list(report.recipients) if disposition.kind is not MailKind.NOT_BOUNCE else []
    if disposition.records and not recipients:
        recipients = [_undefined(disposition)]
    seen: set[str] = set()
    events: list[Event] = []
    for recipient in recipients:
        address = as_column("recipient", normalize(recipient.address))
        if address in seen:
            continue
        seen.add(address)
        said = {name: getattr(recipient, name) for name in _RECIPIENT_TEXT}
        events.append(
            new_event(
                source=SOURCE,
                bounce_key=bounce_key,
                job_id=named.job_id,
                tenant=tenant if named.verified else None,
                verified=named.verified,
                recipient=address,
                reason=recipient.reason.value,
                bounce_type=recipient.bounce_type.value,
                engine=report.engine,
                reporting_mta=report.reporting_mta,
                bounce_message_id=report.message_id,
                raw_bounce_id=raw_bounce_id,
                received_at=received_at,
                # deliveries and auto-replies are recorded, not announced: already "published"
                published_at=None if recipient.reason.published else received_at,
                **said,
            )
        )
    return events
