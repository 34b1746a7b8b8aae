"""Pin a bounce on the job that sent the bounced mail, with ``workers.correlation``'s carriers."""

from __future__ import annotations

from typing import Final

from workers.correlation import (
    JOB_ID_HEADER,
    find_verp,
    job_id_from_header,
    job_id_from_message_id,
)
from workers.dsn.mime import Headers

# Where the address a bounce was sent to (our VERP envelope sender) shows in its headers.
ENVELOPE_HEADERS = (
    "to",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-envelope-to",
    "x-rcpt-to",
    "x-delivered-to",
    "x-forwarded-to",
    "apparently-to",
    "resent-to",
    "return-path",
)
_ENVELOPE_NAMES = frozenset(ENVELOPE_HEADERS)


class Correlation:
    """(a record written out, not a dataclass: see mime.Part)"""

    def __init__(
        self, job_id: str | None = None, source: str | None = None, verp_tag: str | None = None
    ) -> None:
        self.job_id: Final = job_id
        self.source: Final = source
        self.verp_tag: Final = verp_tag


def correlate(headers: Headers, envelope_sender: str, returned: Headers) -> Correlation:
    """The job a bounce belongs to: VERP address first, then the returned message's headers.

    ``source`` tells which carrier named the job: ``verp`` (then ``verp_tag`` must be verified
    by the caller before trusting it), ``header`` or ``message-id``.
    """
    # The carriers' fields read in one pass over the headers (a get_all for each name passed
    # over every field for each name present), then put in the carriers' order.
    carried = headers.items(_ENVELOPE_NAMES.__contains__)
    candidates = [value for name in ENVELOPE_HEADERS for key, value in carried if key == name]
    candidates += [envelope_sender, returned.get("return-path")]
    for value in candidates:
        if value:
            match = find_verp(value)
            if match is not None:
                return Correlation(match.job_id, "verp", match.tag)
    job_header = returned.get(JOB_ID_HEADER)
    if job_header:
        job_id = job_id_from_header(job_header)
        if job_id is not None:
            return Correlation(job_id, "header")
    # The returned message's own Message-ID; else the bounce's In-Reply-To / References,
    # which some servers set to it.
    for value in (
        returned.get("message-id"),
        headers.get("in-reply-to"),
        headers.get("references"),
    ):
        job_id = job_id_from_message_id(value) if value else None
        if job_id is not None:
            return Correlation(job_id, "message-id")
    return Correlation()
