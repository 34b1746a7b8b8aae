"""Deliveries and publishes of a bulk walk, without pika's per-frame machinery.

pika turns every incoming frame into objects and passes it through several layers of
callbacks (a delivery is three frames), and builds a publish through the channel and the
connection; for ``erpmail dlq``, which moves thousands of letters a second through one
process, that machinery was most of the CPU a letter cost, and for the sender worker (a job
delivered, its notice published) the largest part of a job's handling on its event loop.
:class:`FrameIO` reads the ``basic.deliver`` frames of the channels given to it straight
off the connection's input and hands each message to a callback, and writes
``basic.publish`` frames straight to the connection's output, and hands the publisher
confirms of the channels given to it to their publisher. Every other frame (replies,
returns, heartbeats, closes) still goes through pika, in order, so pika's state (channels,
consumers, heartbeats) stays its own.

Frames are AMQP 0-9-1's (section 4.2.3: type, channel, size, payload, frame-end octet);
properties are decoded and encoded by pika. The private names of pika this uses are listed
and checked on import in :mod:`workers.broker.pika_internals`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import pika.exceptions
from pika import frame, spec
from pika.adapters.asyncio_connection import AsyncioConnection

from workers.broker import pika_internals

pika_internals.check()

_FRAME_HEAD = struct.Struct(">BHI")  # type, channel, payload size
_METHOD_ID = struct.Struct(">I")  # class and method, one number (pika's INDEX)
_CONTENT_HEAD = struct.Struct(">HHQ")  # class, weight, body size
_DELIVERY_TAG = struct.Struct(">Q")
_HEAD_SIZE = spec.FRAME_HEADER_SIZE
_END = spec.FRAME_END
_DELIVER = spec.Basic.Deliver.INDEX
_ACK = spec.Basic.Ack.INDEX
_NACK = spec.Basic.Nack.INDEX

OnDelivery = Callable[[int, spec.BasicProperties, bytes], None]
"""Called with a delivery's tag, its properties and its body."""

OnConfirm = Callable[[int, bool, bool], None]
"""Called with a publisher confirm's delivery tag, whether it is ``multiple`` and whether it
is an ack (else a nack)."""


@dataclass
class _Assembly:
    """The delivery being read on one channel: method, then header, then body frames.

    ``on_delivery`` takes every delivery of the channel; without it, ``consumers`` takes
    those of the consumer tags it holds, and a delivery to any other (a consumer cancelled
    while its deliveries were on the way, which pika rejects) is left to pika whole."""

    on_delivery: OnDelivery | None
    consumers: dict[bytes, OnDelivery] = field(default_factory=dict)
    taker: OnDelivery | None = None  # the current delivery's
    tag: int = 0
    properties: spec.BasicProperties | None = None
    size: int = 0
    parts: list[bytes] = field(default_factory=list)
    received: int = 0

    def take(self, kind: int, data: bytes, start: int, end: int) -> bool:
        """Whether the frame at ``data[start:end]`` (its payload) was this channel's
        delivery's; a frame that is not is left to pika."""
        if self.properties is None and not self.tag:
            if kind != spec.FRAME_METHOD or _METHOD_ID.unpack_from(data, start)[0] != _DELIVER:
                return False
            at = start + 4
            length = data[at]  # consumer tag (a short string)
            taker = self.on_delivery or self.consumers.get(data[at + 1 : at + 1 + length])
            if taker is None:
                return False
            self.taker = taker
            self.tag = _DELIVERY_TAG.unpack_from(data, at + 1 + length)[0]
            return True
        if self.properties is None:
            if kind != spec.FRAME_HEADER:
                raise pika.exceptions.UnexpectedFrameError(f"frame type {kind} after a delivery")
            self.size = _CONTENT_HEAD.unpack_from(data, start)[2]
            self.properties = spec.BasicProperties()
            self.properties.decode(data, start + 12)
            if self.size == 0:
                self._done(b"")
            return True
        if kind != spec.FRAME_BODY:
            raise pika.exceptions.UnexpectedFrameError(f"frame type {kind} inside a body")
        if not self.parts and end - start == self.size:
            self._done(data[start:end])
            return True
        self.parts.append(data[start:end])
        self.received += end - start
        if self.received >= self.size:
            self._done(b"".join(self.parts))
        return True

    def _done(self, body: bytes) -> None:
        tag, properties, taker = self.tag, self.properties, self.taker
        self.tag, self.properties, self.size, self.parts, self.received = 0, None, 0, [], 0
        self.taker = None
        assert properties is not None and taker is not None
        taker(tag, properties, body)


