"""What ``erpmail status`` reports, gathered read-only from RabbitMQ and the database.

Queues: depth and consumers of every queue of the topology (a worker's consumer missing
shows here first), and those full and refusing what is published (overflow refusals).
Dead letters by class: counted as they are read, each put back (``dlq.queue.read_each``).
The database: the oldest job still waiting (queued, claimed, sending or retrying), jobs by
status, the jobs held back by a rate limit (retrying, class ``rate_limited``), the last
bounce handled and the Events still in the outbox (not yet published: a refused publish,
e.g. ``mail.events`` full, leaves them there).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pika.exceptions
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from schemas.tables import Event, MailMessage, MailStatus, RawBounce
from schemas.values import utc_now
from workers.broker.connection import BrokerUnavailable, connect
from workers.broker.topology import REJECT_PUBLISH, build_topology
from workers.dlq.letters import CauseTally
from workers.dlq.queue import QueueBusy, read_each
from workers.logging import quieted
from workers.sender.ratelimit import RATE_LIMITED
from workers.settings import Settings
from workers.store.engine import is_unavailable, session_scope
from workers.store.events import awaiting_publication

WAITING = (MailStatus.QUEUED, MailStatus.CLAIMED, MailStatus.SENDING, MailStatus.RETRYING)


@dataclass(frozen=True)
class QueueState:
    name: str
    messages: int | None  # None: the queue does not exist (topology not declared)
    consumers: int | None
    max_length: int | None = None
    overflow: str | None = None  # what the broker does when the queue is full

    @property
    def refusing(self) -> bool:
        """Full, and refusing what is published to it (the publishers are nacked: the
        senders keep their notices and publish again, the bounce worker keeps its Events
        in the outbox)."""
        return (
            self.overflow == REJECT_PUBLISH
            and self.max_length is not None
            and self.messages is not None
            and self.messages >= self.max_length
        )


@dataclass
class Status:
    queues: list[QueueState] = field(default_factory=list)
    broker_error: str | None = None
    dead_letters: dict[str, int] = field(default_factory=dict)
    dead_letters_error: str | None = None
    jobs_by_status: dict[str, int] = field(default_factory=dict)
    oldest_waiting_job: str | None = None
    oldest_waiting_since: datetime | None = None
    rate_limited: int = 0  # jobs waiting for a rate limit's window (not failed)
    last_bounce_at: datetime | None = None
    outbox_pending: int = 0
    database_error: str | None = None

    @property
    def overflow_refusals(self) -> list[str]:
        """The queues refusing what is published now."""
        return [queue.name for queue in self.queues if queue.refusing]

    @property
    def healthy(self) -> bool:
        """Everything answered (what it says is for the operator to judge)."""
        return not (self.broker_error or self.database_error)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["overflow_refusals"] = self.overflow_refusals
        for key in ("oldest_waiting_since", "last_bounce_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data


def _queues(settings: Settings, status: Status) -> None:
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    try:
        connection = connect(settings.rabbitmq_url, "erpmail-status")
    except BrokerUnavailable as error:
        status.broker_error = str(error)
        return
    try:
        # A missing queue is reported here, not warned about.
        with quieted("pika.channel", logging.ERROR):
            channel = connection.channel()
            for queue in spec.queues:
                limits = (queue.arguments.get("x-max-length"), queue.arguments.get("x-overflow"))
                try:
                    declared = channel.queue_declare(queue.name, passive=True).method
                except pika.exceptions.ChannelClosedByBroker:  # 404: not declared
                    status.queues.append(QueueState(queue.name, None, None, *limits))
                    channel = connection.channel()
                    continue
                counts = (declared.message_count, declared.consumer_count)
                status.queues.append(QueueState(queue.name, *counts, *limits))
    finally:
        if connection.is_open:
            connection.close()


def _dead_letters(settings: Settings, status: Status) -> None:
    tally = CauseTally()
    try:
        read_each(settings.rabbitmq_url, tally.add)
    except (BrokerUnavailable, QueueBusy, pika.exceptions.AMQPError) as error:
        status.dead_letters_error = str(error) or type(error).__name__
        return
    status.dead_letters = {group.error_class: group.count for group in tally.groups()}


def _database(engine: Engine, status: Status) -> None:
    try:
        with session_scope(engine) as session:
            counts = session.execute(
                select(col(MailMessage.status), func.count()).group_by(col(MailMessage.status))
            ).all()
            oldest = session.execute(
                select(col(MailMessage.job_id), col(MailMessage.created_at))
                .where(col(MailMessage.status).in_(WAITING))
                .order_by(col(MailMessage.created_at))
                .limit(1)
            ).first()
            status.rate_limited = int(
                session.execute(
                    select(func.count())
                    .select_from(MailMessage)
                    .where(col(MailMessage.status) == MailStatus.RETRYING)
                    .where(col(MailMessage.error_class) == RATE_LIMITED)
                ).scalar_one()
            )
            status.last_bounce_at = session.execute(
                select(func.max(RawBounce.received_at))
            ).scalar_one()
            status.outbox_pending = int(
                session.execute(
                    select(func.count(col(Event.id))).where(awaiting_publication())
                ).scalar_one()
            )
    except Exception as error:
        if not is_unavailable(error):
            raise
        status.database_error = str(error).splitlines()[0]
        return
    status.jobs_by_status = {str(MailStatus(name)): int(count) for name, count in counts}
    if oldest is not None:
        status.oldest_waiting_job, status.oldest_waiting_since = oldest[0], oldest[1]


def gather(settings: Settings, engine: Engine, *, dead_letters: bool = True) -> Status:
    status = Status()
    _queues(settings, status)
    if dead_letters and not status.broker_error:
        _dead_letters(settings, status)
    _database(engine, status)
    return status


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """``3h 12m`` for a naive UTC moment (the database's), ``-`` for none."""
    if moment is None:
        return "-"
    seconds = max(0, int(((now or utc_now()) - moment).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {seconds}s"
