"""The bounce parser: raw mail bytes in, a ``BounceReport`` out. Pure: no I/O, never raises."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from workers.dsn import arf
from workers.dsn.autoreply import is_autoreply
from workers.dsn.correlate import correlate
from workers.dsn.engines import detect_engine
from workers.dsn.fields import clean_address, find_addresses
from workers.dsn.mime import Headers, Mail, parse_mail
from workers.dsn.plaintext import (
    addresses_in,
    extract_recipients,
    is_service_address,
    lines_about,
    returned_headers,
    split_returned,
)
from workers.dsn.reasons import NO_CAUSE, bounce_type, classify, match_phrases
from workers.dsn.report import BounceReport, Reason, RecipientReport, ReportKind
from workers.dsn.rfc3464 import (
    DELIVERY_STATUS_TYPES,
    DeliveryStatus,
    DsnRecipient,
    parse_delivery_status,
)
from workers.dsn.status import find_reply_code, find_status, pseudo_status

MAX_DIAGNOSTIC_CHARS = 2000
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
_BLOCK_TAG_RE = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d)[^<>]{0,200}>", re.IGNORECASE)

_BOUNCE_SENDERS = ("mailer-daemon", "mailer daemon", "postmaster", "post_master",
                   "poostmaster", "mail delivery", "mail.delivery", "mail administrator",
                   "ndr administrator", "system administrator")
_BOUNCE_SUBJECTS = (
    "undeliver", "undelivered", "delivery status", "returned mail", "failure notice",
    "delivery failure", "delivery failed", "mail delivery failed", "could not be delivered",
    "non recapitabile", "nondeliverable", "non-deliverable", "not delivered",
    "mail system error", "delivery notification", "delivery has failed", "delivery report",
    "returned to sender", "bounce", "delivery problem", "failed delivery", "mail failed",
    "unzustellbar", "non remis", "no se puede entregar", "niet bezorgd", "delayed mail",
    "warning: could not send", "message delivery has failed", "there was an error sending",
    "delivery status notification", "postmaster notify", "loop alert", "are not member",
)
_TEMPORARY_PHRASES = (
    "delivery has been delayed", "will be retried", "still being retried", "will continue",
    "will retry", "temporary failure", "temporary error", "temporarily", "has been delayed",
    "delivery delayed", "is delayed", "not yet been delivered", "(delay)", "delayed mail",
    "status notification: delayed", "will keep trying", "still trying",
)


def parse_bounce(raw: bytes) -> BounceReport:
    """Parse one mail (any bytes) into a report; garbage gives an ``undefined`` bounce."""
    try:
        return _parse(raw)
    except Exception as exc:  # the promise is "never raises": keep the worker running
        return BounceReport(is_bounce=False, kind=ReportKind.NOT_A_BOUNCE, engine="",
                            notes=(f"parser error: {type(exc).__name__}",))


def _parse(raw: bytes) -> BounceReport:
    mail = parse_mail(raw)
    human = human_text(mail)
    report_text, inline_returned = split_returned(human)
    returned = mail.returned_headers or returned_headers(inline_returned)
    engine = detect_engine(mail.headers, human)
    delivery_status = _delivery_status(mail)
    link = correlate(mail.headers, delivery_status.envelope_sender if delivery_status else "",
                     returned)
    base = BounceReport(
        is_bounce=False, kind=ReportKind.NOT_A_BOUNCE, engine="",
        job_id=link.job_id, job_id_source=link.source, verp_tag=link.verp_tag,
        message_id=mail.headers.get("message-id"),
        original_message_id=returned.get("message-id"),
        date=mail.headers.get("date"), subject=mail.headers.get("subject"),
        sender=clean_address(mail.headers.get("from")), parsed_by=mail.parsed_by,
    )
    if arf.is_feedback(mail):
        feedback = arf.parse_feedback(mail)
        recipients = tuple(_feedback_recipient(address, feedback) for address in
                           feedback.recipients)
        return replace(base, is_bounce=True, kind=ReportKind.ARF, engine="ARF",
                       recipients=recipients, reporting_mta=feedback.reporting_mta)
    exclude = _not_recipients(mail.headers, returned)
    if delivery_status is not None and delivery_status.recipients:
        recipients = tuple(_dsn_recipient(r, report_text, exclude)
                           for r in delivery_status.recipients)
        return replace(base, is_bounce=True, kind=ReportKind.RFC3464,
                       engine=engine or "RFC3464", recipients=recipients,
                       reporting_mta=delivery_status.reporting_mta)
    bounce_like = _looks_like_bounce(mail.headers)
    if not bounce_like and is_autoreply(mail.headers):
        address = clean_address(mail.headers.get("from"))
        vacation = _recipient(address, "", "", Reason.VACATION, "", report_text.strip(), "")
        return replace(base, is_bounce=True, kind=ReportKind.AUTOREPLY, engine="RFC3834",
                       recipients=(vacation,))
    if bounce_like or engine:
        recipients = _plain_recipients(report_text, returned, exclude, mail.headers)
        if recipients:
            return replace(base, is_bounce=True, kind=ReportKind.PLAINTEXT,
                           engine=engine or "unknown", recipients=recipients)
    return base


# --- text of the report -----------------------------------------------------------------------

def human_text(mail: Mail) -> str:
    """The human-readable report: the non-returned text parts, HTML reduced to text."""
    plain = [p.text for p in mail.texts() if p.content_type == "text/plain"]
    if plain:
        return "\n".join(plain)
    rich = [p.text for p in mail.texts() if p.content_type.startswith("text/")]
    return "\n".join(html_to_text(t) for t in rich)


def html_to_text(text: str) -> str:
    text = _BLOCK_TAG_RE.sub("\n", text)
    return html.unescape(_TAG_RE.sub("", text))


def _delivery_status(mail: Mail) -> DeliveryStatus | None:
    for part in mail.texts():
        if part.content_type in DELIVERY_STATUS_TYPES:
            return parse_delivery_status(part.text)
    return None


def _looks_like_bounce(headers: Headers) -> bool:
    sender = headers.get("from").lower()
    subject = headers.get("subject").lower()
    return any(m in sender for m in _BOUNCE_SENDERS) or any(m in subject for m in
                                                            _BOUNCE_SUBJECTS)


def _not_recipients(headers: Headers, returned: Headers) -> frozenset[str]:
    """Addresses that are the sender's side of the conversation, never a failed recipient."""
    values = [headers.get("from"), headers.get("to"), returned.get("from"),
              returned.get("return-path"), returned.get("sender"), returned.get("reply-to")]
    return frozenset(a for value in values for a in find_addresses(value))


