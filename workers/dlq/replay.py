"""Replaying a dead letter: back to mail.jobs with its job_id, marked as replayed."""

from __future__ import annotations

from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingConnection

from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import Skip

MAX_REPLAYS = 3
_DROPPED_HEADERS = {
    names.HEADER_ERROR_CLASS,
    names.HEADER_ERROR_TEXT,
    names.HEADER_ATTEMPT,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
}


def replay_headers(letter: DeadLetter) -> dict[str, Any]:
    """The headers of the replayed message: failure state cleared, replay counted."""
    headers = {k: v for k, v in letter.headers.items() if k not in _DROPPED_HEADERS}
    headers[names.HEADER_REPLAYED] = letter.replayed + 1
    return headers


class Replayer:
    """The action of ``erpmail dlq replay``: publish with confirms, then the letter is acked."""

    def __init__(self, force: bool = False, max_replays: int = MAX_REPLAYS) -> None:
        self.force = force
        self.max_replays = max_replays
        self._publisher: ConfirmingPublisher | None = None

    def __call__(self, connection: BlockingConnection, letter: DeadLetter) -> None:
        if letter.replayed >= self.max_replays and not self.force:
            raise Skip(f"already replayed {letter.replayed} times; fix the cause, or use --force")
        if self._publisher is None:
            self._publisher = ConfirmingPublisher(connection)
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=letter.job_id,
            headers=replay_headers(letter),
        )
        self._publisher.publish(names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, letter.body, properties)
