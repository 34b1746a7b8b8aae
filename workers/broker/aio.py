"""RabbitMQ on asyncio: pika's asyncio adapter behind awaitable calls.

The blocking helpers (``connection.connect``, ``publisher.ConfirmingPublisher``) serve the
command line; the long-running workers that share an event loop with aiosmtplib use these.
A connection is opened with :func:`open_connection`; :class:`AsyncConfirmingPublisher`
publishes on a channel in confirm mode and returns only once the broker has confirmed.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.channel import Channel

from workers.broker import pika_internals
from workers.broker.connection import BrokerUnavailable, connection_parameters, redact_url
from workers.broker.frames import FrameIO
from workers.broker.publisher import TopologyMissing, nacked

pika_internals.check()  # coalesce_writes replaces a private method of pika's


class BrokerConnectionLost(ConnectionError):
    """The channel or connection closed before the broker answered."""


@dataclass
class AioConnection:
    """An open asyncio connection and a future that completes when it closes."""

    connection: AsyncioConnection
    closed: asyncio.Future[BaseException]
    name: str

    @property
    def is_open(self) -> bool:
        return bool(self.connection.is_open)

    async def channel(self) -> Channel:
        loop = asyncio.get_running_loop()
        opened: asyncio.Future[Channel] = loop.create_future()

        def on_open(channel: Channel) -> None:
            if not opened.done():
                opened.set_result(channel)

        self.connection.channel(on_open_callback=on_open)
        return await _or_lost(opened, self.closed)

    async def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()
        if not self.connection.is_closed:
            await asyncio.shield(self.closed)


async def _or_lost(waiting: asyncio.Future[Any], closed: asyncio.Future[BaseException]) -> Any:
    """``waiting``'s result, or :class:`BrokerConnectionLost` when ``closed`` completes first."""
    done, _ = await asyncio.wait({waiting, closed}, return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        return waiting.result()
    waiting.cancel()
    raise BrokerConnectionLost(f"connection closed: {closed.result()!r}")


async def open_connection(url: str, name: str) -> AioConnection:
    """Connect to ``url``; the connection shows as ``name`` in the broker's management tools."""
    loop = asyncio.get_running_loop()
    opened: asyncio.Future[AsyncioConnection] = loop.create_future()
    closed: asyncio.Future[BaseException] = loop.create_future()

    def on_open(connection: Any) -> None:
        opened.set_result(connection)

    def on_open_error(_connection: Any, error: BaseException | str) -> None:
        if not opened.done():
            opened.set_exception(
                BrokerUnavailable(f"cannot connect to RabbitMQ at {redact_url(url)}: {error!r}")
            )

    def on_close(_connection: Any, reason: BaseException) -> None:
        if not closed.done():
            closed.set_result(reason)

    connection = AsyncioConnection(
        connection_parameters(url, name),
        on_open_callback=on_open,
        on_open_error_callback=on_open_error,
        on_close_callback=on_close,
        custom_ioloop=loop,
    )
    await opened
    return AioConnection(connection, closed, name)


def coalesce_writes(connection: AioConnection) -> None:
    """Write what the connection sends in one event-loop turn with one system call.

    pika hands the transport each frame on its own (a publish is three frames) and the
    transport sends each with a system call of its own; a process that publishes thousands
    of messages a second (``erpmail dlq replay``) spends an eighth of its CPU there.
    """
    raw = connection.connection
    emit = raw._adapter_emit_data  # pika's one way out to the transport
    pending: list[bytes] = []
    loop = asyncio.get_running_loop()

    def flush() -> None:
        data = b"".join(pending)
        pending.clear()
        if data:  # (a closed transport ignores it)
            emit(data)

    def buffered(data: bytes) -> None:
        if not pending:
            loop.call_soon(flush)
        pending.append(data)

    raw._adapter_emit_data = buffered


async def set_prefetch(channel: Channel, count: int) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    channel.basic_qos(prefetch_count=count, callback=lambda _frame: done.set_result(None))
    await done


async def queue_counts(
    channel: Channel, queue: str, closed: asyncio.Future[BaseException]
) -> tuple[int, int]:
    """Messages ready in ``queue`` and its consumers (a passive declare); ``closed``: a future
    the channel's close callback completes."""
    done: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

    def on_ok(frame: Any) -> None:
        if not done.done():
            done.set_result((int(frame.method.message_count), int(frame.method.consumer_count)))

    channel.queue_declare(queue, passive=True, callback=on_ok)
    counts: tuple[int, int] = await _or_lost(done, closed)
    return counts


@dataclass
class _Pending:
    key: tuple[str, str, str | None]
    future: asyncio.Future[None]
    returned: TopologyMissing | None = None


@dataclass
class AsyncConfirmingPublisher:
    """A channel in confirm mode: :meth:`publish` returns once the broker has the message.

    Publishes are not serialized: many coroutines may await their confirms at once, which is
    what makes confirms cheap. A message returned as unroutable (``mandatory``) or nacked
    raises :class:`PublishRefused`; a channel that closes first raises
    :class:`BrokerConnectionLost`.
    """

    channel: Channel
    io: FrameIO | None = None  # writes the publishes past pika's layers, where installed
    _pending: OrderedDict[int, _Pending] = field(default_factory=OrderedDict)
    _next_tag: int = 1
    _closed_reason: BaseException | None = None

    @classmethod
    async def open(
        cls, connection: AioConnection, io: FrameIO | None = None
    ) -> AsyncConfirmingPublisher:
        """A confirming channel of ``connection``; ``io``: the connection's
        :class:`~workers.broker.frames.FrameIO`, if it has one, writes its publishes."""
        publisher = cls(await connection.channel(), io)
        selected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        publisher.channel.confirm_delivery(
            publisher._on_confirm, callback=lambda _frame: selected.set_result(None)
        )
        publisher.channel.add_on_return_callback(publisher._on_return)
        publisher.channel.add_on_close_callback(publisher._on_close)
        await _or_lost(selected, connection.closed)
        if io is not None:
            io.confirms(publisher.channel.channel_number, publisher._confirmed)
        return publisher

    @property
    def is_open(self) -> bool:
        return self._closed_reason is None and bool(self.channel.is_open)

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: pika.BasicProperties,
        mandatory: bool = True,
    ) -> None:
        if not self.is_open:
            raise BrokerConnectionLost(f"publisher channel closed: {self._closed_reason!r}")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        tag = self._next_tag
        self._next_tag += 1
        self._pending[tag] = _Pending((exchange, routing_key, properties.message_id), future)
        if self.io is None:
            self.channel.basic_publish(exchange, routing_key, body, properties, mandatory)
        else:  # (the same frames; the channel is open, checked above)
            self.io.publish(
                self.channel.channel_number, exchange, routing_key, body, properties, mandatory
            )
        await future

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        self._confirmed(
            method.delivery_tag, method.multiple, isinstance(method, pika.spec.Basic.Ack)
        )

    def _confirmed(self, delivery_tag: int, multiple: bool, acked: bool) -> None:
        if multiple:  # every tag up to this one; the pending tags are in order
            tags = list(itertools.takewhile(lambda t: t <= delivery_tag, self._pending))
        else:
            tags = [delivery_tag]
        for tag in tags:
            pending = self._pending.pop(tag, None)
            if pending is None or pending.future.done():
                continue
            if not acked:
                pending.future.set_exception(nacked(pending.key[0]))
            elif pending.returned is not None:
                pending.future.set_exception(pending.returned)
            else:
                pending.future.set_result(None)

    def _on_return(
        self, _channel: Channel, method: Any, properties: pika.BasicProperties, _body: bytes
    ) -> None:
        key = (method.exchange, method.routing_key, properties.message_id)
        for pending in self._pending.values():
            if pending.key == key and pending.returned is None:
                pending.returned = TopologyMissing.on(method.exchange, method.routing_key)
                return

    def _on_close(self, _channel: Channel, reason: BaseException) -> None:
        self._closed_reason = reason
        if self.io is not None:
            self.io.forget(self.channel.channel_number)
        pending, self._pending = self._pending, OrderedDict()
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(
                    BrokerConnectionLost(f"publisher channel closed: {reason!r}")
                )
