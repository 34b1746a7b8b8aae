"""The ``mail.sent`` / ``mail.failed`` messages published on ``mail.events`` (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika

from schemas.job import MailJobV1
from workers.broker import names
from workers.broker.publisher import JSON


@dataclass(frozen=True)
class Notice:
    event: str  # names.EVENT_SENT or names.EVENT_FAILED
    job_id: str
    tenant: str
    user_code: str
    status: str
    attempt: int
    message_id: str | None = None
    smtp_host: str | None = None
    smtp_response: str | None = None
    error_class: str | None = None
    error_text: str | None = None
    refused: tuple[str, ...] = ()
    suppressed: tuple[str, ...] = ()
    possible_duplicate: bool = False
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_job(
        cls, event: str, job: MailJobV1, status: str, attempt: int, **details: Any
    ) -> Notice:
        """The notice of ``event`` about ``job``; ``details`` are the optional fields."""
        return cls(event, str(job.job_id), job.tenant, job.user_code, status, attempt, **details)

    def body(self) -> bytes:
        document: dict[str, Any] = {
            "event": self.event,
            "job_id": self.job_id,
            "tenant": self.tenant,
            "user_code": self.user_code,
            "status": self.status,
            "attempt": self.attempt,
            "message_id": self.message_id,
            "smtp_host": self.smtp_host,
            "smtp_response": self.smtp_response,
            "error_class": self.error_class,
            "error_text": self.error_text,
            "refused": list(self.refused),
            "suppressed": list(self.suppressed),
            "possible_duplicate": self.possible_duplicate,
            "at": self.at.isoformat(),
        }
        return json.dumps(document, ensure_ascii=False).encode("utf-8")

    def properties(self) -> pika.BasicProperties:
        return pika.BasicProperties(
            content_type=JSON,
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=f"{self.job_id}:{self.event}:{self.attempt}",
            type=self.event,
        )

    @property
    def routing_key(self) -> str:
        return self.event

    @property
    def exchange(self) -> str:
        return names.EVENTS_EXCHANGE
