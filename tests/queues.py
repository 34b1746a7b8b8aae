"""Reading what the tests' broker holds."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingChannel


def drain(channel: BlockingChannel, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
    """Take every message waiting in ``queue`` (acknowledged as taken), in order."""
    messages: list[tuple[pika.BasicProperties, bytes]] = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return messages
        messages.append((properties, body))


def message_ids(channel: BlockingChannel, queue: str) -> list[str]:
    """The message ids of every message waiting in ``queue``, taken, in order."""
    return [properties.message_id for properties, _ in drain(channel, queue)]
