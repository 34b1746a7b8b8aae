"""What a mail is to the bounce worker, from the parser's report (pure).

=============  ====================================  ============  ========================
kind           when                                  folder        Events
=============  ====================================  ============  ========================
bounce         a DSN / bounce naming its recipients  Processed     one per recipient
complaint      a feedback-loop (ARF) report          Processed     ``feedback``
autoreply      a vacation / out-of-office reply      NotBounces    ``vacation``
unparsed       bounce-like but not understood,       Unparsed      as parsed, or one
               no recipient address, or garbage                    ``undefined``
not_bounce     ordinary mail (a human reply, ...)    NotBounces    none, never counted
=============  ====================================  ============  ========================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum

from workers.bounces.source import Destination
from workers.dsn import BounceReport, ReportKind

_BOUNCE_SENDER = re.compile(r"mailer[-_ ]?daemon|postmaster|mail delivery", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery status|failure notice|delivery (?:has )?fail"
    r"|not (?:be )?delivered|non[- ]?deliver|unzustellbar",
    re.I,
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.M)


class Kind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    AUTOREPLY = "autoreply"
    UNPARSED = "unparsed"
    NOT_BOUNCE = "not_bounce"


DESTINATIONS = {
    Kind.BOUNCE: Destination.PROCESSED,
    Kind.COMPLAINT: Destination.PROCESSED,
    Kind.AUTOREPLY: Destination.NOT_BOUNCES,
    Kind.UNPARSED: Destination.UNPARSED,
    Kind.NOT_BOUNCE: Destination.NOT_BOUNCES,
}


@dataclass(frozen=True)
class Disposition:
    kind: Kind
    why: str

    @property
    def destination(self) -> Destination:
        return DESTINATIONS[self.kind]

    @property
    def records(self) -> bool:
        """Whether the mail yields Event records (everything but ordinary mail)."""
        return self.kind is not Kind.NOT_BOUNCE


def looks_like_mail(raw: bytes) -> bool:
    """Whether ``raw`` starts with something like a header block at all."""
    head = raw[:4096]
    return b"\x00" not in head and _HEADER_LINE.match(head.lstrip()) is not None


def looks_like_bounce(raw: bytes) -> bool:
    """A bounce by its envelope: a null return path, a mailer-daemon sender, a report type,
    or a subject such as "Undelivered Mail"."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
    except Exception:
        return False
    return_path = str(headers.get("return-path", "")).strip()
    content_type = str(headers.get("content-type", "")).lower()
    return (
        return_path == "<>"
        or "multipart/report" in content_type
        or bool(_BOUNCE_SENDER.search(str(headers.get("from", ""))))
        or bool(_BOUNCE_SUBJECT.search(str(headers.get("subject", ""))))
    )


def decide(report: BounceReport, raw: bytes) -> Disposition:
    if report.is_bounce:
        if report.kind is ReportKind.AUTOREPLY:
            return Disposition(Kind.AUTOREPLY, "an automatic reply")
        if not report.recipients or any(not r.address for r in report.recipients):
            return Disposition(Kind.UNPARSED, "a bounce that names no recipient address")
        if report.kind is ReportKind.ARF:
            return Disposition(Kind.COMPLAINT, "a feedback-loop report")
        return Disposition(Kind.BOUNCE, f"a {report.kind.value} bounce")
    if not looks_like_mail(raw):
        return Disposition(Kind.UNPARSED, "not a mail (no header block)")
    if looks_like_bounce(raw):
        return Disposition(Kind.UNPARSED, "looks like a bounce but could not be understood")
    return Disposition(Kind.NOT_BOUNCE, "ordinary mail")
