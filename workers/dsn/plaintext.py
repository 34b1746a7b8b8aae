"""Bounces in prose: find the failed recipients and the words said about each.

Most servers write one paragraph per failed recipient that starts with the address
(``<user@host>: host mx said: 550 ...``, ``  user@host\n    SMTP error ...``, ...). The
address lines are the anchors; the lines after an anchor, up to the next one, are its
diagnostic. The report ends where the returned copy of the message begins.
"""

from __future__ import annotations

import re
from typing import Final

from workers.dsn.fields import GluedWords, find_addresses
from workers.dsn.mime import Headers

MAX_SCAN_CHARS = 64 * 1024
MAX_DIAGNOSTIC_LINES = 24
MAX_LINE_CHARS = 2000
MAX_TRANSCRIPT_LEAD = 8

# A line (lower-cased, stripped of decoration) starting with one of these begins the
# returned copy of the message.
RETURNED_MARKERS: tuple[str, ...] = (
    "this is a copy of the message",
    "below this line is a copy of the message",
    "below the next line is a copy of the message",
    "original message",
    "unsent message",
    "returned message",
    "undelivered message",
    "the header of the original message",
    "headers of the original message",
    "original message headers",
    "message header follows",
    "the original message headers",
    "copy of the original message",
    "original mail",
    "a copy of the original",
    "forwarded message",
    "content-type: message/rfc822",
    "the returned message",
    "this is the original message",
    "message text follows",
    "rejected message",
    "the message you sent",
    "your message follows",
    "header of original message",
    "original message follows",
    "returned mail follows",
    "below is a copy of",
    "message headers follow",
    "headers follow",
    "the original message follows",
    "bounced e-mail",
    "bounced email",
    "bounced message",
)
# ... and a short line holding one of these (Chinese servers: "the original mail",
# "the original letter", e.g. "the attachment is a copy of the original letter").
RETURNED_WORDS: tuple[str, ...] = ("原信件", "原邮件", "原始邮件", "原郵件")
_RETURNED_WORDS_MAX_LINE = 80
# The markers by their first characters (as many as the shortest has): a line is tried only
# against the few that start as it does, not against them all.
_MARKER_START = min(map(len, RETURNED_MARKERS))


def _markers_by_start() -> dict[str, tuple[str, ...]]:
    by_start: dict[str, list[str]] = {}
    for marker in RETURNED_MARKERS:
        by_start.setdefault(marker[:_MARKER_START], []).append(marker)
    return {start: tuple(markers) for start, markers in by_start.items()}


_MARKERS_BY_START = _markers_by_start()
_DECORATION = " \t-=_*#|>~"
_ADDRESS = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,128}"
    r"@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,10}"
)
# An anchor: a line that starts with a recipient address, possibly after a short label,
# in angle brackets or not, optionally followed by a comment in parentheses ("(expanded
# from ...)"), a colon and the start of the diagnostic. Postfix's "(in reply to RCPT TO
# command)" is no comment on the address but the stage of the reply, which a wrapped reply
# can put just after the address it names again ("    recipient: a@x (in reply to ...)").
_ANCHOR_RE = re.compile(
    r"^[ \t>]{0,12}(?:<<<\s{1,4})?((?:[245]\d\d[ \-](?:[245]\.\d{1,3}\.\d{1,3}\s{1,4})?)?)"
    r"(?:(?:rcpt to|to|recipient|recipients|address|addressee|original-recipient"
    r"|failed recipient|final-recipient|user|mailbox)(?:\s{0,4}:\s{0,4}|\s{1,4}))?"
    rf"[\"'(]?<?(?:mailto:)?({_ADDRESS})>?[\"')]?"
    r"(?:\s{0,4}\((?!in reply to )[^()\n]{0,200}\))?\s{0,4}(?:[:;,.]|\.\.\.)?(.{0,1500})$",
    re.IGNORECASE,
)
_NOT_RECIPIENT_LOCALS = ("mailer-daemon", "no-reply", "noreply", "mail.delivery.system")


class PlainRecipient:
    """(a record written out, not a dataclass: see mime.Part)"""

    def __init__(self, address: str, diagnostic: str) -> None:
        self.address: Final = address
        self.diagnostic: Final = diagnostic


