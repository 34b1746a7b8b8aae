"""Feedback-loop (complaint) reports: RFC 5965 ARF, and the older mailbox providers' form
(a complaint that just returns the message)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.dsn.fields import clean_address, field_blocks
from workers.dsn.mime import Mail

FEEDBACK_TYPE = "message/feedback-report"
# Headers a provider adds to the returned copy of a complained-about message.
_COMPLAINT_RECIPIENT_HEADERS = ("x-hmxmroriginalrecipient", "x-original-rcpt-to")
_COMPLAINT_SENDERS = ("staff@hotmail.com", "feedback@arf.mail.yahoo.com", "complaints@")


@dataclass(frozen=True)
class Feedback:
    feedback_type: str
    recipients: tuple[str, ...]
    reporting_mta: str
    arrival_date: str
    source_ip: str


def is_feedback(mail: Mail) -> bool:
    if mail.params.get("report-type", "").lower() == "feedback-report":
        return True
    if any(part.content_type == FEEDBACK_TYPE for part in mail.parts):
        return True
    sender = mail.headers.get("from").lower()
    return any(map(sender.__contains__, _COMPLAINT_SENDERS)) and any(
        name in mail.returned_headers for name in _COMPLAINT_RECIPIENT_HEADERS
    )


def parse_feedback(mail: Mail) -> Feedback:
    fields: dict[str, list[str]] = {}
    for part in mail.parts:
        if part.content_type == FEEDBACK_TYPE:
            for block in field_blocks(_all_fields(part.text)):
                for name, value in block.items():
                    fields.setdefault(name, []).append(value)
    recipients = [clean_address(v) for v in fields.get("original-rcpt-to", [])]
    if not recipients:
        for name in (*_COMPLAINT_RECIPIENT_HEADERS, "to"):
            value = mail.returned_headers.get(name)
            if value:
                recipients = [clean_address(value)]
                break
    first = {name: values[0] for name, values in fields.items()}
    return Feedback(
        feedback_type=first.get("feedback-type", "abuse").lower() or "abuse",
        recipients=tuple(dict.fromkeys(r for r in recipients if r)) or ("",),
        reporting_mta=first.get("reporting-mta", ""),
        arrival_date=first.get("arrival-date", first.get("received-date", "")),
        source_ip=first.get("source-ip", ""),
    )


def _all_fields(text: str) -> str:
    # Repeated fields (Original-Rcpt-To) must all be seen: one field per block.
    return "\n\n".join(line for line in text.split("\n") if line.strip())
