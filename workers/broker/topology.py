"""The exchanges, queues and bindings of erpmail, as data, declared idempotently.

::

    mail.jobs (topic) --job.#--> mail.send (quorum, dead-letters to mail.dead past the
                                            delivery limit)
    mail.retry (direct) --<N>s--> mail.retry.<N>s (quorum, TTL N s) --job.retry--> mail.jobs
    mail.dead (fanout) --> mail.dead (quorum)
    mail.events (topic) --mail.#--> mail.events (quorum, capped)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names

SEND_DELIVERY_LIMIT = 20
EVENTS_MAX_LENGTH = 1_000_000


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    kind: str


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def declared_arguments(self) -> dict[str, Any]:
        return {"x-queue-type": "quorum", **self.arguments}


@dataclass(frozen=True)
class BindingSpec:
    queue: str
    exchange: str
    routing_key: str


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[ExchangeSpec, ...]
    queues: tuple[QueueSpec, ...]
    bindings: tuple[BindingSpec, ...]


def build_topology(retry_ladder: tuple[int, ...]) -> Topology:
    """The whole topology for a retry ladder (delays in seconds)."""
    delays = sorted(set(retry_ladder))
    exchanges = (
        ExchangeSpec(names.JOBS_EXCHANGE, "topic"),
        ExchangeSpec(names.RETRY_EXCHANGE, "direct"),
        ExchangeSpec(names.DEAD_EXCHANGE, "fanout"),
        ExchangeSpec(names.EVENTS_EXCHANGE, "topic"),
    )
    queues = (
        QueueSpec(
            names.SEND_QUEUE,
            {
                "x-delivery-limit": SEND_DELIVERY_LIMIT,
                "x-dead-letter-exchange": names.DEAD_EXCHANGE,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        ),
        *(
            QueueSpec(
                names.retry_queue(delay),
                {
                    "x-message-ttl": delay * 1000,
                    "x-dead-letter-exchange": names.JOBS_EXCHANGE,
                    "x-dead-letter-routing-key": names.RETRY_ROUTING_KEY,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
            )
            for delay in delays
        ),
        QueueSpec(names.DEAD_QUEUE),
        QueueSpec(names.EVENTS_QUEUE, {"x-max-length": EVENTS_MAX_LENGTH}),
    )
    bindings = (
        BindingSpec(names.SEND_QUEUE, names.JOBS_EXCHANGE, names.JOB_BINDING),
        *(
            BindingSpec(names.retry_queue(delay), names.RETRY_EXCHANGE, str(delay))
            for delay in delays
        ),
        BindingSpec(names.DEAD_QUEUE, names.DEAD_EXCHANGE, ""),
        BindingSpec(names.EVENTS_QUEUE, names.EVENTS_EXCHANGE, "mail.#"),
    )
    return Topology(exchanges, queues, bindings)


def declare(channel: BlockingChannel, topology: Topology) -> None:
    """Declare everything; running it again changes nothing."""
    for exchange in topology.exchanges:
        channel.exchange_declare(exchange.name, exchange.kind, durable=True)
    for queue in topology.queues:
        channel.queue_declare(queue.name, durable=True, arguments=queue.declared_arguments())
    for binding in topology.bindings:
        channel.queue_bind(binding.queue, binding.exchange, routing_key=binding.routing_key)
