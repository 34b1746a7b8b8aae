"""Acks in runs (workers.broker.consuming.Acks), on the real broker: a run's one ack covers
exactly the deliveries settled, never one still being worked on or one never seen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import consuming, names
from workers.broker.aio import AsyncConfirmingPublisher, open_connection, set_prefetch
from workers.broker.consuming import ConsumingChannel, Delivery
from workers.broker.publisher import job_properties

MESSAGES = 8


def publish(broker: BlockingChannel) -> None:
    for n in range(MESSAGES):
        broker.basic_publish(
            names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, f"{n}".encode(), job_properties(f"{n}")
        )


def left_in_queue(broker: BlockingChannel) -> list[str]:
    """The messages back in the queue (the consumer's connection closed: what it had not
    acked), by body."""
    left: list[str] = []
    while True:
        method, _properties, body = broker.basic_get(names.SEND_QUEUE, auto_ack=True)
        if method is None:
            return sorted(left, key=int)
        left.append(body.decode())


def consume(
    rabbitmq_url: str,
    play: Callable[[list[Delivery], ConsumingChannel], asyncio.Future[None] | None],
    unseen: int | None = None,
    rejected_by_pika: int | None = None,
) -> int:
    """Deliver the queue's messages as Deliveries (but message ``unseen`` not at all, and
    ``rejected_by_pika`` rejected on the channel as pika rejects one for a cancelled
    consumer), let ``play`` settle them, close without a flush; the ack frames sent."""

    async def main() -> int:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-acks")
        publisher = await AsyncConfirmingPublisher.open(connection)
        channel = await connection.channel()
        await set_prefetch(channel, 100)
        source = ConsumingChannel(channel, publisher)
        deliveries: list[Delivery] = []
        arrived = asyncio.Event()
        seen = 0

        def on_message(_channel: object, method: object, properties: object, body: bytes) -> None:
            nonlocal seen
            if method.redelivered:  # type: ignore[attr-defined]
                return  # (the rejected one, back at once: left to go back at the close)
            seen += 1
            tag = method.delivery_tag  # type: ignore[attr-defined]
            if int(body) == rejected_by_pika:
                channel.basic_reject(tag, requeue=True)
            elif int(body) != unseen:
                deliveries.append(Delivery(source, tag, properties, body))
            if seen == MESSAGES:
                arrived.set()

        channel.basic_consume(names.SEND_QUEUE, on_message)
        await asyncio.wait_for(arrived.wait(), 30)
        played = play(deliveries, source)
        if played is not None:
            await played
        await asyncio.sleep(0.2)  # (the frames written)
        await connection.close()
        return source.acks.frames

    return asyncio.run(main())


@pytest.fixture
def slow_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs go out when the test flushes, not on their own."""
    monkeypatch.setattr(consuming, "ACK_LINGER", 60.0)
    monkeypatch.setattr(consuming, "ACK_HOLD", 60.0)


@pytest.mark.usefixtures("slow_timers")
def test_a_run_is_acked_in_one_frame_up_to_the_first_delivery_still_open(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    publish(broker)

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> None:
        by_body = {d.body.decode(): d for d in deliveries}
        for body in ("1", "2", "4"):
            assert by_body[body].ack()
        source.acks.flush()  # "0" is open: nothing goes
        assert source.acks.frames == 0
        by_body["0"].ack()
        by_body["3"].requeue()
        source.acks.flush()  # 0-4 settled ("3" requeued): one ack, up to "4"
        assert source.acks.frames == 1
        by_body["6"].ack()
        source.acks.flush()  # "5" is open: "6" waits

    assert consume(rabbitmq_url, play) == 1
    # "3" was requeued, "5" and "7" never settled, "6" waited for "5" when the worker went
    assert left_in_queue(broker) == ["3", "5", "6", "7"]


def test_a_delivery_behind_an_open_one_is_acked_on_its_own_after_a_while(
    broker: BlockingChannel, rabbitmq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consuming, "ACK_LINGER", 0.05)
    monkeypatch.setattr(consuming, "ACK_HOLD", 0.3)
    publish(broker)

    def play(deliveries: list[Delivery], _source: ConsumingChannel) -> asyncio.Future[None]:
        for delivery in deliveries[1:]:
            delivery.ack()
        return asyncio.ensure_future(asyncio.sleep(1.0))  # the timers' turn

    assert consume(rabbitmq_url, play) == MESSAGES - 1
    assert left_in_queue(broker) == ["0"]


@pytest.mark.usefixtures("slow_timers")
def test_a_delivery_never_seen_stops_the_run(broker: BlockingChannel, rabbitmq_url: str) -> None:
    """A tag the consumer never got (as pika drops a delivery for a consumer it does not
    know) may be unsettled at the broker: no run's ack covers it."""
    publish(broker)

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> None:
        for delivery in deliveries:
            delivery.ack()
        source.acks.flush()  # "0" .. "2" in one; "4" .. "7" wait behind "3"
        assert source.acks.frames == 1
        source.acks.flush(everything=True)  # each of "4" .. "7" on its own

    assert consume(rabbitmq_url, play, unseen=3) == 5
    assert left_in_queue(broker) == ["3"]


@pytest.mark.usefixtures("slow_timers")
def test_pikas_own_reject_counts_as_settled(broker: BlockingChannel, rabbitmq_url: str) -> None:
    publish(broker)

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> None:
        for delivery in deliveries:
            delivery.ack()
        source.acks.flush()

    assert consume(rabbitmq_url, play, rejected_by_pika=2) == 1
    assert left_in_queue(broker) == ["2"]


@pytest.mark.usefixtures("slow_timers")
def test_no_more_than_a_few_acks_wait_behind_an_open_delivery(
    broker: BlockingChannel, rabbitmq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each delivery waiting for its ack holds a place of the channel's prefetch."""
    monkeypatch.setattr(consuming, "ACK_HELD_MAX", 2)
    publish(broker)

    def play(deliveries: list[Delivery], _source: ConsumingChannel) -> asyncio.Future[None]:
        for delivery in deliveries[1:]:
            delivery.ack()
        return asyncio.ensure_future(asyncio.sleep(0.1))  # the flush's turn

    assert consume(rabbitmq_url, play) == MESSAGES - 1 - 2
    assert left_in_queue(broker) == ["0", "6", "7"]
