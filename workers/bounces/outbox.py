"""Publishing committed Events: ``mail.bounced`` / ``mail.complaint`` on ``mail.events``.

The Event rows are the outbox. An Event is written with ``published_at`` NULL in the same
transaction as everything else; :func:`publish_pending` publishes such rows with publisher
confirms and only then sets ``published_at``. A crash between the commit and the publish
therefore loses nothing: the next sweep (of this worker after a restart, or of any other)
publishes the row. A crash between the broker's confirm and the update publishes the row a
second time: delivery is at least once, and consumers drop repeats by the AMQP
``message_id`` (``event-<id>``), which is the same on every try.
"""

from __future__ import annotations

import json
from typing import Any

import pika
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from schemas.tables import Event, utc_now
from workers.broker import names
from workers.broker.publisher import JSON, ConfirmingPublisher
from workers.events.query import event_to_json
from workers.store.engine import session_scope
from workers.store.events import awaiting_publication

BATCH = 200
MARK_EVERY = 50


def routing_key(event: Event) -> str:
    return names.EVENT_COMPLAINT if event.reason == "feedback" else names.EVENT_BOUNCED


def event_properties(event: Event) -> pika.BasicProperties:
    headers: dict[str, Any] = {"x-erpmail-reason": event.reason}
    if event.job_id:
        headers["x-erpmail-job-id"] = event.job_id
    return pika.BasicProperties(
        content_type=JSON,
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=f"event-{event.id}",
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
            body = json.dumps(event_to_json(event), ensure_ascii=False).encode("utf-8")
            publisher.publish(
                names.EVENTS_EXCHANGE, routing_key(event), body, event_properties(event)
            )
            published.append(event.id)
            if len(published) % MARK_EVERY == 0:
                _mark(engine, published[-MARK_EVERY:])
    finally:
        _mark(engine, published[len(published) - len(published) % MARK_EVERY :])
    return len(published)
