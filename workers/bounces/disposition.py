"""What a mail is to the bounce worker, from the parser's report (pure).

=============  ====================================  ============  ========================
kind           when                                  folder        Events
=============  ====================================  ============  ========================
bounce         a DSN / bounce naming its recipients  Processed     one per recipient
complaint      a feedback-loop (ARF) report          Processed     ``feedback``
autoreply      a vacation / out-of-office reply      NotBounces    ``vacation``
unparsed       a report not understood, no           Unparsed      as parsed, or one
               recipient address, or garbage                       ``undefined``
not_bounce     ordinary mail (a human reply, ...)    NotBounces    none, never counted
=============  ====================================  ============  ========================

Whether an unreadable mail is a report or ordinary mail is the parser's verdict
(``BounceReport.looks_like_report``: its structure and its sender's role), never words in a
subject: a customer's "was it delivered?" is not a bounce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workers.bounces.source import Destination
from workers.dsn import BounceReport, ReportKind

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.M)


class MailKind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    AUTOREPLY = "autoreply"
    UNPARSED = "unparsed"
    NOT_BOUNCE = "not_bounce"


DESTINATIONS = {
    MailKind.BOUNCE: Destination.PROCESSED,
    MailKind.COMPLAINT: Destination.PROCESSED,
    MailKind.AUTOREPLY: Destination.NOT_BOUNCES,
    MailKind.UNPARSED: Destination.UNPARSED,
    MailKind.NOT_BOUNCE: Destination.NOT_BOUNCES,
}


@dataclass(frozen=True)
class Disposition:
    kind: MailKind
    why: str

    @property
    def destination(self) -> Destination:
        return DESTINATIONS[self.kind]

    @property
    def records(self) -> bool:
        """Whether the mail yields Event records (everything but ordinary mail)."""
        return self.kind is not MailKind.NOT_BOUNCE


def looks_like_mail(raw: bytes) -> bool:
    """Whether ``raw`` starts with something like a header block at all."""
    head = raw[:4096]
    return b"\x00" not in head and _HEADER_LINE.match(head.lstrip()) is not None


def decide(report: BounceReport, raw: bytes) -> Disposition:
    if report.is_bounce:
        if report.kind is ReportKind.AUTOREPLY:
            return Disposition(MailKind.AUTOREPLY, "an automatic reply")
        if not report.recipients or any(not r.address for r in report.recipients):
            return Disposition(MailKind.UNPARSED, "a bounce that names no recipient address")
        if report.kind is ReportKind.ARF:
            return Disposition(MailKind.COMPLAINT, "a feedback-loop report")
        return Disposition(MailKind.BOUNCE, f"a {report.kind.value} bounce")
    if not looks_like_mail(raw):
        return Disposition(MailKind.UNPARSED, "not a mail (no header block)")
    if report.looks_like_report:  # the parser's verdict: a report by structure or sender
        return Disposition(MailKind.UNPARSED, "a delivery report that could not be understood")
    return Disposition(MailKind.NOT_BOUNCE, "ordinary mail")
