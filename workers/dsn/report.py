"""What the bounce parser says about a mail: plain, immutable data, easy to turn into JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """The failure causes, named as in the shared bounce-analysis vocabulary (DESIGN.md)."""

    USERUNKNOWN = "userunknown"
    HOSTUNKNOWN = "hostunknown"
    MAILBOXFULL = "mailboxfull"
    SUSPEND = "suspend"
    HASMOVED = "hasmoved"
    EXPIRED = "expired"
    FILTERED = "filtered"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    SPAMDETECTED = "spamdetected"
    VIRUSDETECTED = "virusdetected"
    POLICYVIOLATION = "policyviolation"
    SECURITYERROR = "securityerror"
    AUTHFAILURE = "authfailure"
    BADREPUTATION = "badreputation"
    REQUIREPTR = "requireptr"
    NOTCOMPLIANTRFC = "notcompliantrfc"
    NORELAYING = "norelaying"
    NOTACCEPT = "notaccept"
    MESGTOOBIG = "mesgtoobig"
    EXCEEDLIMIT = "exceedlimit"
    CONTENTERROR = "contenterror"
    SYSTEMERROR = "systemerror"
    SYSTEMFULL = "systemfull"
    NETWORKERROR = "networkerror"
    TOOMANYCONN = "toomanyconn"
    SPEEDING = "speeding"
    SYNTAXERROR = "syntaxerror"
    MAILERERROR = "mailererror"
    ONHOLD = "onhold"
    UNDEFINED = "undefined"
    DELIVERED = "delivered"
    FEEDBACK = "feedback"
    VACATION = "vacation"

    @property
    def is_failure(self) -> bool:
        """False for what says the mail was not lost: a delivery report, a complaint, an
        auto-reply (:data:`NOT_FAILURES`)."""
        return self not in NOT_FAILURES

    @property
    def published(self) -> bool:
        """Announced on ``mail.events`` (``mail.bounced``, ``mail.complaint``): failures and
        complaints; deliveries and auto-replies are only recorded."""
        return self.is_failure or self is Reason.FEEDBACK


# The one set of reasons that are not failures.
NOT_FAILURES = frozenset({Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION})


class BounceType(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    UNDETERMINED = "undetermined"


class ReportKind(StrEnum):
    """How the mail told us what happened."""

    RFC3464 = "rfc3464"
    PLAINTEXT = "plaintext"
    ARF = "arf"
    JSON = "json"  # a provider's JSON notification (Amazon SES)
    AUTOREPLY = "autoreply"
    NOT_A_BOUNCE = "not-a-bounce"


@dataclass(frozen=True)
class RecipientReport:
    """One failed (or reported) recipient of a bounce."""

    address: str
    status: str
    reply_code: str
    reason: Reason
    bounce_type: BounceType
    action: str
    diagnostic: str
    remote_mta: str
    original_recipient: str = ""
    last_attempt: str = ""
    feedback_type: str = ""
    # The address the report finally tried (an alias or forward of ``address``), when it
    # names one apart from the original recipient.
    final_recipient: str = ""


@dataclass(frozen=True)
class BounceReport:
    """Everything the parser found in one mail; the Event records are built from it."""

    is_bounce: bool
    kind: ReportKind
    engine: str
    recipients: tuple[RecipientReport, ...] = ()
    job_id: str | None = None
    job_id_source: str | None = None
    verp_tag: str | None = None
    message_id: str = ""
    original_message_id: str = ""
    reporting_mta: str = ""
    date: str = ""
    subject: str = ""
    sender: str = ""
    parsed_by: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The parser's verdict on a mail it found no bounce in: a delivery report all the same, by
    # its structure or its sender's role (see ``parser.looks_like_report``), or a mail it could
    # not examine at all; False: ordinary mail (a person's reply), never counted as a bounce.
    looks_like_report: bool = False
    # Recipients the report lists past what the parser reads (rfc3464.MAX_DSN_RECIPIENTS).
    dropped_recipients: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the keys named in the `dsn parse --json` contract come first.
        Its values are strings, enums (strings too) and tuples: no deep copy is needed."""
        data = dict(vars(self))
        data["recipients"] = [dict(vars(r)) for r in self.recipients]
        return {"is_bounce": data.pop("is_bounce"), "recipients": data.pop("recipients"), **data}
