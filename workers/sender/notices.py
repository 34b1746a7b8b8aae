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


@dataclass(frozen=True)
class Notice:
    event: EventType  # SENT or FAILED
    job_id: str
    tenant: str
    user_code: str
    status: MailStatus
    attempt: int
    message_id: str | None = None
    smtp_host: str | None = None
    smtp_response: str | None = None
    error_class: str | None = None
    error_text: str | None = None
    refused: tuple[str, ...] = ()
    suppressed: tuple[str, ...] = ()
    possible_duplicate: bool = False
    replay: int = 0  # replays from the dead-letter queue: part of the message id
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_job(
        cls, event: EventType, job: MailJobV1, status: MailStatus, attempt: int, **details: Any
    ) -> Notice:
        """The notice of ``event`` about ``job``; ``details`` are the optional fields."""
        return cls(event, str(job.job_id), job.tenant, job.user_code, status, attempt, **details)

    @property
    def amqp_message_id(self) -> str:
        return sender_message_id(self.event, self.job_id, self.replay, self.attempt)

    def message(self) -> SentEvent | FailedEvent:
        """The event message (schemas/events.py): the envelope and the delivery's details."""
        data = Delivery(
            user_code=self.user_code,
            status=str(self.status),
            attempt=self.attempt,
            replay=self.replay,
            mail_message_id=self.message_id,
            smtp_host=self.smtp_host,
            smtp_response=self.smtp_response,
            error_class=self.error_class,
            error_text=self.error_text,
            refused=list(self.refused),
            suppressed=list(self.suppressed),
            possible_duplicate=self.possible_duplicate,
        )
        model = SentEvent if self.event == EventType.SENT else FailedEvent
        return model(
            **envelope(self.event, self.amqp_message_id, self.job_id, self.tenant, self.at),
            data=data,
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
