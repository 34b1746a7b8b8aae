"""The ``mail.sent`` / ``mail.failed`` messages published on ``mail.events`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika

from schemas.events import (
    Delivery,
    EventType,
    FailedEvent,
    SentEvent,
    encode,
    envelope,
    sender_message_id,
)
from schemas.job import MailJobV1
from schemas.tables import MailStatus
from workers.broker import names
from workers.broker.publisher import JSON


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
    """A notice about one job: the envelope's fields and the delivery's details."""

    event: EventType  # SENT or FAILED
    job_id: str
    tenant: str
    delivery: Delivery
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_job(cls, job: MailJobV1, status: MailStatus, attempt: int, **details: Any) -> Notice:
        """The notice about ``job`` now in ``status``: ``mail.sent`` when sent, else
        ``mail.failed``; ``details`` are the other fields of :class:`Delivery` that have
        something to say (``replay`` counts the replays from the dead-letter queue: part of
        the message id)."""
        event = EventType.SENT if status == MailStatus.SENT else EventType.FAILED
        delivery = Delivery(
            user_code=job.user_code,
            status=str(status),
            attempt=attempt,
            **{**_unsaid(), **details},
        )
        return cls(event, str(job.job_id), job.tenant, delivery)

    @property
    def amqp_message_id(self) -> str:
        return sender_message_id(
            self.event, self.job_id, self.delivery.replay, self.delivery.attempt
        )

    def message(self) -> SentEvent | FailedEvent:
        """The event message (schemas/events.py): the envelope and the delivery's details."""
        model = SentEvent if self.event == EventType.SENT else FailedEvent
        return model(
            **envelope(self.event, self.amqp_message_id, self.job_id, self.tenant, self.at),
            data=self.delivery,
        )

    def body(self) -> bytes:
        return encode(self.message())

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