def split_returned(text: str) -> tuple[str, str]:
    """(the report, the returned message) — split at the first returned-message marker."""
    text = text[:MAX_SCAN_CHARS]
    # The words are looked for line by line only in a text that holds one of them.
    has_words = any(map(text.__contains__, RETURNED_WORDS))
    offset = 0
    for line in text.split("\n"):
        key = line.strip(_DECORATION).lower()
        markers = _MARKERS_BY_START.get(key[:_MARKER_START])
        if key and (
            (markers is not None and key.startswith(markers))
            or (
                has_words
                and len(key) <= _RETURNED_WORDS_MAX_LINE
                and any(map(key.__contains__, RETURNED_WORDS))
            )
        ):
            return text[:offset], text[offset + len(line) + 1 :]
        offset += len(line) + 1
    return text, ""


def unquote(text: str) -> str:
    """Strip one level of ``>`` quoting when the report was forwarded quoted."""
    quoted = text.startswith(">") + text.count("\n>")  # the lines that start with ">"
    if not quoted:
        return text
    lines = text.split("\n")
    # Quoted when at least half the lines with words are: counted only when it could fail.
    if quoted * 2 < len(lines) and quoted * 2 < sum(1 for line in lines if line.strip()):
        return text
    return "\n".join(line[1:].removeprefix(" ") if line.startswith(">") else line for line in lines)


def returned_headers(returned: str) -> Headers:
    """Header fields at the top of a returned message written inline in prose."""
    lines = unquote(returned).split("\n")
    while lines and not lines[0].strip(_DECORATION):  # a rule line above the copy
        lines.pop(0)
    return Headers.read("\n".join(lines))


def is_service_address(address: str) -> bool:
    local = address.partition("@")[0].lower()
    return local.startswith(_NOT_RECIPIENT_LOCALS)


def extract_recipients(
    report: str,
    exclude: frozenset[str] = frozenset(),
    known: frozenset[str] = frozenset(),
    one_line: bool = False,
) -> list[PlainRecipient]:
    """Each failed recipient named in ``report`` with the text about it, in order.

    ``exclude``: addresses of the sender's side; ``known``: recipients already known (from a
    delivery-status part), kept even when they look like a service address (postmaster@).
    ``one_line``: the report gives each recipient's error on the address line only.
    """
    lines = [line[:MAX_LINE_CHARS] for line in unquote(report).split("\n")]
    anchors: list[tuple[int, str, str]] = []
    for index, line in enumerate(lines):
        if "@" not in line:
            continue
        found = _ANCHOR_RE.match(line)
        if found is None or found.start(2) in GluedWords(line):
            continue
        reply, address, rest = found.group(1), found.group(2).strip(".").lower(), found.group(3)
        if address not in known and (address in exclude or is_service_address(address)):
            continue
        # A transcript line keeps the command it shows.
        transcript = line.lstrip().startswith((">>>", "<<<"))
        rest = line.strip() if transcript else (reply + rest).strip()
        anchors.append((index, address, rest))
    if not anchors:
        return []
    merged: dict[str, list[str]] = {}
    anchor_lines = {index for index, _, _ in anchors}
    for position, (index, address, rest) in enumerate(anchors):
        end = anchors[position + 1][0] if position + 1 < len(anchors) else len(lines)
        end = index + 1 if one_line else min(end, index + 1 + MAX_DIAGNOSTIC_LINES)
        body = [*_lead(lines, index, anchor_lines), rest]
        body += [line.strip() for line in lines[index + 1 : end]]
        merged.setdefault(address, []).append(" ".join(part for part in body if part))
    return [PlainRecipient(address, " ".join(texts).strip()) for address, texts in merged.items()]


def _lead(lines: list[str], index: int, anchors: set[int]) -> list[str]:
    """The lines before an anchor that belong to it: the exchange a transcript shows just
    before the summary line (``>>> MAIL From:<...>`` / ``<<< 550 ...``), and a lead-in such
    as "host mx did not like our RCPT TO:" or "... while talking to mx:"."""
    lead: list[str] = []
    position = index - 1
    while (
        position >= 0
        and len(lead) < MAX_TRANSCRIPT_LEAD
        and position not in anchors
        and lines[position].lstrip().startswith((">>>", "<<<"))
    ):
        lead.insert(0, lines[position].strip())
        position -= 1
    if position >= 0 and position not in anchors:
        line = lines[position].strip()
        if line.endswith(":") and "@" not in line:
            lead.insert(0, line)
    return lead


