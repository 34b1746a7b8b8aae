"""Event messages v1: what erpmail publishes on the ``mail.events`` exchange.

Every message has one envelope: ``version``, ``type`` (also the routing key and the AMQP
``type`` property), ``message_id`` (also the AMQP ``message_id``), ``job_id``, ``tenant``,
``occurred_at`` (UTC, written with its ``Z``) and ``data``, whose fields depend on the type.
The models are the source of truth; ``schemas/mail-events.v1.schema.json`` is generated from
them (``make schema``) and the AsyncAPI document (``schemas/asyncapi.yaml``) points at it.

``message_id`` is unique per event and the same each time the same event is published again
(at-least-once delivery), so that a consumer drops repeats by it:

- ``mail.sent`` / ``mail.failed``: ``<type>:<job_id>:<replay>:<attempt>``. The replay number
  (how often the job was replayed from the dead-letter queue) keeps a job that fails again
  after a replay from repeating the id of its first failure; attempts restart at a replay.
- ``mail.bounced`` / ``mail.complaint``: ``<type>:event:<Event row id>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

EVENTS_VERSION = 1


class EventType(StrEnum):
    SENT = "mail.sent"
    FAILED = "mail.failed"
    BOUNCED = "mail.bounced"
    COMPLAINT = "mail.complaint"


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 with ``Z``; a naive ``moment`` is taken as UTC (the
    database stores naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


UTC_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,6})?Z$"
UtcTime = Annotated[
    AwareDatetime,
    PlainSerializer(utc_text, return_type=str),
    Field(json_schema_extra={"format": "date-time", "pattern": UTC_PATTERN}),
]


def sender_message_id(event: EventType, job_id: str, replay: int, attempt: int) -> str:
    return f"{event}:{job_id}:{replay}:{attempt}"


def bounce_message_id(event: EventType, event_id: int) -> str:
    return f"{event}:event:{event_id}"


_STRICT = ConfigDict(extra="forbid", strict=True)


class Delivery(BaseModel):
    """The sender's side of one job: shared by ``mail.sent`` and ``mail.failed``."""

    model_config = _STRICT

    user_code: str = Field(description="ERP user whose configuration sent (or tried to)")
    status: str = Field(
        description="The job's state: sent; dead (given up on) or suppressed for mail.failed"
    )
    attempt: int = Field(ge=0, description="Attempt since the job (or its last replay) began")
    replay: int = Field(ge=0, description="How often the job was replayed from mail.dead")
    mail_message_id: str | None = Field(
        description="The Message-ID header of the mail (<erpmail.<job_id>@EVENT_DOMAIN>)"
    )
    smtp_host: str | None = Field(description="The SMTP server that answered")
    smtp_response: str | None = Field(description="Its last reply (sent)")
    error_class: str | None = Field(
        description="Why it failed (README: error classes; 'suppressed'); null when sent"
    )
    error_text: str | None = Field(description="What went wrong, in words")
    refused: list[str] = Field(description="Recipients the server refused at RCPT TO")
    suppressed: list[str] = Field(description="Recipients left out: on the suppression list")
    possible_duplicate: bool = Field(
        description="Sent again after an attempt that was interrupted mid-send"
    )


class Bounce(BaseModel):
    """One Event row (a recipient's bounce or complaint): the columns of the events table."""

    model_config = _STRICT

    event_id: int = Field(description="events.id")
    source: str = Field(description="dsn (a delivery report) or smtp (refused while sending)")
    verified: bool = Field(description="The job was named by a VERP address whose tag verified")
    recipient: str
    status: str | None = Field(description="Enhanced status code, e.g. 5.1.1")
    reply_code: str | None = Field(description="SMTP reply code, e.g. 550")
    reason: str = Field(description="Why, e.g. userunknown, mailboxfull, feedback")
    bounce_type: str = Field(description="hard, soft or undetermined")
    action: str | None
    diagnostic: str | None
    feedback_type: str | None
    engine: str | None
    reporting_mta: str | None
    remote_mta: str | None
    bounce_message_id: str | None = Field(description="Message-ID of the bounce mail")
    bounce_key: str
    raw_bounce_id: int | None
    received_at: UtcTime = Field(description="When the bounce arrived (UTC)")


class _Envelope(BaseModel):
    model_config = _STRICT

    version: Literal[1] = Field(description="The envelope's version")
    message_id: str = Field(
        min_length=1, description="Unique per event; the same when an event is published again"
    )
    job_id: str | None = Field(description="The job; null for a bounce no job could be found for")
    tenant: str | None = Field(description="The job's tenant; null when unknown")
    occurred_at: UtcTime = Field(description="When it happened, UTC (RFC 3339, 'Z')")


class SentEvent(_Envelope):
    """``mail.sent``: the server accepted the mail (for at least one recipient)."""

    model_config = ConfigDict(title="mail.sent")
    type: Literal["mail.sent"]
    data: Delivery


class FailedEvent(_Envelope):
    """``mail.failed``: the job was given up on (dead-lettered) or every recipient is
    suppressed."""

    model_config = ConfigDict(title="mail.failed")
    type: Literal["mail.failed"]
    data: Delivery


class BouncedEvent(_Envelope):
    """``mail.bounced``: a delivery report (or a refusal) about one recipient."""

    model_config = ConfigDict(title="mail.bounced")
    type: Literal["mail.bounced"]
    data: Bounce


class ComplaintEvent(_Envelope):
    """``mail.complaint``: a recipient reported the mail as spam (a feedback report)."""

    model_config = ConfigDict(title="mail.complaint")
    type: Literal["mail.complaint"]
    data: Bounce


AnyEvent = Annotated[
    SentEvent | FailedEvent | BouncedEvent | ComplaintEvent, Field(discriminator="type")
]
EVENT_MODELS: dict[EventType, type[_Envelope]] = {
    EventType.SENT: SentEvent,
    EventType.FAILED: FailedEvent,
    EventType.BOUNCED: BouncedEvent,
    EventType.COMPLAINT: ComplaintEvent,
}


def encode(event: _Envelope) -> bytes:
    return event.model_dump_json().encode("utf-8")


def envelope(
    event: EventType, message_id: str, job_id: str | None, tenant: str | None, at: datetime
) -> dict[str, Any]:
    """The envelope fields of a message, for ``EVENT_MODELS[event](**envelope(...), data=...)``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return {
        "version": EVENTS_VERSION,
        "type": event,
        "message_id": message_id,
        "job_id": job_id,
        "tenant": tenant,
        "occurred_at": at,
    }
