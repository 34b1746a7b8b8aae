"""A recipient refused during the SMTP conversation becomes an Event, like a bounce would.

The cause comes from the bounce parser's own classifier (``workers.dsn.classify``), so that a
refusal at RCPT TO and a DSN saying the same thing get the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas.job import MailJobV1
from schemas.tables import Event
from workers.dsn import bounce_type, classify
from workers.dsn.status import find_status
from workers.smtp.diagnosis import Step
from workers.smtp.failures import Refusal
from workers.store.events import SMTP_SOURCE, new_event, smtp_bounce_key


def refusal_events(
    job: MailJobV1,
    refusals: Sequence[Refusal],
    *,
    attempt: int,
    remote_mta: str,
    now: datetime,
    step: Step = Step.RCPT_TO,
) -> tuple[Event, ...]:
    """One Event (source ``smtp``) per refused recipient of ``job``."""
    events = []
    for refusal in refusals:
        status = find_status(refusal.message[:40]) or None  # at the start of the reply
        reason = classify(status, refusal.code, refusal.message, step.command)
        events.append(
            new_event(
                source=SMTP_SOURCE,
                bounce_key=smtp_bounce_key(str(job.job_id), attempt),
                job_id=str(job.job_id),
                tenant=job.tenant,
                verified=True,
                recipient=refusal.recipient,
                status=status,
                reply_code=str(refusal.code),
                reason=str(reason),
                bounce_type=str(bounce_type(reason, status, refusal.code)),
                action="failed",
                diagnostic=f"{refusal.code} {refusal.message}",
                remote_mta=remote_mta,
                received_at=now,
            )
        )
    return tuple(events)
