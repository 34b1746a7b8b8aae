"""Amazon SES notifications (bounce, complaint, delivery) mailed as JSON, raw or SNS-wrapped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_JSON_CHARS = 512 * 1024


@dataclass(frozen=True)
class SesRecipient:
    address: str
    status: str
    diagnostic: str
    action: str
    kind: str  # "bounce", "complaint" or "delivery"
    permanent: bool
    feedback_type: str = ""


@dataclass(frozen=True)
class SesNotification:
    recipients: tuple[SesRecipient, ...]
    reporting_mta: str
    headers: tuple[tuple[str, str], ...]


def parse_ses_notification(text: str) -> SesNotification | None:
    """The notification in ``text`` when it is an SES JSON notification, else None."""
    start = text.find("{")
    if start < 0 or '"notificationType"' not in text[:MAX_JSON_CHARS]:
        return None
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:MAX_JSON_CHARS])
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # SNS envelope
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return None
    if not isinstance(data, dict):
        return None
    kind = str(data.get("notificationType", data.get("eventType", ""))).lower()
    body = data.get(kind)
    if kind not in ("bounce", "complaint", "delivery") or not isinstance(body, dict):
        return None
    return SesNotification(
        recipients=tuple(_recipients(kind, body)),
        reporting_mta=_text(body.get("reportingMTA")).partition(";")[2].strip(),
        headers=_headers(data.get("mail")),
    )


# SES's bounce sub-types in words, for recipients without the remote server's reply.
SUBTYPE_WORDS = {
    "noemail": "NoEmail: the recipient address does not exist",
    "mailboxfull": "MailboxFull: the mailbox is full",
    "messagetoolarge": "MessageTooLarge: the message is too large",
}


def _subtype_words(subtype: str) -> str:
    return SUBTYPE_WORDS.get(subtype.lower(), subtype)


def _recipients(kind: str, body: dict[str, Any]) -> list[SesRecipient]:
    if kind == "bounce":
        permanent = _text(body.get("bounceType")).lower() == "permanent"
        return [
            SesRecipient(
                _text(r.get("emailAddress")).lower(),
                _text(r.get("status")),
                _text(r.get("diagnosticCode")).partition(";")[2].strip()
                or _text(r.get("diagnosticCode"))
                or _subtype_words(_text(body.get("bounceSubType"))),
                _text(r.get("action")) or "failed",
                kind,
                permanent,
            )
            for r in _dicts(body.get("bouncedRecipients"))
        ]
    if kind == "complaint":
        feedback = _text(body.get("complaintFeedbackType")) or "abuse"
        return [
            SesRecipient(_text(r.get("emailAddress")).lower(), "", "", "", kind, False, feedback)
            for r in _dicts(body.get("complainedRecipients"))
        ]
    response = _text(body.get("smtpResponse"))
    return [
        SesRecipient(_text(address).lower(), "", response, "delivered", kind, False)
        for address in body.get("recipients", [])
        if isinstance(address, str)
    ]


def _headers(mail: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(mail, dict):
        return ()
    return tuple((_text(h.get("name")), _text(h.get("value"))) for h in _dicts(mail.get("headers")))


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
