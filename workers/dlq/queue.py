"""Walking the dead-letter queue without losing a message.

Every message is taken with ``basic_get`` and held unacknowledged; a message is acknowledged
only after what was done with it is safe (a replay confirmed by the broker, an export written),
and every other message is returned to the queue. If the process dies half-way, the broker
returns all unacknowledged messages by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from workers.broker import names
from workers.broker.connection import connect
from workers.dlq.letters import DeadLetter, Selector

Progress = Callable[[int, int], None]
Action = Callable[[BlockingConnection, DeadLetter], None]


@dataclass
class Outcome:
    taken: list[DeadLetter] = field(default_factory=list)
    skipped: list[tuple[DeadLetter, str]] = field(default_factory=list)
    kept: int = 0


class Skip(Exception):
    """Raised by an action to leave a matching message in the queue, with the reason."""


def _take_all(channel: BlockingChannel, queue: str) -> Iterator[DeadLetter]:
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            return
        yield DeadLetter.from_message(
            method.delivery_tag, properties.message_id, properties.headers, body
        )


@contextmanager
def _opened(url: str) -> Iterator[BlockingConnection]:
    connection = connect(url, "erpmail-dlq")
    try:
        yield connection
    finally:
        if connection.is_open:
            connection.close()


def queue_depth(url: str, queue: str = names.DEAD_QUEUE) -> int:
    with _opened(url) as connection:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)


def snapshot(url: str, queue: str = names.DEAD_QUEUE) -> list[DeadLetter]:
    """Every dead letter, read and returned to the queue untouched."""
    with _opened(url) as connection:
        channel = connection.channel()
        letters = list(_take_all(channel, queue))
        if letters:
            channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
        return letters


def process(
    url: str,
    selector: Selector,
    action: Action,
    progress: Progress | None = None,
    queue: str = names.DEAD_QUEUE,
) -> Outcome:
    """Apply ``action`` to each selected dead letter, acknowledging it once the action returns.

    A letter whose action raises :class:`Skip` stays in the queue; any other error stops the
    walk, and that letter and all not yet handled return to the queue.
    """
    outcome = Outcome()
    with _opened(url) as connection:
        channel = connection.channel()
        total = int(channel.queue_declare(queue, passive=True).method.message_count)
        kept: list[int] = []
        try:
            for done, letter in enumerate(_take_all(channel, queue), start=1):
                if not selector.matches(letter):
                    kept.append(letter.delivery_tag)
                else:
                    try:
                        action(connection, letter)
                    except Skip as skip:
                        outcome.skipped.append((letter, str(skip)))
                        kept.append(letter.delivery_tag)
                    else:
                        channel.basic_ack(letter.delivery_tag)
                        outcome.taken.append(letter)
                if progress:
                    progress(done, max(total, done))
        finally:
            if channel.is_open:
                for tag in kept:
                    channel.basic_nack(tag, requeue=True)
        outcome.kept = len(kept)
    return outcome
