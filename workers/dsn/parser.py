"""The bounce parser: raw mail bytes in, a ``BounceReport`` out. Pure: no I/O, never raises."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from workers.dsn import arf
from workers.dsn.autoreply import is_autoreply
from workers.dsn.correlate import correlate
from workers.dsn.engines import detect_engine
from workers.dsn.engines.amazonses_json import SesRecipient, parse_ses_notification
from workers.dsn.engines.detect import BODY_SCAN_CHARS
from workers.dsn.fields import clean_address, find_addresses, has_control
from workers.dsn.mime import MAX_REPORT_CHARS, Headers, Mail, parse_mail
from workers.dsn.notice_words import (
    BOUNCE_SENDERS,
    BOUNCE_SUBJECTS,
    LIST_HEADERS,
    RETRIED_OUT_PHRASES,
    TEMPORARY_ERROR_WORDS,
    TEMPORARY_PHRASES,
    UNDELIVERED_PHRASES,
)
from workers.dsn.plaintext import (
    addresses_in,
    extract_recipients,
    is_service_address,
    last_failure_reply,
    lines_about,
    returned_headers,
    split_returned,
    unquote,
    without_reporter_verdicts,
)
from workers.dsn.reasons import (
    NO_CAUSE,
    bounce_type,
    classify,
    classify_normalized,
    command_said,
    may_show_transcript,
    normalize_text,
    status_reason,
    transcript_command,
)
from workers.dsn.report import BounceReport, Reason, RecipientReport, ReportKind
from workers.dsn.rfc3464 import (
    DELIVERY_STATUS_TYPES,
    DeliveryStatus,
    DsnRecipient,
    parse_delivery_status,
)
from workers.dsn.status import (
    best_status,
    failure_status,
    find_reply_code,
    find_status,
    is_specific,
    pseudo_status,
    remote_words,
)

MAX_DIAGNOSTIC_CHARS = 2000
_FINAL_RECIPIENT_RE = re.compile(rb"(?im)^final-recipient[ \t]*:[^;\r\n]*;[ \t]*<?([^\s<>]+)")
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
# The first line of a reply of several ("550-..."), at the start of a diagnostic.
_CONTINUED_REPLY_RE = re.compile(r"\s{0,4}[45]\d\d-")
_BLOCK_TAG_RE = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d)[^<>]{0,200}>", re.IGNORECASE)

# Causes a local delivery program's answer names only loosely: the program's own trouble
# (it could not reach its daemon, it timed out, ...) means the program failed.
_LOCAL_PROGRAM_VAGUE = frozenset(
    {
        Reason.UNDEFINED,
        Reason.ONHOLD,
        Reason.SYSTEMERROR,
        Reason.SYNTAXERROR,
        Reason.EXPIRED,
        Reason.NETWORKERROR,
    }
)


def parse_bounce(raw: bytes) -> BounceReport:
    """Parse one mail (any bytes) into a report; garbage gives an ``undefined`` bounce."""
    try:
        return _parse(raw)
    except Exception as exc:  # the promise is "never raises": keep the worker running
        return BounceReport(
            is_bounce=False,
            kind=ReportKind.NOT_A_BOUNCE,
            engine="",
            notes=(f"parser error: {type(exc).__name__}",),
            looks_like_report=True,  # not examined: kept for a person to look at
        )


def _wrapped(inner: BounceReport, outer: dict[str, Any]) -> BounceReport:
    """The report enclosed in a mail, as that mail's (``outer``: its fields): its own
    Message-ID, date, subject and sender, and the job it names (the VERP address it came to)
    when it names one."""
    named = outer["job_id"]
    return replace(
        inner,
        message_id=outer["message_id"],
        date=outer["date"],
        subject=outer["subject"],
        sender=outer["sender"],
        job_id=named if named else inner.job_id,
        job_id_source=outer["job_id_source"] if named else inner.job_id_source,
        verp_tag=outer["verp_tag"] if named else inner.verp_tag,
    )


def _parse(raw: bytes, enclosed: bool = False) -> BounceReport:
    mail = parse_mail(raw)
    human = human_text(mail)
    report_text, inline_returned = split_returned(human)
    returned = mail.returned_headers or returned_headers(inline_returned)
    markers = detect_engine(mail.headers, human)
    engine = markers.name if markers else ""
    default = markers.default_reason if markers else None
    stage = markers.stage if markers else ""
    text_first = bool(markers and markers.text_first)
    delivery_status = _delivery_status(mail) or _embedded_delivery_status(report_text)
    link = correlate(
        mail.headers, delivery_status.envelope_sender if delivery_status else "", returned
    )
    # The report's fields whatever it turns out to be: its BounceReport is built once, at the
    # end (a frozen dataclass built, then copied by dataclasses.replace, costs twice).
    base: dict[str, Any] = {
        "job_id": link.job_id,
        "job_id_source": link.source,
        "verp_tag": link.verp_tag,
        "message_id": mail.headers.get("message-id"),
        "original_message_id": returned.get("message-id"),
        "date": mail.headers.get("date"),
        "subject": mail.headers.get("subject"),
        "sender": clean_address(mail.headers.get("from")),
        "parsed_by": mail.parsed_by,
        "looks_like_report": looks_like_report(mail, delivery_status is not None, report_text),
    }
    if arf.is_feedback(mail):
        feedback = arf.parse_feedback(mail)
        recipients = tuple(
            _feedback_recipient(address, feedback) for address in feedback.recipients
        )
        return _bounce(
            base,
            ReportKind.ARF,
            "ARF",
            recipients,
            reporting_mta=feedback.reporting_mta,
        )
    ses = parse_ses_notification(human) if engine == "AmazonSES" else None
    if ses is not None and ses.recipients:
        link = correlate(mail.headers, "", Headers(ses.headers))
        return _bounce(
            base,
            ReportKind.JSON,
            "AmazonSES",
            tuple(_ses_recipient(r) for r in ses.recipients),
            reporting_mta=ses.reporting_mta,
            job_id=link.job_id,
            job_id_source=link.source,
            verp_tag=link.verp_tag,
        )
    if delivery_status is None and mail.enclosed_report and not enclosed:
        # A delivery report forwarded or wrapped whole (a gateway's disclaimer around it):
        # the enclosed report is the bounce.
        inner = _parse(mail.enclosed_report, enclosed=True)
        if inner.is_bounce:
            return _wrapped(inner, base)
    exclude = _not_recipients(mail.headers, returned)
    if delivery_status is not None and delivery_status.recipients:
        if len(delivery_status.recipients) == 1:
            stage = _whole_transcript_command(report_text) or stage
        recipients = tuple(
            _dsn_recipient(r, report_text, exclude, default, stage, text_first)
            for r in delivery_status.recipients
        )
        return _bounce(
            base,
            ReportKind.RFC3464,
            engine or "RFC3464",
            recipients,
            reporting_mta=delivery_status.reporting_mta,
            dropped_recipients=_dropped(raw, mail, delivery_status),
        )
    bounce_like = _looks_like_bounce(mail.headers) or _is_report(mail)
    from_daemon = _from_mail_system(mail.headers)
    if not from_daemon and _is_list_copy(mail.headers) and not _is_report(mail):
        # A mailing list's copy of a post (a discussion that may well talk about bounces or
        # quote one) is not a delivery report: bounces come from the mail system.
        return _not_a_bounce(base)
    if not from_daemon and is_autoreply(mail.headers):
        address = clean_address(mail.headers.get("from"))
        vacation = _recipient(address, "", "", Reason.VACATION, "", report_text.strip(), "")
        return _bounce(base, ReportKind.AUTOREPLY, "RFC3834", (vacation,))
    if bounce_like or (engine and (detect_engine(mail.headers, "") or _says_undelivered(human))):
        recipients = _plain_recipients(report_text, returned, exclude, mail.headers, default, stage)
        # Words ("not delivered", "Returned mail") may lead to a report's recipients, never
        # make one: a mail that names none is a bounce only when it is a report by what it is.
        if recipients and (base["looks_like_report"] or any(r.address for r in recipients)):
            return _bounce(base, ReportKind.PLAINTEXT, engine or "unknown", recipients)
    return _not_a_bounce(base)


def _not_a_bounce(base: dict[str, Any]) -> BounceReport:
    return BounceReport(is_bounce=False, kind=ReportKind.NOT_A_BOUNCE, engine="", **base)


def _bounce(
    base: dict[str, Any],
    kind: ReportKind,
    engine: str,
    recipients: tuple[RecipientReport, ...],
    **found: Any,
) -> BounceReport:
    """A bounce of ``kind`` read by ``engine``, with its ``recipients``: the fields of
    ``base`` and whatever else the report said (``found``: more fields, or other values)."""
    return BounceReport(
        is_bounce=True, kind=kind, engine=engine, recipients=recipients, **(base | found)
    )


# --- text of the report -----------------------------------------------------------------------


def human_text(mail: Mail) -> str:
    """The human-readable report: the non-returned text parts, HTML reduced to text."""
    plain = [p.text for p in mail.texts() if p.content_type == "text/plain"]
    if plain:
        return "\n".join(plain)
    other = [p for p in mail.texts() if p.content_type not in DELIVERY_STATUS_TYPES]
    return "\n".join(
        html_to_text(p.text) if p.content_type == "text/html" else p.text for p in other
    )


def html_to_text(text: str) -> str:
    text = _BLOCK_TAG_RE.sub("\n", text)
    from html import unescape  # HTML-only reports are rare: imported when met

    return unescape(_TAG_RE.sub("", text))


def _delivery_status(mail: Mail) -> DeliveryStatus | None:
    for part in mail.texts():
        if part.content_type in DELIVERY_STATUS_TYPES:
            return parse_delivery_status(part.text)
    return None


def _embedded_delivery_status(report_text: str) -> DeliveryStatus | None:
    """Delivery-status fields written into the prose (forwarded or mis-built reports)."""
    text = unquote(report_text)
    if "final-recipient:" not in text.lower():
        return None
    return parse_delivery_status(text)


def _looks_like_bounce(headers: Headers) -> bool:
    subject = headers.get("subject").lower()
    return _from_mail_system(headers) or any(map(subject.__contains__, BOUNCE_SUBJECTS))


def _says_undelivered(text: str) -> bool:
    """The text says a message was not delivered: a server's marker in the body (a product
    name, a web address) tells who wrote a report only in a mail that is one."""
    lowered = text[:BODY_SCAN_CHARS].lower()
    return any(map(lowered.__contains__, UNDELIVERED_PHRASES))


def _from_mail_system(headers: Headers) -> bool:
    sender = headers.get("from").lower()
    return any(map(sender.__contains__, BOUNCE_SENDERS))


def _is_report(mail: Mail) -> bool:
    """A ``multipart/report`` of delivery status: a bounce by its structure, also when its
    status fields are unreadable."""
    return mail.content_type == "multipart/report" and mail.params.get(
        "report-type", ""
    ).lower() in ("delivery-status", "global-delivery-status")


def _dropped(raw: bytes, mail: Mail, status: DeliveryStatus) -> int:
    """How many recipients a report lists past what was read: past MAX_DSN_RECIPIENTS, or
    in a delivery-status part longer than its limit (counted in the raw mail, as far as the
    worker read it)."""
    cut = any(
        part.content_type in DELIVERY_STATUS_TYPES and len(part.text) >= MAX_REPORT_CHARS
        for part in mail.parts
    )
    if not cut and not status.dropped:
        return 0
    listed = {found.lower() for found in _FINAL_RECIPIENT_RE.findall(raw)}
    return max(status.dropped, len(listed) - len(status.recipients))


def looks_like_report(mail: Mail, has_delivery_status: bool, report_text: str) -> bool:
    """Whether a mail is a delivery report by what it is, never by words a person may write
    (a customer's "was it delivered?", "Returned mail: we sent the goods back"): a report's
    structure (RFC 3464 multipart/report or a delivery-status part), the mail system's own
    sender name (MAILER-DAEMON: RFC 5321 4.5.5, no person writes as it), or a postmaster or
    null return path (RFC 3464 2.3) with a report in it: the returned message attached, or a
    server's reply quoted (a reply code or enhanced status, as in ``550 5.1.1``)."""
    if has_delivery_status or _is_report(mail):
        return True
    sender = mail.headers.get("from").lower()
    if "mailer-daemon" in sender or "mailer daemon" in sender:
        return True
    if not (_from_mail_system(mail.headers) or mail.headers.get("return-path").strip() == "<>"):
        return False
    returned = bool(mail.returned_headers) or any(part.returned for part in mail.parts)
    text = report_text[:BODY_SCAN_CHARS]
    return (
        returned or bool(mail.enclosed_report) or bool(find_status(text) or find_reply_code(text))
    )


def _is_list_copy(headers: Headers) -> bool:
    listed = any(name in headers for name in LIST_HEADERS)
    return listed or headers.get("precedence").lower() == "list"


def _not_recipients(headers: Headers, returned: Headers) -> frozenset[str]:
    """Addresses that are the sender's side of the conversation, never a failed recipient."""
    values = (
        headers.get("from"),
        headers.get("to"),
        returned.get("from"),
        returned.get("return-path"),
        returned.get("sender"),
        returned.get("reply-to"),
    )
    # Read as one text: no address, nor a word glued to a control, runs across a line break
    # (and a field value holds none), so the values' addresses are the text's.
    return frozenset(find_addresses("\n".join(values)))


def _retried_out(text: str) -> bool:
    """The server gave up after temporary errors: the last error was a temporary one."""
    lowered = text.lower()
    return any(map(lowered.__contains__, RETRIED_OUT_PHRASES))


def last_error_temporary(diagnostic: str, reply_code: str) -> bool:
    """Whether the recipient's own error, as stated, was a temporary one: a 4xx reply or
    status, or words saying so (retries of a temporary error that ran out included).

    A pseudo status describes the error, not the notice: a returned mail, and a delay notice
    that states no temporary error, get the permanent class 5.
    """
    if reply_code.startswith("4") or failure_status(diagnostic).startswith("4"):
        return True
    lowered = diagnostic.lower()
    return _retried_out(lowered) or any(map(lowered.__contains__, TEMPORARY_ERROR_WORDS))


def is_temporary(text: str) -> bool:
    lowered = text.lower()
    return any(map(lowered.__contains__, TEMPORARY_PHRASES))


# --- recipients -------------------------------------------------------------------------------


def _dsn_recipient(
    r: DsnRecipient,
    report_text: str,
    exclude: frozenset[str],
    default: Reason | None,
    stage: str,
    line_first: bool = False,
) -> RecipientReport:
    # The prose tells about the address the server last tried (an alias the original
    # recipient was rewritten to), else about the original recipient.
    if find_reply_code(r.diagnostic).startswith("2"):
        # A success reply names no failure: Sendmail 8.17 puts the "221 Bye" that closed the
        # session in the Diagnostic-Code of a mail it gave up on; the refusal is the last
        # one its transcript shows.
        r = replace(r, diagnostic=last_failure_reply(report_text, r.address) or r.diagnostic)
    elif _CONTINUED_REPLY_RE.match(r.diagnostic):
        # The first line of a reply of several: the transcript has them all (Sendmail keeps
        # only the first in the Diagnostic-Code).
        whole = last_failure_reply(report_text, r.address)
        if whole.startswith(r.diagnostic.strip()[:40]):
            r = replace(r, diagnostic=whole)
    final = r.final_recipient if r.final_recipient != r.address else ""
    evidence = without_reporter_verdicts(report_text)
    prose, about_address = "", False
    if final:
        prose, _ = _prose_about(evidence, final, exclude, one_line=line_first)
    if not prose:
        prose, about_address = _prose_about(evidence, r.address, exclude, one_line=line_first)
    if line_first and prose:
        # The notification line is the error; the Status field is the reporter's own summary.
        r = replace(r, status="", diagnostic=r.diagnostic or prose)
    # Prose that is the lines about the address holds them already.
    transcript = "" if about_address else lines_about(evidence, r.address)
    if transcript and transcript not in prose:
        prose = f"{prose} {transcript}".strip()
    # The diagnostic's own codes, read once for the steps below.
    own_status, own_reply = find_status(r.diagnostic), find_reply_code(r.diagnostic)
    diagnostic = r.diagnostic
    if not diagnostic or (not own_status and not own_reply and prose):
        diagnostic = " ".join(t for t in (diagnostic, prose) if t)
    if own_status:  # the remote server's own code, vague or not
        status = best_status(r.status, r.diagnostic)
    elif is_specific(r.status):  # the prose around may quote the reporter's own summary
        status = r.status
    else:
        status = best_status(r.status, " ".join((diagnostic, prose)))
    reply_code = r.reply_code or (
        own_reply if diagnostic == r.diagnostic else find_reply_code(diagnostic)
    )
    if r.action in ("delivered", "relayed", "expanded"):
        reason = Reason.DELIVERED
    else:
        reason = _cause(
            status, reply_code, diagnostic, report_text, prose, default, r.action, stage
        )
        if "<<<" in report_text and own_reply and not own_status:
            # A Status field beside a transcript's reply that has no code of its own is the
            # reporting server's reading of the reply code (Sendmail writes 5.1.1 for any 550
            # to RCPT TO): it yields to the reply's words naming another cause.
            by_words = _cause("", reply_code, diagnostic, report_text, prose, None, r.action, stage)
            if by_words not in NO_CAUSE and by_words not in (
                status_reason(status)[0],
                Reason.FILTERED,
            ):
                reason = by_words
        reason = _expired_if_retried_out(reason, r.action, status)
        if _local_program(r.diagnostic_type, r.diagnostic) and reason in _LOCAL_PROGRAM_VAGUE:
            # The answer of a local delivery program (pipe, procmail, ...) that names no
            # cause of its own: the program failed.
            reason = Reason.MAILERERROR
    status = status or pseudo_status(reason, last_error_temporary(diagnostic, reply_code))
    return _recipient(
        r.address,
        status,
        reply_code,
        reason,
        r.action or "failed",
        diagnostic,
        r.remote_mta,
        r.original_recipient,
        r.last_attempt,
        final_recipient=final,
    )


def _local_program(diagnostic_type: str, diagnostic: str) -> bool:
    """The diagnostic is the answer of a local delivery program (``x-unix``; Postfix's
    "Command output:" of a pipe)."""
    return diagnostic_type == "x-unix" or "command output:" in diagnostic.lower()


def _prose_about(
    report_text: str, address: str, exclude: frozenset[str], one_line: bool = False
) -> tuple[str, bool]:
    """What the report's prose says of ``address``, and whether that is ``lines_about`` it
    (no notification line names it)."""
    known = frozenset({address})
    for plain in extract_recipients(report_text, exclude, known=known, one_line=one_line):
        if plain.address == address:
            return plain.diagnostic, False
    return lines_about(report_text, address), True


def _plain_recipients(
    report_text: str,
    returned: Headers,
    exclude: frozenset[str],
    headers: Headers,
    default: Reason | None,
    stage: str,
) -> tuple[RecipientReport, ...]:
    found = [(p.address, p.diagnostic) for p in extract_recipients(report_text, exclude)]
    if not found:
        summary = _squeeze(report_text)
        addressed = _returned_recipients(returned)
        mentioned = addresses_in(report_text, exclude)
        # Of the addresses a report mentions (examples, contacts, ...), those the returned
        # message was addressed to are the failed ones.
        addresses = (
            [a for a in mentioned if a in addressed]
            or mentioned
            or [
                a
                for a in find_addresses(returned.get("to"))
                if not is_service_address(a) and a not in exclude
            ]
        )
        found = [(a, summary) for a in addresses] or [("", summary)]
    if len(found) == 1:
        stage = _whole_transcript_command(report_text) or stage
    temporary = is_temporary(headers.get("subject") + "\n" + report_text)
    out: list[RecipientReport] = []
    for address, text in found:
        diagnostic = text
        about = lines_about(report_text, address) if address else ""
        own_reply = ""  # the line's own reply code, when read below (it stays the diagnostic)
        if address and not find_status(diagnostic):
            own_reply = find_reply_code(diagnostic)
            if not own_reply:
                diagnostic = " ".join(t for t in (diagnostic, about) if t)
        status = best_status("", remote_words(diagnostic) or diagnostic)
        if status.startswith("2"):  # a success line of a transcript is not the outcome
            status = failure_status(diagnostic)
        reply_code = own_reply or find_reply_code(diagnostic)
        reason = _cause(
            status,
            reply_code,
            diagnostic,
            report_text,
            about,
            default,
            stage=stage,
        )
        if reason in NO_CAUSE and temporary:
            reason = Reason.EXPIRED
        action = "delayed" if temporary and not status.startswith("5") else "failed"
        reason = _expired_if_retried_out(reason, action, status)
        out.append(
            _recipient(
                address,
                status or pseudo_status(reason, last_error_temporary(diagnostic, reply_code)),
                reply_code,
                reason,
                action,
                diagnostic,
                "",
            )
        )
    return tuple(out)


_RECEIVED_FOR_RE = re.compile(r"\bfor\s{1,4}<([^<>\s]{1,254}@[^<>\s]{1,254})>", re.IGNORECASE)


def _returned_recipients(returned: Headers) -> list[str]:
    """Whom the returned message was addressed to: its To, then the envelope recipient its
    Received fields name ("... for <anna@example.org>")."""
    found = find_addresses(returned.get("to"))
    for received in returned.get_all("received"):
        found += [a.lower() for a in _RECEIVED_FOR_RE.findall(received) if not has_control(a)]
    return list(dict.fromkeys(found))


def _whole_transcript_command(report_text: str) -> str:
    """The command the report's session transcript shows refused: it concerns the one
    recipient of a single-recipient report even where the transcript does not name it."""
    if not may_show_transcript(report_text):
        return ""
    return transcript_command(normalize_text(report_text))


def _expired_if_retried_out(reason: Reason, action: str, status: str) -> Reason:
    """A delay notice without a cause, or a final failure whose last error was temporary
    trouble reaching the host: the message ran out of time in the queue."""
    if action == "delayed" and reason in NO_CAUSE:
        return Reason.EXPIRED
    if action == "failed" and status.startswith("4") and reason in NO_CAUSE:
        return Reason.EXPIRED
    return reason


def _cause(
    status: str,
    reply_code: str,
    diagnostic: str,
    report_text: str,
    prose: str,
    default: Reason | None,
    action: str = "failed",
    stage: str = "",
) -> Reason:
    """The cause from the recipient's own words (the remote server's reply first, then what
    the reporting server says around it); failing that a delay means expiry, then the
    engine's usual cause, then the wording of the whole report."""
    remote = remote_words(diagnostic)
    # Each text normalized once (normalize_text of texts joined by a space is their
    # normalized texts joined): the command is read from the diagnostic and the prose, the
    # cause from the remote's words with the whole diagnostic and the prose around them, or
    # from the diagnostic with the prose around it.
    said, about = normalize_text(diagnostic), normalize_text(prose)
    both = " ".join(t for t in (said, about) if t)
    command = command_said(both) or stage
    if remote:
        needle = normalize_text(remote)
        reason = classify_normalized(status, reply_code, remote, needle, both, command or None)
    else:  # (the command those texts say is read above)
        reason = classify_normalized(status, reply_code, diagnostic, said, about, command)
    if reason not in NO_CAUSE:
        return reason
    if action == "delayed":
        return Reason.EXPIRED
    if default is not None:
        return default
    whole = classify("", "", report_text, command or None)
    return whole if whole not in NO_CAUSE else reason


def _recipient(
    address: str,
    status: str,
    reply_code: str,
    reason: Reason,
    action: str,
    diagnostic: str,
    remote_mta: str,
    original: str = "",
    last_attempt: str = "",
    feedback_type: str = "",
    final_recipient: str = "",
) -> RecipientReport:
    # An address holding a control character names nobody (see fields.GluedWords), from
    # whichever part of a bounce it came (an SES notice's JSON, a feedback report).
    return RecipientReport(
        address="" if has_control(address) else address,
        status=status,
        reply_code=reply_code,
        reason=reason,
        bounce_type=bounce_type(reason, status, reply_code),
        action=action,
        diagnostic=_squeeze(diagnostic),
        remote_mta=remote_mta,
        original_recipient=original,
        last_attempt=last_attempt,
        feedback_type=feedback_type,
        final_recipient=final_recipient,
    )


def _ses_recipient(r: SesRecipient) -> RecipientReport:
    if r.kind == "complaint":
        return _recipient(
            r.address, "", "", Reason.FEEDBACK, "", "", "", feedback_type=r.feedback_type
        )
    status = best_status(r.status, r.diagnostic)
    if r.kind == "delivery":
        return _recipient(
            r.address,
            status or "2.0.0",
            find_reply_code(r.diagnostic),
            Reason.DELIVERED,
            r.action,
            r.diagnostic,
            "",
        )
    reply_code = find_reply_code(r.diagnostic)
    reason = classify(status, reply_code, r.diagnostic)
    return _recipient(
        r.address,
        status or pseudo_status(reason, not r.permanent),
        reply_code,
        reason,
        r.action,
        r.diagnostic,
        "",
    )


def _feedback_recipient(address: str, feedback: arf.Feedback) -> RecipientReport:
    return _recipient(
        address, "", "", Reason.FEEDBACK, "", "", "", feedback_type=feedback.feedback_type
    )


def _squeeze(text: str) -> str:
    return " ".join(text.split())[:MAX_DIAGNOSTIC_CHARS]