def lines_about(report: str, address: str) -> str:
    """Lines of ``report`` other than anchors that mention ``address`` (e.g. a transcript)."""
    text = unquote(report)
    # Lower-cased whole, line by line alike (no case mapping crosses a line break, nor makes
    # or takes one): the lines that mention it are found by where it is in the text, not by
    # looking through every line.
    lowered = text.lower()
    found = lowered.find(address)
    if found < 0:
        return ""
    lines = text.split("\n")
    hits: list[str] = []
    index, counted = 0, 0
    while found >= 0:
        index += lowered.count("\n", counted, found)
        line = lines[index]
        if not _ANCHOR_RE.match(line):
            hits.append(line.strip())
        counted = lowered.find("\n", found)  # the next mention on another line
        found = lowered.find(address, counted) if counted >= 0 else -1
    return " ".join(hits)


_TRANSCRIPT_REPLY_RE = re.compile(r"^\s{0,4}<<<\s{0,4}([45]\d\d)([ -])(.{0,998})$", re.MULTILINE)


_TRANSCRIPT_COMMAND_RE = re.compile(r"^\s{0,4}>>>[^\n]{0,998}$", re.MULTILINE)


def last_failure_reply(report: str, address: str = "") -> str:
    """The last 4xx/5xx reply a session transcript shows (``<<< 421 ...``), its lines
    joined, or ``""``. With ``address``: the last one answering a command that names it
    (``>>> RCPT To:<address>``) when there is one, else the transcript's last (a refusal of
    the message or of the session concerns every recipient)."""
    text = report[:MAX_SCAN_CHARS]
    if address:
        own = _answers_to(text, address.lower())
        if own:
            found_own = _last_reply(own)
            if found_own:
                return found_own
    return _last_reply(text)


def _answers_to(text: str, address: str) -> str:
    """What the transcript shows after each command naming ``address``, up to the next
    command: the replies to it."""
    commands = list(_TRANSCRIPT_COMMAND_RE.finditer(text))
    return "\n".join(
        text[found.end() : commands[n + 1].start() if n + 1 < len(commands) else len(text)]
        for n, found in enumerate(commands)
        if address in found.group(0).lower()
    )


# Sendmail's own verdict on a refusal its transcript shows: after the remote's reply
# ("<<< 550 ...") it writes "<code> <status> <address>... <text>" derived from the reply code
# alone ("550 5.1.1 anna@example.org... User unknown" for any 550 to RCPT TO).
_REPORTER_VERDICT_RE = re.compile(
    r"^(\s{0,4}<<<[^\n]{0,998}\n)[45]\d\d [245]\.\d{1,3}\.\d{1,3} [^\n]{1,300}\.\.\. [^\n]{0,200}$",
    re.MULTILINE,
)


def without_reporter_verdicts(report: str) -> str:
    """``report`` without the verdicts a reporting server derives from a remote reply its
    transcript shows: the reply is the evidence, the verdict only its reading."""
    if "<<<" not in report:
        return report
    return _REPORTER_VERDICT_RE.sub(r"\1", report[:MAX_SCAN_CHARS])


def _last_reply(text: str) -> str:
    found = list(_TRANSCRIPT_REPLY_RE.finditer(text))
    if not found:
        return ""
    code = found[-1].group(1)
    lines: list[str] = []
    for match in reversed(found):
        if match.group(1) != code or (lines and match.group(2) == " "):
            break
        lines.insert(0, f"{code}{match.group(2)}{match.group(3).strip()}")
    return " ".join(lines)


_FROM_ADDRESS_RE = re.compile(
    rf"\b(?:mail from|sent from|from sender|sender)\s{{0,4}}:?\s{{0,4}}<?({_ADDRESS})",
    re.IGNORECASE,
)
_RCPT_TO_RE = re.compile(rf"rcpt to:\s{{0,4}}<?({_ADDRESS})", re.IGNORECASE)


def addresses_in(report: str, exclude: frozenset[str]) -> list[str]:
    """Recipients named anywhere in a report without anchors: those a transcript sent
    ``RCPT TO`` for, else every plausible address (not the sender's, not a file path)."""
    scanned = report[:MAX_SCAN_CHARS]
    glued = GluedWords(scanned)
    rcpt = [m.group(1).lower() for m in _RCPT_TO_RE.finditer(scanned) if m.start(1) not in glued]
    # "... not accepting mail from <address>": an address said to send is the sender.
    senders = {m.group(1).lower() for m in _FROM_ADDRESS_RE.finditer(scanned)}
    candidates = list(dict.fromkeys(rcpt)) or [
        a for a in find_addresses(report) if a not in senders
    ]
    return [
        a for a in candidates if a not in exclude and not is_service_address(a) and "/" not in a
    ]
