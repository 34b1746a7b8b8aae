"""Publishing committed Events: ``mail.bounced`` / ``mail.complaint`` on ``mail.events``.

The Event rows are the outbox. An Event is written with ``published_at`` NULL in the same
transaction as everything else; :func:`publish_pending` publishes such rows with publisher
confirms and only then sets ``published_at``. A crash between the commit and the publish
therefore loses nothing: the next sweep (of this worker after a restart, or of any other)
publishes the row. A crash between the broker's confirm and the update publishes the row a
second time: delivery is at least once, and consumers drop repeats by the AMQP
``message_id`` (``mail.bounced:event:<id>``; the envelope's ``message_id``), which is the same
on every try.
"""

from __future__ import annotations

from typing import Any

import pika
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from schemas.events import (
    Bounce,
    BouncedEvent,
    ComplaintEvent,
    EventType,
    bounce_message_id,
    encode,
    envelope,
)
from schemas.tables import Event
from schemas.values import utc_now
from workers.broker import names
from workers.broker.publisher import JSON, ConfirmingPublisher
from workers.dsn import Reason
from workers.events.query import event_to_json
from workers.store.engine import session_scope
from workers.store.events import awaiting_publication

BATCH = 200
MARK_EVERY = 50


def routing_key(event: Event) -> EventType:
    return names.EVENT_COMPLAINT if event.reason == Reason.FEEDBACK else names.EVENT_BOUNCED


def event_message(event: Event) -> BouncedEvent | ComplaintEvent:
    """The event message of an Event row (schemas/events.py): the envelope and the row."""
    assert event.id is not None
    kind = routing_key(event)
    fields = event_to_json(event)
    data = Bounce.model_validate({name: fields[name] for name in Bounce.model_fields}, strict=False)
    model = BouncedEvent if kind == EventType.BOUNCED else ComplaintEvent
    message_id = bounce_message_id(kind, event.id)
    return model(
        **envelope(kind, message_id, event.job_id, event.tenant, event.received_at), data=data
    )


def event_properties(event: Event) -> pika.BasicProperties:
    headers: dict[str, Any] = {"x-erpmail-reason": event.reason}
    if event.job_id:
        headers["x-erpmail-job-id"] = event.job_id
    return pika.BasicProperties(
        content_type=JSON,
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=bounce_message_id(routing_key(event), event.id or 0),
        type=routing_key(event),
        headers=headers,
    )


def _mark(engine: Engine, ids: list[int]) -> None:
    if not ids:
        return
    with session_scope(engine) as session:
        for event in session.exec(select(Event).where(col(Event.id).in_(ids))):
            event.published_at = utc_now()
            session.add(event)


def publish_pending(engine: Engine, publisher: ConfirmingPublisher, limit: int = BATCH) -> int:
    """Publish up to ``limit`` unpublished bounce Events, oldest first; the number published."""
    with session_scope(engine) as session:
        pending = list(
            session.exec(
                select(Event).where(awaiting_publication()).order_by(col(Event.id)).limit(limit)
            )
        )
    published: list[int] = []
    try:
        for event in pending:
            assert event.id is not None
            body = encode(event_message(event))
            publisher.publish(
                names.EVENTS_EXCHANGE, routing_key(event), body, event_properties(event)
            )
            published.append(event.id)
            if len(published) % MARK_EVERY == 0:
                _mark(engine, published[-MARK_EVERY:])
    finally:
        _mark(engine, published[len(published) - len(published) % MARK_EVERY :])
    return len(published)
