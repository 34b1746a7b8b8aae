"""RFC 3464 delivery status notifications: the ``message/delivery-status`` fields."""

from __future__ import annotations

from dataclasses import dataclass

from workers.dsn.fields import clean_address, field_blocks, typed_value
from workers.dsn.status import find_reply_code, normalize_status

DELIVERY_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")


@dataclass(frozen=True)
class DsnRecipient:
    address: str
    original_recipient: str
    action: str
    status: str
    reply_code: str
    diagnostic: str
    remote_mta: str
    last_attempt: str
    diagnostic_type: str = ""  # "smtp", "x-unix" (a local delivery program), ...


@dataclass(frozen=True)
class DeliveryStatus:
    reporting_mta: str
    arrival_date: str
    envelope_sender: str
    recipients: tuple[DsnRecipient, ...]


def parse_delivery_status(text: str) -> DeliveryStatus:
    """The per-message and per-recipient fields of a delivery-status body."""
    per_message: dict[str, str] = {}
    recipients: list[DsnRecipient] = []
    for block in field_blocks(text):
        if "final-recipient" in block or "original-recipient" in block:
            recipient = _recipient(block)
            if recipient is not None:
                recipients.append(recipient)
            for name, value in block.items():
                per_message.setdefault(name, value)
        else:
            for name, value in block.items():
                per_message.setdefault(name, value)
    return DeliveryStatus(
        reporting_mta=typed_value(per_message.get("reporting-mta", "")),
        arrival_date=per_message.get("arrival-date", ""),
        envelope_sender=typed_value(per_message.get("x-postfix-sender", "")),
        recipients=tuple(recipients),
    )


def _recipient(block: dict[str, str]) -> DsnRecipient | None:
    final = clean_address(typed_value(block.get("final-recipient", "")))
    original = clean_address(typed_value(block.get("original-recipient", "")))
    address = final if "@" in final else (original if "@" in original else final or original)
    if not address:
        return None
    raw_diagnostic = block.get("diagnostic-code", "")
    diagnostic = typed_value(raw_diagnostic)
    kind, sep, _ = raw_diagnostic.partition(";")
    status = normalize_status(block.get("status", ""))
    return DsnRecipient(
        address=address,
        original_recipient=original,
        action=block.get("action", "").strip().lower().split(" ", 1)[0],
        status=status,
        reply_code=find_reply_code(diagnostic),
        diagnostic=diagnostic,
        remote_mta=typed_value(block.get("remote-mta", "")),
        last_attempt=block.get("last-attempt-date", ""),
        diagnostic_type=kind.strip().lower() if sep else "",
    )
