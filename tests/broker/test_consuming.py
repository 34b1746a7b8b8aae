"""Acks in runs (workers.broker.consuming.Acks), on the real broker: a run's one ack covers
exactly the deliveries settled, never one still being worked on or one never seen."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import consuming, names
from workers.broker.aio import (
    AioConnection,
    AsyncConfirmingPublisher,
    open_connection,
    set_prefetch,
)
from workers.broker.consuming import ConsumingChannel, Delivery
from workers.broker.publisher import job_properties

MESSAGES = 8


def publish(broker: BlockingChannel, messages: int = MESSAGES) -> None:
    for n in range(messages):
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


async def consuming_channel(
    rabbitmq_url: str, prefetch: int
) -> tuple[AioConnection, ConsumingChannel]:
    connection = await open_connection(rabbitmq_url, "erpmail-tests-acks")
    publisher = await AsyncConfirmingPublisher.open(connection)
    channel = await connection.channel()
    await set_prefetch(channel, prefetch)
    return connection, ConsumingChannel(channel, publisher, prefetch)


def consume(
    rabbitmq_url: str,
    play: Callable[[list[Delivery], ConsumingChannel], asyncio.Future[None] | None],
    unseen: int | None = None,
    rejected_by_pika: int | None = None,
    prefetch: int = 100,
) -> int:
    """Deliver the queue's messages as Deliveries (but message ``unseen`` not at all, and
    ``rejected_by_pika`` rejected on the channel as pika rejects one for a cancelled
    consumer), let ``play`` settle them, close without a flush; the ack frames sent."""

    async def main() -> int:
        connection, source = await consuming_channel(rabbitmq_url, prefetch)
        channel = source.channel
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

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> asyncio.Future[None]:
        for delivery in deliveries[1:]:
            delivery.ack()
        return asyncio.ensure_future(frames_reach(source, MESSAGES - 1))  # the timers' turn

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
def test_acks_holding_a_share_of_the_prefetch_go_at_once(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    """Each delivery waiting for its ack holds a place of the channel's prefetch: at 8, no
    more than 2 wait (behind "0", still open, they go on their own)."""
    publish(broker)

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> asyncio.Future[None]:
        for delivery in deliveries[1:3]:
            delivery.ack()
        return asyncio.ensure_future(acked_later(deliveries[3:], source))

    async def acked_later(rest: list[Delivery], source: ConsumingChannel) -> None:
        await asyncio.sleep(0)
        assert source.acks.frames == 0  # two wait
        rest[0].ack()
        await frames_reach(source, 3)  # a third: all three go
        for delivery in rest[1:]:
            delivery.ack()

    assert consume(rabbitmq_url, play, prefetch=8) >= MESSAGES - 1 - 2
    assert left_in_queue(broker) == ["0"]


@pytest.mark.usefixtures("slow_timers")
def test_no_ack_waits_when_no_delivery_is_open(broker: BlockingChannel, rabbitmq_url: str) -> None:
    """Every delivery settled: the run goes in one ack at once, not after the linger."""
    publish(broker)

    def play(deliveries: list[Delivery], source: ConsumingChannel) -> asyncio.Future[None]:
        for delivery in deliveries:
            delivery.ack()
        return asyncio.ensure_future(frames_reach(source, 1))

    assert consume(rabbitmq_url, play) == 1
    assert left_in_queue(broker) == []


async def frames_reach(source: ConsumingChannel, frames: int) -> None:
    """Wait until ``frames`` ack frames went out (a bound for a test that would otherwise
    hang: a stall waits for the slow timers' minute, far past it)."""
    async with asyncio.timeout(30):
        while source.acks.frames < frames:
            await asyncio.sleep(0.01)


def stream(rabbitmq_url: str, messages: int, prefetch: int, kept_open: int | None = None) -> int:
    """Consume ``messages`` at ``prefetch``, each acked on the loop's next turn as the worker
    would (but ``kept_open``, never settled); the messages delivered, once the last came or
    the queue stalled (no delivery for a long while: the slow timers' minute is far past).
    The acks still waiting go before the close, as the worker sends them when it stops."""

    async def main() -> int:
        connection, source = await consuming_channel(rabbitmq_url, prefetch)
        channel = source.channel
        loop = asyncio.get_running_loop()
        seen = 0
        every = asyncio.Event()

        def on_message(_channel: object, method: object, properties: object, body: bytes) -> None:
            nonlocal seen
            seen += 1
            delivery = Delivery(source, method.delivery_tag, properties, body)  # type: ignore[attr-defined]
            if int(body) != kept_open:
                loop.call_soon(delivery.ack)
            if seen == messages:
                every.set()

        channel.basic_consume(names.SEND_QUEUE, on_message)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(every.wait(), 30)
        await asyncio.sleep(0)  # (the last ack's turn)
        source.acks.flush(everything=True)
        await asyncio.sleep(0.2)  # (the frames written)
        await connection.close()
        return seen

    return asyncio.run(main())


@pytest.mark.usefixtures("slow_timers")
def test_prefetch_one_never_waits_for_an_ack(broker: BlockingChannel, rabbitmq_url: str) -> None:
    """At prefetch 1 a waiting ack would hold the only place: nothing more is delivered until
    it goes (before acks were capped, the linger's 0.2 s each time)."""
    publish(broker, 200)
    assert stream(rabbitmq_url, 200, prefetch=1) == 200
    assert left_in_queue(broker) == []


@pytest.mark.usefixtures("slow_timers")
def test_a_delivery_kept_open_does_not_stall_a_small_prefetch(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    """One job held (its server slow) and prefetch 4: the acks waiting behind it must leave
    room for the others to come."""
    publish(broker, 60)
    assert stream(rabbitmq_url, 60, prefetch=4, kept_open=0) == 60
    assert left_in_queue(broker) == ["0"]
