"""This worker's share of the send shards (``ERPMAIL_SEND_SHARDS``).

RabbitMQ 3.10 without plugins has no consistent-hash exchange, does not enforce exclusive
consumers on quorum queues, and neither says which of a queue's single-active consumers is
the active one nor counts the others. So the workers share the shards out by counting: every
worker consumes ``mail.send`` (where retries and unsharded jobs arrive, to be passed on to
their shards; its consumer count is the number of workers) and, every few seconds, compares
the shards it holds with its fair share (:func:`workers.broker.routing.fair_share`): it lets
go of those over its share, and claims free ones (no consumer) up to it. Two workers that
claimed the same shard at once see two consumers there (and share its jobs meanwhile), and
each lets go with even odds until one is left. A new worker therefore gets shards within
seconds, a stopped one's shards are taken over, and each shard's jobs reach one process,
whose pools hold its users' connections.

Each shard has a channel of its own, kept open after the shard is let go so that the jobs
still in flight from it are acked where they came from.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pika.channel import Channel

from workers.broker import names
from workers.broker.aio import (
    AioConnection,
    AsyncConfirmingPublisher,
    BrokerConnectionLost,
    queue_counts,
    set_prefetch,
)
from workers.broker.consuming import ConsumingChannel, acks_of
from workers.broker.frames import FrameIO
from workers.broker.routing import fair_share

BALANCE_SECONDS = 2.0

# (the channel, the delivery's tag, its properties, its body)
OnMessage = Callable[[ConsumingChannel, int, Any, bytes], None]


@dataclass
class _Shard:
    channel: Channel
    closed: asyncio.Future[BaseException]
    consumer_tag: str | None = None


@dataclass
class ShardHolder:
    connection: AioConnection
    publisher: AsyncConfirmingPublisher
    shards: int
    prefetch: int
    on_message: OnMessage
    log: Any
    io: FrameIO  # reads the shards' deliveries off the connection
    _shards: dict[int, _Shard] = field(default_factory=dict)
    _probe: _Shard | None = None

    @property
    def held(self) -> list[int]:
        return sorted(
            index
            for index, shard in self._shards.items()
            if shard.consumer_tag is not None and not shard.closed.done()
        )

    async def run(self) -> None:
        """Balance until cancelled; the shards are let go when it is."""
        try:
            while True:
                try:
                    await self.balance()
                except BrokerConnectionLost as error:  # a channel closed: opened again next time
                    self.log.warning("shard_balance_failed", error=str(error))
                await asyncio.sleep(BALANCE_SECONDS * random.uniform(0.75, 1.25))
        finally:
            self.release_all()

    async def balance(self) -> None:
        probe = await self._probe_channel()
        _ready, workers = await queue_counts(probe.channel, names.SEND_QUEUE, probe.closed)
        share = fair_share(self.shards, workers)
        for index in self.held[share:]:
            self._release(index)
        for index in self.held:
            _ready, consumers = await queue_counts(
                probe.channel, names.shard_queue(index), probe.closed
            )
            if consumers > 1 and random.random() < 0.5:  # claimed by two at once
                self._release(index)
        held = self.held
        if len(held) >= share:
            return
        free = [index for index in range(self.shards) if index not in held]
        random.shuffle(free)
        for index in free:
            if len(self.held) >= share:
                break
            _ready, consumers = await queue_counts(
                probe.channel, names.shard_queue(index), probe.closed
            )
            if consumers == 0:
                await self._claim(index)

    def flush_acks(self) -> None:
        """Send the acks waiting on every shard's channel (workers.broker.consuming.Acks)."""
        for shard in self._shards.values():
            acks_of(shard.channel, self.prefetch).flush(everything=True)

    def release_all(self) -> None:
        for index in self.held:
            self._release(index)

    async def _probe_channel(self) -> _Shard:
        if self._probe is None or self._probe.closed.done():
            self._probe = await self._open()
        return self._probe

    async def _open(self) -> _Shard:
        channel = await self.connection.channel()
        closed: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

        def on_close(closing: Channel, reason: BaseException) -> None:
            # its number may be reused by a channel opened later
            self.io.forget(closing.channel_number)
            if not closed.done():
                closed.set_result(reason)

        channel.add_on_close_callback(on_close)
        return _Shard(channel, closed)

    async def _claim(self, index: int) -> None:
        shard = self._shards.get(index)
        if shard is None or shard.closed.done():
            shard = self._shards[index] = await self._open()
            await set_prefetch(shard.channel, self.prefetch)
        source = ConsumingChannel(shard.channel, self.publisher, self.prefetch)
        consumed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        tag = shard.channel.basic_consume(
            names.shard_queue(index),
            lambda _ch, method, properties, body: self.on_message(
                source, method.delivery_tag, properties, body
            ),
            callback=lambda _frame: _settle(consumed),
        )
        self.io.consume(
            shard.channel.channel_number, tag, functools.partial(self.on_message, source)
        )
        with contextlib.suppress(BrokerConnectionLost):  # the channel closed meanwhile
            await _first_of(consumed, shard.closed)
        if consumed.done() and not shard.closed.done():
            shard.consumer_tag = tag
            self.log.info("shard_claimed", shard=index)

    def _release(self, index: int) -> None:
        shard = self._shards[index]
        tag, shard.consumer_tag = shard.consumer_tag, None
        if tag is not None and shard.channel.is_open:
            self.io.cancel(shard.channel.channel_number, tag)
            shard.channel.basic_cancel(tag)
            self.log.info("shard_released", shard=index)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _first_of(consumed: asyncio.Future[None], closed: asyncio.Future[BaseException]) -> None:
    waiting: set[asyncio.Future[Any]] = {consumed, closed}
    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    if not consumed.done():
        raise BrokerConnectionLost(f"channel closed: {closed.result()!r}")
