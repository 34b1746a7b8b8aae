"""The one classifier of failure causes, used for DSNs and for refusals in the SMTP dialogue.

A cause comes from three clues: the enhanced status code (RFC 3463 semantics), the SMTP reply
code, and the wording of the diagnostic (``workers.dsn.phrases``). A status that names a cause
exactly decides; a vague one (``5.0.0``, ``5.7.1``, ...) lets the wording decide.
"""

from __future__ import annotations

from workers.dsn.phrases import PHRASES
from workers.dsn.report import BounceType, Reason
from workers.dsn.status import find_reply_code, find_status

# RFC 3463 subject.detail -> cause, for codes that name one cause precisely.
EXACT_STATUS: dict[str, Reason] = {
    "1.1": Reason.USERUNKNOWN,
    "1.2": Reason.HOSTUNKNOWN,
    "1.3": Reason.USERUNKNOWN,
    "1.6": Reason.HASMOVED,
    "1.7": Reason.REJECTED,
    "1.8": Reason.REJECTED,
    "1.10": Reason.NOTACCEPT,
    "2.2": Reason.MAILBOXFULL,
    "2.3": Reason.EXCEEDLIMIT,
    "3.1": Reason.SYSTEMFULL,
    "3.4": Reason.MESGTOOBIG,
    "4.3": Reason.SYSTEMERROR,
    "4.5": Reason.SYSTEMFULL,
    "4.6": Reason.NETWORKERROR,
    "4.7": Reason.EXPIRED,
    "5.1": Reason.SYNTAXERROR,
    "5.2": Reason.SYNTAXERROR,
    "5.4": Reason.SYNTAXERROR,
    "6.0": Reason.CONTENTERROR,
    "6.1": Reason.CONTENTERROR,
    "6.2": Reason.CONTENTERROR,
    "6.3": Reason.CONTENTERROR,
    "6.5": Reason.CONTENTERROR,
    "6.9": Reason.CONTENTERROR,
    "7.2": Reason.SECURITYERROR,
    "7.3": Reason.SECURITYERROR,
    "7.4": Reason.SECURITYERROR,
    "7.5": Reason.SECURITYERROR,
    "7.6": Reason.SECURITYERROR,
    "7.7": Reason.SECURITYERROR,
    "7.8": Reason.SECURITYERROR,
    "7.13": Reason.SUSPEND,
    "7.14": Reason.SECURITYERROR,
    "7.16": Reason.MESGTOOBIG,
    "7.17": Reason.HASMOVED,
    "7.18": Reason.HASMOVED,
    "7.20": Reason.AUTHFAILURE,
    "7.21": Reason.AUTHFAILURE,
    "7.22": Reason.AUTHFAILURE,
    "7.23": Reason.AUTHFAILURE,
    "7.24": Reason.AUTHFAILURE,
    "7.25": Reason.REQUIREPTR,
    "7.26": Reason.AUTHFAILURE,
    "7.27": Reason.NOTACCEPT,
    "7.28": Reason.SPAMDETECTED,
    "7.29": Reason.AUTHFAILURE,
    "7.30": Reason.SECURITYERROR,
}

# RFC 3463 codes that hint at a cause but are used loosely by servers: the wording wins.
LOOSE_STATUS: dict[str, Reason] = {
    "1.0": Reason.USERUNKNOWN,
    "1.4": Reason.USERUNKNOWN,
    "2.0": Reason.MAILBOXFULL,
    "2.1": Reason.SUSPEND,
    "2.4": Reason.SYSTEMERROR,
    "3.0": Reason.SYSTEMERROR,
    "3.2": Reason.NOTACCEPT,
    "3.3": Reason.SYSTEMERROR,
    "3.5": Reason.SYSTEMERROR,
    "4.0": Reason.NETWORKERROR,
    "4.1": Reason.NETWORKERROR,
    "4.2": Reason.NETWORKERROR,
    "4.4": Reason.HOSTUNKNOWN,
    "5.0": Reason.SYNTAXERROR,
    "5.3": Reason.EXCEEDLIMIT,
    "7.0": Reason.SECURITYERROR,
    "7.1": Reason.SECURITYERROR,
    "7.9": Reason.SECURITYERROR,
}

# Causes that mean the address itself is dead: retrying is pointless.
HARD_REASONS = frozenset({Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED})
# A permanent refusal of all mail is hard too; a temporary one is not.
HARD_WHEN_PERMANENT = frozenset({Reason.NOTACCEPT})
NOT_FAILURES = frozenset({Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION})
NO_CAUSE = frozenset({Reason.UNDEFINED, Reason.ONHOLD})


def normalize_text(text: str) -> str:
    """Lower-case, whitespace collapsed: the form phrases are matched against."""
    return " ".join(text.lower().split())


def match_phrases(text: str) -> Reason | None:
    """The first cause (in precedence order) one of whose phrases appears in ``text``."""
    needle = normalize_text(text)
    if not needle:
        return None
    for reason, phrases in PHRASES:
        for phrase in phrases:
            if phrase in needle:
                return reason
    return None


def status_reason(status: str) -> tuple[Reason | None, bool]:
    """The cause a status names, and whether it names it exactly."""
    if not status:
        return None, False
    key = status.split(".", 1)[1]
    if key in EXACT_STATUS:
        return EXACT_STATUS[key], True
    return LOOSE_STATUS.get(key), False


def classify(status: str | None, reply_code: int | str | None, diagnostic: str) -> Reason:
    """The failure cause of one recipient from its status, reply code and diagnostic text."""
    code = find_status(status or "") or find_status(diagnostic)
    reply = str(reply_code or "") or find_reply_code(diagnostic)
    if code.startswith("2") or (not code and reply.startswith("2")):
        return Reason.DELIVERED
    by_status, exact = status_reason(code)
    if exact and by_status is not None:
        return by_status
    by_text = match_phrases(diagnostic)
    if by_text is not None:
        return by_text
    if by_status is not None:
        return by_status
    return Reason.UNDEFINED if not diagnostic.strip() else Reason.ONHOLD


def bounce_type(reason: Reason, status: str | None = None, reply_code: int | str | None = None
                ) -> BounceType:
    """Hard when retrying is pointless, undetermined without a cause (or for non-failures)."""
    if reason in HARD_REASONS:
        return BounceType.HARD
    if reason in HARD_WHEN_PERMANENT:
        cls = (status or "")[:1] or str(reply_code or "")[:1]
        return BounceType.SOFT if cls == "4" else BounceType.HARD
    if reason in NO_CAUSE or reason in NOT_FAILURES:
        return BounceType.UNDETERMINED
    return BounceType.SOFT