def is_temporary(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in _TEMPORARY_PHRASES)


# --- recipients -------------------------------------------------------------------------------

def _dsn_recipient(r: DsnRecipient, report_text: str, exclude: frozenset[str]
                   ) -> RecipientReport:
    diagnostic = r.diagnostic
    prose = _prose_about(report_text, r.address, exclude)
    if not diagnostic or (not find_status(diagnostic) and not find_reply_code(diagnostic)
                          and prose):
        diagnostic = " ".join(t for t in (diagnostic, prose) if t)
    if r.action in ("delivered", "relayed", "expanded"):
        reason = Reason.DELIVERED
    else:
        reason = _cause(r.status, r.reply_code, diagnostic, report_text)
        if reason in NO_CAUSE and r.action == "delayed":
            reason = Reason.EXPIRED
    reply_code = r.reply_code or find_reply_code(diagnostic)
    temporary = r.action == "delayed" or r.status.startswith("4") or reply_code.startswith("4")
    status = r.status or find_status(diagnostic) or pseudo_status(reason, temporary)
    return _recipient(r.address, status, reply_code, reason, r.action or "failed",
                      diagnostic, r.remote_mta, r.original_recipient, r.last_attempt)


def _prose_about(report_text: str, address: str, exclude: frozenset[str]) -> str:
    for plain in extract_recipients(report_text, exclude):
        if plain.address == address:
            return plain.diagnostic
    return lines_about(report_text, address)


def _plain_recipients(report_text: str, returned: Headers, exclude: frozenset[str],
                      headers: Headers) -> tuple[RecipientReport, ...]:
    found = [(p.address, p.diagnostic) for p in extract_recipients(report_text, exclude)]
    if not found:
        summary = _squeeze(report_text)
        addresses = addresses_in(report_text, exclude) or [
            a for a in find_addresses(returned.get("to")) if not is_service_address(a)]
        found = [(a, summary) for a in addresses] or [("", summary)]
    temporary = is_temporary(headers.get("subject") + "\n" + report_text)
    out: list[RecipientReport] = []
    for address, text in found:
        diagnostic = text
        if address and not find_status(diagnostic) and not find_reply_code(diagnostic):
            extra = lines_about(report_text, address)
            diagnostic = " ".join(t for t in (diagnostic, extra) if t)
        status = find_status(diagnostic)
        reply_code = find_reply_code(diagnostic)
        reason = _cause(status, reply_code, diagnostic, report_text)
        soft = temporary or status.startswith("4") or reply_code.startswith("4")
        if reason in NO_CAUSE and temporary:
            reason = Reason.EXPIRED
        action = "delayed" if temporary and not status.startswith("5") else "failed"
        out.append(_recipient(address, status or pseudo_status(reason, soft), reply_code,
                              reason, action, diagnostic, ""))
    return tuple(out)


def _cause(status: str, reply_code: str, diagnostic: str, report_text: str) -> Reason:
    reason = classify(status, reply_code, diagnostic)
    if reason in NO_CAUSE:
        context = match_phrases(report_text)
        if context is not None:
            return context
    return reason


def _recipient(address: str, status: str, reply_code: str, reason: Reason, action: str,
               diagnostic: str, remote_mta: str, original: str = "", last_attempt: str = "",
               feedback_type: str = "") -> RecipientReport:
    return RecipientReport(
        address=address, status=status, reply_code=reply_code, reason=reason,
        bounce_type=bounce_type(reason, status, reply_code), action=action,
        diagnostic=_squeeze(diagnostic), remote_mta=remote_mta, original_recipient=original,
        last_attempt=last_attempt, feedback_type=feedback_type)


def _feedback_recipient(address: str, feedback: arf.Feedback) -> RecipientReport:
    return _recipient(address, "", "", Reason.FEEDBACK, "", "", "",
                      feedback_type=feedback.feedback_type)


def _squeeze(text: str) -> str:
    return " ".join(text.split())[:MAX_DIAGNOSTIC_CHARS]
