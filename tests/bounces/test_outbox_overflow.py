"""The bounce worker's outbox when the event queue is full: refused Events stay unpublished
and go out once there is room."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from schemas.tables import Event
from tests.contracts import check_event
from tests.events import hard_bounce
from workers.bounces.event_rows import SOURCE
from workers.bounces.outbox import publish_pending
from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher, PublishRefused
from workers.store.engine import session_scope


def unpublished(engine: Engine) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(Event).where(col(Event.published_at).is_(None))).all())


def test_refused_events_stay_in_the_outbox_until_the_queue_has_room(
    engine: Engine, broker: BlockingChannel, rabbitmq_url: str
) -> None:
    small = f"test.events.{uuid.uuid4().hex[:8]}"
    broker.queue_declare(
        small,
        durable=True,
        arguments={"x-queue-type": "quorum", "x-max-length": 1, "x-overflow": "reject-publish"},
    )
    broker.queue_bind(small, names.EVENTS_EXCHANGE, routing_key="mail.#")
    broker.basic_publish("", small, b"filler")  # full (see tests/sender/test_no_silent_loss.py)
    with session_scope(engine) as session:
        for number in range(3):
            session.add(
                hard_bounce(
                    source=SOURCE,
                    bounce_key=f"k-{number}",
                    recipient=f"r{number}@example.ee",
                )
            )
    received: list[str] = []

    def take_one() -> bool:
        method, properties, body = broker.basic_get(small, auto_ack=True)
        if method is not None and body != b"filler":
            received.append(check_event(properties, body)["data"]["recipient"])
        return method is not None

    try:
        with ConfirmingPublisher.open(rabbitmq_url) as publisher:
            with pytest.raises(PublishRefused) as refused:
                publish_pending(engine, publisher)
            assert refused.value.nacked
            assert unpublished(engine) >= 1  # the refused ones are kept
            for _ in range(10):  # a slow consumer makes room, a message at a time
                take_one()
                with contextlib.suppress(PublishRefused):
                    publish_pending(engine, publisher)
                if not unpublished(engine):
                    break
            while take_one():
                pass
    finally:
        broker.queue_delete(small)
    assert unpublished(engine) == 0
    assert sorted(received) == ["r0@example.ee", "r1@example.ee", "r2@example.ee"]
