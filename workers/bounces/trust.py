"""Whether a bounce may be pinned on the job it names (pure).

Anyone can mail the event mailbox, so a bounce counts against a job only when it came back
to the job's VERP address and that address's tag verifies under the server key. A job id
found only in returned headers (``X-Erpmail-Job-Id``, ``Message-ID``), or behind a tag that
does not verify, is a claim: the bounce is recorded uncorrelated, and nothing is suppressed
or marked for that job's tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workers.correlation import VerpMatch, verify_tag
from workers.dsn import BounceReport


@dataclass(frozen=True)
class JobClaim:
    claimed_job_id: str | None
    source: str | None
    verified: bool

    @property
    def job_id(self) -> str | None:
        """The job the bounce is pinned on: only a verified one."""
        return self.claimed_job_id if self.verified else None


def check_claim(report: BounceReport, keys: Sequence[bytes]) -> JobClaim:
    """``keys``: every key a tag may be signed with (``verification_keys``; during a key
    rotation the old ones too). No key: nothing verifies."""
    job_id, source, tag = report.job_id, report.job_id_source, report.verp_tag
    verified = bool(
        job_id
        and source == "verp"
        and tag
        and any(verify_tag(VerpMatch(job_id=job_id, tag=tag), key) for key in keys)
    )
    return JobClaim(claimed_job_id=job_id, source=source, verified=verified)