class FrameIO:
    """Deliveries of some channels read, and publishes written, past pika's layers.

    Install it on an open connection whose output is already coalesced
    (:func:`workers.broker.aio.coalesce_writes`).
    """

    def __init__(self, connection: AsyncioConnection) -> None:
        pika_internals.check_connection(connection)
        self._connection = connection
        self._channels: dict[int, _Assembly] = {}
        self._confirms: dict[int, OnConfirm] = {}
        self._methods: dict[tuple[int, str, str, bool], bytes] = {}
        # pika's transport hands every read to this attribute; the instance's own shadows
        # the class's method.
        connection._on_data_available = self._on_data

    def deliver(self, channel_number: int, on_delivery: OnDelivery) -> None:
        """From now on the channel's deliveries go to ``on_delivery``, not to pika's consumer
        callback (``basic_consume`` still starts and cancels the consumer)."""
        self._channels[channel_number] = _Assembly(on_delivery)

    def consume(self, channel_number: int, consumer_tag: str, on_delivery: OnDelivery) -> None:
        """From now on the deliveries to ``consumer_tag`` on the channel go to
        ``on_delivery``, not to the consumer callback given to pika's ``basic_consume``
        (which started the consumer, and still takes the deliveries of the channel's other
        consumers)."""
        assembly = self._channels.setdefault(channel_number, _Assembly(None))
        assembly.consumers[consumer_tag.encode()] = on_delivery

    def cancel(self, channel_number: int, consumer_tag: str) -> None:
        """Deliveries to ``consumer_tag`` go to pika again: call it as the consumer is
        cancelled, so that pika rejects those still on the way, as it does for its own."""
        assembly = self._channels.get(channel_number)
        if assembly is not None:
            assembly.consumers.pop(consumer_tag.encode(), None)

    def confirms(self, channel_number: int, on_confirm: OnConfirm) -> None:
        """From now on the publisher confirms (``basic.ack``, ``basic.nack``) of the channel,
        in confirm mode, go to ``on_confirm``, not to the callback given to pika's
        ``confirm_delivery``."""
        self._confirms[channel_number] = on_confirm

    def forget(self, channel_number: int) -> None:
        """The channel closed: a delivery it left half read is dropped, and its number,
        which pika may give a channel opened later, is pika's again."""
        self._channels.pop(channel_number, None)
        self._confirms.pop(channel_number, None)

    def publish(
        self,
        channel_number: int,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: spec.BasicProperties,
        mandatory: bool = False,
    ) -> None:
        """``basic.publish``, as the channel's own would write it."""
        connection = self._connection
        key = (channel_number, exchange, routing_key, mandatory)
        method = self._methods.get(key)
        if method is None:
            publish = spec.Basic.Publish(
                exchange=exchange, routing_key=routing_key, mandatory=mandatory
            )
            method = self._methods[key] = frame.Method(channel_number, publish).marshal()
        pieces = [method, frame.Header(channel_number, len(body), properties).marshal()]
        most = connection._body_max_length
        for start in range(0, len(body), most):
            chunk = body[start : start + most]
            pieces.append(
                _FRAME_HEAD.pack(spec.FRAME_BODY, channel_number, len(chunk))
                + chunk
                + bytes((_END,))
            )
        emit = connection._adapter_emit_data
        for piece in pieces:
            emit(piece)
        connection.bytes_sent += sum(len(piece) for piece in pieces)
        connection.frames_sent += len(pieces)

    def _confirm(self, number: int, data: bytes, start: int) -> bool:
        """Whether the method frame whose payload starts at ``start`` was a confirm of a
        channel given to :meth:`confirms` (AMQP 0-9-1 ``basic.ack`` and ``basic.nack``:
        delivery tag, then the bits, ``multiple`` the first)."""
        on_confirm = self._confirms.get(number)
        if on_confirm is None:
            return False
        method = _METHOD_ID.unpack_from(data, start)[0]
        if method != _ACK and method != _NACK:
            return False
        tag = _DELIVERY_TAG.unpack_from(data, start + 4)[0]
        on_confirm(tag, bool(data[start + 12] & 1), method == _ACK)
        return True

    def _on_data(self, data: bytes) -> None:
        connection = self._connection
        buffer = connection._frame_buffer + data if connection._frame_buffer else data
        at = 0
        while len(buffer) - at > _HEAD_SIZE:
            kind, number, size = _FRAME_HEAD.unpack_from(buffer, at)
            end = at + _HEAD_SIZE + size  # the frame-end octet
            if end >= len(buffer):
                break
            if buffer[end] != _END:
                raise pika.exceptions.InvalidFrameError("Invalid FRAME_END marker")
            assembly = self._channels.get(number)
            if (assembly is not None and assembly.take(kind, buffer, at + _HEAD_SIZE, end)) or (
                kind == spec.FRAME_METHOD and self._confirm(number, buffer, at + _HEAD_SIZE)
            ):
                connection.bytes_received += end + 1 - at
                connection.frames_received += 1
                at = end + 1
                continue
            # Not a delivery: pika's own path, with the rest of the input where pika keeps
            # it (processing the frame may close the connection and clear it).
            consumed, value = frame.decode_frame(buffer[at : end + 1])
            connection._frame_buffer = buffer[end + 1 :]
            connection.bytes_received += consumed
            if value is not None:
                connection._process_frame(value)
            buffer, at = connection._frame_buffer, 0
        connection._frame_buffer = buffer[at:]
