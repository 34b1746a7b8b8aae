"""The private parts of pika that erpmail's fast AMQP path uses, checked on import.

:mod:`workers.broker.frames` reads deliveries off a connection's input and writes publishes
to its output past pika's layers, and :func:`workers.broker.aio.coalesce_writes` batches
that output: both use names pika does not publish. ``pyproject.toml`` pins ``pika<2``, but a
1.x release may rename any of them, and the first sign would be an ``AttributeError`` in
the middle of a dlq walk or a worker's first publish. So the modules that use them check
here when they are imported, and a pika without them stops erpmail at once, saying what is
missing and which pika to install.
"""

from __future__ import annotations

from typing import Any

import pika
from pika import frame, spec
from pika.adapters.base_connection import BaseConnection
from pika.adapters.blocking_connection import BlockingChannel
from pika.channel import Channel
from pika.connection import Connection

PIKA_REQUIREMENT = "pika>=1.3,<2"  # as pyproject.toml pins it

# (owner, name): what the fast path uses, with where it is used.
REQUIRED: tuple[tuple[Any, str], ...] = (
    (Connection, "_on_data_available"),  # frames: every read of the transport goes here
    (BaseConnection, "_proto_data_received"),  # ... through this, which looks it up per read
    (Connection, "_process_frame"),  # frames: a frame that is not a delivery, to pika
    (Connection, "_adapter_emit_data"),  # frames, aio: pika's one way out to the transport
    (frame, "decode_frame"),
    (frame, "Method"),
    (frame, "Header"),
    (spec, "FRAME_HEADER_SIZE"),
    (spec, "FRAME_END"),
    (spec, "FRAME_METHOD"),
    (spec, "FRAME_HEADER"),
    (spec, "FRAME_BODY"),
)
# Set on each connection by pika as it opens: checked on the connection itself.
REQUIRED_ON_CONNECTION = (
    "_frame_buffer",
    "_body_max_length",
    "bytes_sent",
    "frames_sent",
    "bytes_received",
    "frames_received",
)


class PikaInternalsMissing(ImportError):
    """The installed pika lacks a private name erpmail's fast AMQP path uses."""


def _named(owner: Any, name: str) -> str:
    return f"{getattr(owner, '__qualname__', None) or owner.__name__}.{name}"


def missing(required: tuple[tuple[Any, str], ...] = REQUIRED) -> list[str]:
    """The names of ``required`` that do not exist."""
    return [_named(owner, name) for owner, name in required if not hasattr(owner, name)]


def _refuse(gone: list[str]) -> PikaInternalsMissing:
    return PikaInternalsMissing(
        f"pika {pika.__version__} lacks {', '.join(gone)}, which erpmail's AMQP fast path "
        f"(workers/broker/frames.py, aio.coalesce_writes, topology migration) uses: install "
        f"{PIKA_REQUIREMENT}, as pyproject.toml pins it"
    )


def check(required: tuple[tuple[Any, str], ...] = REQUIRED) -> None:
    """Raise :class:`PikaInternalsMissing` unless every name of ``required`` exists."""
    gone = missing(required)
    if gone:
        raise _refuse(gone)


def inner_channel(blocking: BlockingChannel) -> Channel:
    """The channel a :class:`BlockingChannel` drives (its ``_impl``): publishes on it do not
    wait, one by one, for their confirms (a topology migration awaits a window of them)."""
    inner = getattr(blocking, "_impl", None)
    if not isinstance(inner, Channel):
        raise _refuse(["BlockingChannel._impl"])
    return inner


def check_connection(connection: Connection) -> None:
    """Raise :class:`PikaInternalsMissing` unless ``connection`` (open) has the attributes
    pika sets as it opens that the fast path reads and updates."""
    gone = [
        f"{type(connection).__name__}.{name}"
        for name in REQUIRED_ON_CONNECTION
        if not hasattr(connection, name)
    ]
    if gone:
        raise _refuse(gone)
