"""Whether a bounce may be pinned on the job it names (pure).

Anyone can mail the event mailbox, so a bounce counts against a job only when it came back
to the job's VERP address and that address's tag verifies under the server key. A job id
found only in returned headers (``X-Erpmail-Job-Id``, ``Message-ID``), or behind a tag that
does not verify, is a claim: the bounce is recorded uncorrelated, and nothing is suppressed
or marked for that job's tenant.

Even a verified tag proves only the job: every recipient of the mail holds it. A reported
address counts against the job only when it is one of the job's recipients, as the keyed
digests the sender kept with the job say (:func:`unpin_strangers`); any other address is
recorded unpinned, and suppresses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.tables import Event, MailMessage
from workers.correlation import VerpMatch, verify_tag, was_sent_to
from workers.dsn import BounceReport


@dataclass(frozen=True)
class NamedJob:
    """The job a bounce names (its claim: where the id was found, ``source``) and whether
    the VERP tag verifies; distinct from the sender's claim of a job it is about to send."""

    claimed_job_id: str | None
    source: str | None
    verified: bool

    @property
    def job_id(self) -> str | None:
        """The job the bounce is pinned on: only a verified one."""
        return self.claimed_job_id if self.verified else None


def named_job(report: BounceReport, keys: Sequence[bytes]) -> NamedJob:
    """``keys``: every key a tag may be signed with (``verification_keys``; during a key
    rotation the old ones too). No key: nothing verifies."""
    job_id, source, tag = report.job_id, report.job_id_source, report.verp_tag
    verified = bool(
        job_id
        and source == "verp"
        and tag
        and any(verify_tag(VerpMatch(job_id=job_id, tag=tag), key) for key in keys)
    )
    return NamedJob(claimed_job_id=job_id, source=source, verified=verified)


def unpin_strangers(
    events: list[Event], job: MailMessage | None, keys: Sequence[bytes]
) -> list[str]:
    """Unpin (no job, no tenant, not verified) each event whose recipient the job was not
    sent to, or every one when the job is unknown; returns their addresses. An event without
    an address (a mail nobody could read) stays on the job: it suppresses nobody."""
    strangers: list[str] = []
    for event in events:
        if not event.verified or not event.recipient:
            continue
        if job is None or not was_sent_to(job.recipient_digests, job.job_id, event.recipient, keys):
            event.job_id, event.tenant, event.verified = None, None, False
            strangers.append(event.recipient)
    return strangers
