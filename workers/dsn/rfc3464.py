"""RFC 3464 delivery status notifications: the ``message/delivery-status`` fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from workers.dsn.fields import clean_address, field_blocks, typed_value
from workers.dsn.mime import DELIVERY_STATUS_TYPES as DELIVERY_STATUS_TYPES
from workers.dsn.status import find_reply_code, is_specific, normalize_status

# The recipients read from one report: twice a job's maximum (schemas.job.MAX_RECIPIENTS), so
# that every recipient of our own mail is read; the bounce worker logs and records how many a
# report lists past it (BounceReport.dropped_recipients).
MAX_DSN_RECIPIENTS = 1000


@dataclass(frozen=True)  # (a dataclass: the parser copies one with dataclasses.replace)
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
    final_recipient: str = ""


class DeliveryStatus:
    """(a record written out, not a dataclass: see mime.Part)"""

    def __init__(
        self,
        reporting_mta: str,
        arrival_date: str,
        envelope_sender: str,
        recipients: tuple[DsnRecipient, ...],
        dropped: int = 0,
    ) -> None:
        self.reporting_mta: Final = reporting_mta
        self.arrival_date: Final = arrival_date
        self.envelope_sender: Final = envelope_sender
        self.recipients: Final = recipients
        self.dropped: Final = dropped  # further recipients listed past MAX_DSN_RECIPIENTS


def parse_delivery_status(text: str) -> DeliveryStatus:
    """The per-message and per-recipient fields of a delivery-status body."""
    per_message: dict[str, str] = {}
    recipients: dict[str, DsnRecipient] = {}
    dropped: set[str] = set()
    for block in field_blocks(text):
        if "final-recipient" in block or "original-recipient" in block:
            recipient = _recipient(block)
            # A recipient listed again (an alias expanded to itself, a loop) is one recipient.
            if recipient is not None and recipient.address not in recipients:
                if len(recipients) < MAX_DSN_RECIPIENTS:
                    recipients[recipient.address] = recipient
                else:
                    dropped.add(recipient.address)
            for name, value in block.items():
                per_message.setdefault(name, value)
        else:
            for name, value in block.items():
                per_message.setdefault(name, value)
    return DeliveryStatus(
        reporting_mta=typed_value(per_message.get("reporting-mta", "")),
        arrival_date=per_message.get("arrival-date", ""),
        envelope_sender=typed_value(per_message.get("x-postfix-sender", "")),
        recipients=tuple(recipients.values()),
        dropped=len(dropped),
    )


def _recipient(block: dict[str, str]) -> DsnRecipient | None:
    final = clean_address(typed_value(block.get("final-recipient", "")))
    original = clean_address(typed_value(block.get("original-recipient", "")))
    # The original recipient is the address the sender gave (RCPT TO); the final one may be
    # an alias it was rewritten to on the way (a host-internal mailbox, a forward).
    if is_mail_address(original):
        address = original
    else:
        address = final if "@" in final else (original if "@" in original else final or original)
    if not address:
        return None
    raw_diagnostic = block.get("diagnostic-code", "")
    diagnostic = typed_value(raw_diagnostic)
    kind, sep, _ = raw_diagnostic.partition(";")
    raw_status = block.get("status", "")
    status = normalize_status(raw_status)
    if not diagnostic.strip() and not is_specific(status):
        # "Status: 5.0.0 (recipient reached disk quota)": the comment on a vague code is the
        # diagnostic (on a specific code it only restates the code's standard meaning).
        diagnostic = _comment(raw_status)
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
        final_recipient=final,
    )


def is_mail_address(address: str) -> bool:
    """``local@domain.tld``: an address one can send to (not ``user@internal-daemon``)."""
    local, at, domain = address.partition("@")
    return bool(at and local and "." in domain.strip(".") and " " not in address)


def _comment(value: str) -> str:
    start, end = value.find("("), value.rfind(")")
    return value[start + 1 : end].strip() if 0 <= start < end else ""
