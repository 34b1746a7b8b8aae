"""Deliveries read past pika (workers.broker.frames.FrameIO), by consumer, on the real broker:
each consumer of a channel gets its own queue's messages whole, and once a consumer is
handed back to pika its deliveries take pika's path again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker.aio import coalesce_writes, open_connection
from workers.broker.frames import FrameIO, OnDelivery

QUEUES = ("erpmail-tests-frames-a", "erpmail-tests-frames-b")
BIG = 300_000  # more than a frame holds (frame_max 128 KiB): a body in several frames


def _publish(broker: BlockingChannel, queue: str, body: bytes, message_id: str) -> None:
    broker.basic_publish("", queue, body, pika.BasicProperties(message_id=message_id))


async def _until(done: Callable[[], bool]) -> None:
    for _ in range(300):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the deliveries did not arrive within 15 s")


def keep(into: list[tuple[int, str, bytes]]) -> OnDelivery:
    def take(tag: int, properties: pika.BasicProperties, body: bytes) -> None:
        into.append((tag, str(properties.message_id), body))

    return take


def test_each_consumer_of_a_channel_gets_its_own_deliveries_and_a_cancelled_one_pikas(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    for queue in QUEUES:
        broker.queue_declare(queue, auto_delete=True)
        broker.queue_purge(queue)
        for n in range(3):
            body = f"{queue} {n} ".encode() + (b"x" * BIG if n == 1 else b"")
            _publish(broker, queue, body, f"{queue}-{n}")

    async def main() -> tuple[dict[str, list[tuple[int, str, bytes]]], list[bytes]]:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-frames")
        coalesce_writes(connection)
        io = FrameIO(connection.connection)
        channel = await connection.channel()
        taken: dict[str, list[tuple[int, str, bytes]]] = {queue: [] for queue in QUEUES}
        by_pika: list[bytes] = []
        tags = {}
        for queue in QUEUES:
            tags[queue] = channel.basic_consume(
                queue, lambda _ch, _m, _p, body: by_pika.append(body), auto_ack=True
            )
            io.consume(channel.channel_number, tags[queue], keep(taken[queue]))
        await _until(lambda: sum(map(len, taken.values())) == 6)
        # handed back to pika (as a consumer is cancelled): its next delivery is pika's
        io.cancel(channel.channel_number, tags[QUEUES[1]])
        for queue in QUEUES:
            _publish(broker, queue, f"{queue} after".encode(), f"{queue}-after")
        await _until(lambda: len(taken[QUEUES[0]]) == 4 and len(by_pika) == 1)
        await asyncio.sleep(0.2)  # (nothing else on the way)
        await connection.close()
        return taken, by_pika

    taken, by_pika = asyncio.run(main())
    a, b = QUEUES
    assert [message_id for _tag, message_id, _body in taken[a]] == [
        f"{a}-0",
        f"{a}-1",
        f"{a}-2",
        f"{a}-after",
    ]
    assert [message_id for _tag, message_id, _body in taken[b]] == [f"{b}-0", f"{b}-1", f"{b}-2"]
    for queue in QUEUES:
        bodies = [body for _tag, _id, body in taken[queue]]
        assert bodies[0] == f"{queue} 0 ".encode()
        assert bodies[1] == f"{queue} 1 ".encode() + b"x" * BIG
    tags = [tag for queue in QUEUES for tag, _id, _body in taken[queue]]
    assert len(set(tags)) == len(tags) == 7  # the channel's delivery tags, each once
    assert by_pika == [f"{b} after".encode()]
