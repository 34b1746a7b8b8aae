"""Enhanced status codes (RFC 3463) and SMTP reply codes: finding them in text, and the
pseudo status a report gets when it names a cause but no code."""

from __future__ import annotations

import re

from workers.dsn.report import Reason

# Bounded quantifiers only: nothing here can backtrack badly. What may not stand before a
# code is checked just after its first digit ("[245](?<![\d.][245])" rather than
# "(?<![\d.])[245]"): a pattern that starts with a look-behind is tried at every position of
# the text, one that starts with a digit only where that digit is.
_STATUS_RE = re.compile(r"([245])(?<![\d.][245])\.(\d{1,3})\.(\d{1,3})(?!\d)(?!\.\d)")
_REPLY_RE = re.compile(
    r"([245](?<![\d.\-/:][245])[0-5]\d)(?:[ \-](?=\S)|\s{0,8}$|\s{1,8}(?=#?[245]\.\d))"
)
_AFTER_REPLY_RE = re.compile(
    r"[245](?<![\d.][245])\d\d[ \-]['\"]?#?([245])\.(\d{1,3})\.(\d{1,3})(?!\d)(?!\.\d)"
)
_REPLY_START_RE = re.compile(r"^\s*[\"(<\[]?([245][0-5]\d)(?![\d.])")
# qmail-smtpd's replies carry their enhanced code last, "(#5.3.4)": the remote's own code.
_QMAIL_STATUS_RE = re.compile(r"\(#([245])\.(\d{1,3})\.(\d{1,3})\)")

# A report that gives a cause but no code gets ``<class>.0.<number>``: the convention of the
# shared bounce vocabulary, so that such codes stay comparable with other systems.
PSEUDO_DETAIL: dict[Reason, str] = {
    Reason.UNDEFINED: "900",
    Reason.ONHOLD: "901",
    Reason.SYNTAXERROR: "902",
    Reason.NORELAYING: "909",
    Reason.FILTERED: "910",
    Reason.USERUNKNOWN: "911",
    Reason.HOSTUNKNOWN: "912",
    Reason.HASMOVED: "916",
    Reason.REJECTED: "918",
    Reason.SUSPEND: "921",
    Reason.MAILBOXFULL: "922",
    Reason.EXCEEDLIMIT: "923",
    Reason.SYSTEMERROR: "930",
    Reason.SYSTEMFULL: "931",
    Reason.NOTACCEPT: "932",
    Reason.MESGTOOBIG: "934",
    Reason.MAILERERROR: "939",
    Reason.NETWORKERROR: "944",
    Reason.TOOMANYCONN: "945",
    Reason.EXPIRED: "947",
    Reason.CONTENTERROR: "960",
    Reason.SECURITYERROR: "970",
    Reason.BLOCKED: "971",
    Reason.POLICYVIOLATION: "972",
    Reason.REQUIREPTR: "973",
    Reason.BADREPUTATION: "975",
    Reason.AUTHFAILURE: "976",
    Reason.SPEEDING: "977",
    Reason.NOTCOMPLIANTRFC: "978",
    Reason.SPAMDETECTED: "980",
    Reason.VIRUSDETECTED: "990",
}


def find_status(text: str) -> str:
    """The first enhanced status code in ``text`` (``5.1.1``), or ``""``."""
    found = _STATUS_RE.search(text)
    return ".".join(found.groups()) if found else ""


def best_status(field: str, diagnostic: str) -> str:
    """The most telling status: the code the remote server gave after its reply code
    (``550 5.2.2``, or qmail's ``(#5.3.4)``) beats the reporting server's summary field (Sendmail
    writes 5.2.2 for any 552), and any specific code in the diagnostic beats a vague field
    (``5.0.0``)."""
    after_reply = _AFTER_REPLY_RE.search(diagnostic[:4000]) or _QMAIL_STATUS_RE.search(
        diagnostic[:4000]
    )
    if after_reply is not None and is_specific(".".join(after_reply.groups())):
        return ".".join(after_reply.groups())
    if is_specific(field):
        return field
    codes = [".".join(m.groups()) for m in _STATUS_RE.finditer(diagnostic[:4000])]
    specific = [c for c in codes if is_specific(c)]
    if specific and (not field or specific[0][0] == field[0]):
        return specific[0]
    return field or (codes[0] if codes else "")


def remote_words(text: str) -> str:
    """The remote server's own reply within a diagnostic: from its reply code (or status) on,
    without the reporting server's preamble; ``""`` when there is none."""
    found = _REPLY_RE.search(text) or _STATUS_RE.search(text)
    return text[found.start() :] if found else ""


def failure_status(text: str) -> str:
    """The first 4.x.x or 5.x.x code in ``text`` (success codes in a transcript are skipped)."""
    for found in _STATUS_RE.finditer(text[:8000]):
        if found.group(1) != "2":
            return ".".join(found.groups())
    return ""


def find_reply_code(text: str) -> str:
    """The first SMTP reply code in ``text`` (``550``), or ``""``."""
    found = _REPLY_START_RE.match(text) or _REPLY_RE.search(text)
    return found.group(1) if found else ""


def normalize_status(value: str) -> str:
    """A ``Status:`` field value reduced to its code (``5.1.1 (user unknown)`` -> ``5.1.1``)."""
    return find_status(value)


def status_class(status: str, reply_code: str = "") -> str:
    """``"2"``, ``"4"``, ``"5"`` or ``""``: the class the status (else the reply code) names."""
    if status[:1] in ("2", "4", "5"):
        return status[:1]
    if reply_code[:1] in ("2", "4", "5"):
        return reply_code[:1]
    return ""


def is_specific(status: str) -> bool:
    """True for a status that names a cause (not ``x.0.0`` nor one of our pseudo codes)."""
    if not status:
        return False
    _, subject, detail = status.split(".")
    return not (subject == "0" and (detail == "0" or len(detail) == 3))


def pseudo_status(reason: Reason, temporary: bool) -> str:
    """The pseudo code for a cause without a code, or ``""`` for non-failures."""
    detail = PSEUDO_DETAIL.get(reason)
    if detail is None:
        return ""
    return f"{'4' if temporary else '5'}.0.{detail}"
