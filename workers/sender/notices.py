"""The ``mail.sent`` / ``mail.failed`` messages published on ``mail.events`` (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika

from schemas.events import (
    Delivery,
    EventType,
    FailedEvent,
    SentEvent,
    envelope,
    sender_message_id,
    utc_text,
)
from schemas.job import MailJobV1
from schemas.tables import MailStatus
from workers.broker import names
from workers.broker.publisher import JSON

# The fields in the order the models write them (schemas/events.py is their source): the
# body is written from them directly, as the models' own JSON would be, byte for byte (the
# tests compare the two). Building and validating the models for every mail sent cost more
# than the rest of the notice, and what goes in is the sender's own typed values.
_ENVELOPE_FIELDS = tuple(SentEvent.model_fields)
_DELIVERY_FIELDS = tuple(Delivery.model_fields)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _unsaid() -> dict[str, Any]:
    """The details of a delivery that a notice leaves out: nothing to say."""
    return {
        "replay": 0,
        "mail_message_id": None,
        "smtp_host": None,
        "smtp_response": None,
        "error_class": None,
        "error_text": None,
        "refused": [],
        "suppressed": [],
        "possible_duplicate": False,
    }


@dataclass(frozen=True)
class Notice:
    """A notice about one job: the envelope's fields and the delivery's details (the fields
    of :class:`schemas.events.Delivery`)."""

    event: EventType  # SENT or FAILED
    job_id: str
    tenant: str
    delivery: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_job(cls, job: MailJobV1, status: MailStatus, attempt: int, **details: Any) -> Notice:
        """The notice about ``job`` now in ``status``: ``mail.sent`` when sent, else
        ``mail.failed``; ``details`` are the other fields of :class:`Delivery` that have
        something to say (``replay`` counts the replays from the dead-letter queue: part of
        the message id)."""
        event = EventType.SENT if status == MailStatus.SENT else EventType.FAILED
        delivery = {"user_code": job.user_code, "status": str(status), "attempt": attempt}
        delivery.update(_unsaid())
        delivery.update(details)
        if len(delivery) != len(_DELIVERY_FIELDS):
            unknown = sorted(set(delivery) - set(_DELIVERY_FIELDS))
            raise TypeError(f"not a field of a notice's delivery: {', '.join(unknown)}")
        return cls(event, str(job.job_id), job.tenant, delivery)

    @property
    def amqp_message_id(self) -> str:
        return sender_message_id(
            self.event, self.job_id, self.delivery["replay"], self.delivery["attempt"]
        )

    def message(self) -> SentEvent | FailedEvent:
        """The event message as its model (schemas/events.py), validated."""
        model = SentEvent if self.event == EventType.SENT else FailedEvent
        return model(
            **envelope(self.event, self.amqp_message_id, self.job_id, self.tenant, self.at),
            data=Delivery(**self.delivery),
        )

    def body(self) -> bytes:
        """The message's JSON, as :meth:`message` writes it."""
        values = envelope(self.event, self.amqp_message_id, self.job_id, self.tenant, self.at)
        values["type"] = str(self.event)
        values["occurred_at"] = utc_text(values["occurred_at"])
        values["data"] = {name: self.delivery[name] for name in _DELIVERY_FIELDS}
        return _ENCODE({name: values[name] for name in _ENVELOPE_FIELDS}).encode("utf-8")

    def properties(self) -> pika.BasicProperties:
        return pika.BasicProperties(
            content_type=JSON,
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=self.amqp_message_id,
            type=self.event,
        )

    @property
    def routing_key(self) -> str:
        return self.event

    @property
    def exchange(self) -> str:
        return names.EVENTS_EXCHANGE
