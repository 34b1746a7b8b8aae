"""The exchanges, queues and bindings of erpmail, as data, declared idempotently.

::

    mail.jobs (topic) --job.#--> mail.send (quorum, dead-letters to mail.dead past the
                                            delivery limit)
              what no binding takes --> mail.dead (its alternate exchange)
    mail.jobs --shard.<i>--> mail.send.shard.<i>, i < ERPMAIL_SEND_SHARDS (the same arguments;
                             workers hold them one each, see workers.broker.routing)
    mail.retry (direct) --<N>s--> mail.retry.<N>s (quorum, TTL N s) --job.retry--> mail.jobs
    mail.dead (fanout) --> mail.dead (quorum, a delivery limit no dlq command reaches)
                       --> mail.dead.watch (quorum: the senders record the broker's own)
    mail.events (topic) --mail.#--> mail.events (quorum, capped, overflow reject-publish)

RabbitMQ 4.x gives quorum queues a delivery limit of 20 by default, past which a message is
dropped when the queue has no dead-letter target. ``mail.dead`` has its own limit, far above
what anything does to it (the dlq commands never give a letter back; only a crash of a dlq
command does). A queue's arguments cannot change once it exists (PRECONDITION_FAILED), so a
queue declared by an earlier release with other arguments (``mail.dead`` without its limit,
``mail.events`` without overflow reject-publish) is migrated by :func:`declare`: its messages
move through ``<name>.migrating`` (a window of copies confirmed together, each original
acked once the broker has confirmed its copy: none lost; killed mid-move, the last window
may be in both; a copy refused stops the move, see :func:`_move_all`) while its bindings
feed that queue, and back into the queue declared anew. Its consumers are cancelled and
must subscribe again. A migration cut short is finished by the next declare. An exchange
of an earlier release with other arguments (``mail.jobs`` without its alternate exchange)
holds no messages: it is deleted and declared anew with its bindings.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names, pika_internals
from workers.broker.publisher import PublishRefused

REJECT_PUBLISH = "reject-publish"  # x-overflow: a full queue nacks new publishes
ALTERNATE_EXCHANGE = "alternate-exchange"  # where an exchange sends what no binding takes

SEND_DELIVERY_LIMIT = 20
DEAD_DELIVERY_LIMIT = 1_000_000
EVENTS_MAX_LENGTH = 1_000_000
MIGRATING_SUFFIX = ".migrating"
WALK_LOCK_SUFFIX = ".walking"  # an exclusive queue: whoever declares it walks mail.dead
_MOVE_BATCH = 200


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    kind: str
    arguments: dict[str, Any] = field(default_factory=dict)


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


def build_topology(retry_ladder: tuple[int, ...], shards: int = 0) -> Topology:
    """The whole topology for a retry ladder (delays in seconds) and ``shards`` send
    shards."""
    delays = sorted(set(retry_ladder))
    send_arguments = {
        "x-delivery-limit": SEND_DELIVERY_LIMIT,
        "x-dead-letter-exchange": names.DEAD_EXCHANGE,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": REJECT_PUBLISH,
    }
    exchanges = (
        # What no queue takes goes to the dead letters instead of nowhere: a producer's job
        # published without mandatory, and a replay's copy (kept, then, though returned).
        ExchangeSpec(names.JOBS_EXCHANGE, "topic", {ALTERNATE_EXCHANGE: names.DEAD_EXCHANGE}),
        ExchangeSpec(names.RETRY_EXCHANGE, "direct"),
        ExchangeSpec(names.DEAD_EXCHANGE, "fanout"),
        ExchangeSpec(names.EVENTS_EXCHANGE, "topic"),
    )
    queues = (
        QueueSpec(names.SEND_QUEUE, send_arguments),
        *(QueueSpec(names.shard_queue(shard), send_arguments) for shard in range(shards)),
        *(
            QueueSpec(
                names.retry_queue(delay),
                {
                    "x-message-ttl": delay * 1000,
                    "x-dead-letter-exchange": names.JOBS_EXCHANGE,
                    "x-dead-letter-routing-key": names.RETRY_ROUTING_KEY,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": REJECT_PUBLISH,
                },
            )
            for delay in delays
        ),
        QueueSpec(names.DEAD_QUEUE, {"x-delivery-limit": DEAD_DELIVERY_LIMIT}),
        QueueSpec(names.DEAD_WATCH_QUEUE),
        # Full: new events are refused (the publisher is nacked and keeps them), never the
        # oldest dropped, which is what a capped queue does by default.
        QueueSpec(
            names.EVENTS_QUEUE,
            {"x-max-length": EVENTS_MAX_LENGTH, "x-overflow": REJECT_PUBLISH},
        ),
    )
    bindings = (
        BindingSpec(names.SEND_QUEUE, names.JOBS_EXCHANGE, names.JOB_BINDING),
        *(
            BindingSpec(
                names.shard_queue(shard), names.JOBS_EXCHANGE, names.shard_routing_key(shard)
            )
            for shard in range(shards)
        ),
        *(
            BindingSpec(names.retry_queue(delay), names.RETRY_EXCHANGE, str(delay))
            for delay in delays
        ),
        BindingSpec(names.DEAD_QUEUE, names.DEAD_EXCHANGE, ""),
        BindingSpec(names.DEAD_WATCH_QUEUE, names.DEAD_EXCHANGE, ""),
        BindingSpec(names.EVENTS_QUEUE, names.EVENTS_EXCHANGE, "mail.#"),
    )
    return Topology(exchanges, queues, bindings)


def declare(channel: BlockingChannel, topology: Topology) -> list[str]:
    """Declare everything; running it again changes nothing. A queue of an earlier release
    with other arguments is migrated (see the module's docstring); the names of those."""
    migrated = [
        exchange.name
        for exchange in topology.exchanges
        if _declare_exchange(channel, exchange, topology)
    ]
    migrated += [
        queue.name for queue in topology.queues if _declare_queue(channel, queue, topology)
    ]
    for binding in topology.bindings:
        channel.queue_bind(binding.queue, binding.exchange, routing_key=binding.routing_key)
    return migrated


def _declare_exchange(channel: BlockingChannel, exchange: ExchangeSpec, topology: Topology) -> bool:
    """Declare ``exchange``; one declared by an earlier release with other arguments (mail.jobs
    without its alternate exchange) is declared anew with its bindings; whether it was.

    An exchange holds no messages: while it is gone (a moment), a publish to it is refused
    (the channel closed, no confirm: the publisher still has the message) and a retry queue's
    dead-lettering to it (at-least-once) waits and tries again. Bindings to it that are not
    erpmail's are not restored."""
    arguments = exchange.arguments or None
    # A failed declare closes its channel: try on a channel of our own, not the caller's.
    probe = channel.connection.channel()
    try:
        probe.exchange_declare(exchange.name, exchange.kind, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as refused:
        if refused.reply_code != 406:  # PRECONDITION_FAILED: declared with other arguments
            raise
        channel.exchange_delete(exchange.name)
        channel.exchange_declare(exchange.name, exchange.kind, durable=True, arguments=arguments)
        for binding in topology.bindings:
            if binding.exchange == exchange.name:
                channel.queue_bind(binding.queue, binding.exchange, routing_key=binding.routing_key)
        return True
    probe.close()
    return False


def _declare_queue(channel: BlockingChannel, queue: QueueSpec, topology: Topology) -> bool:
    """Declare ``queue``, migrating it when it exists with other arguments; whether it was."""
    arguments = queue.declared_arguments()
    holding = queue.name + MIGRATING_SUFFIX
    bindings = [binding for binding in topology.bindings if binding.queue == queue.name]
    # A failed declare closes its channel: try on a channel of our own, not the caller's.
    probe = channel.connection.channel()
    try:
        probe.queue_declare(queue.name, durable=True, arguments=arguments)
    except pika.exceptions.ChannelClosedByBroker as refused:
        if refused.reply_code != 406:  # PRECONDITION_FAILED: declared with other arguments
            raise
        with _locked(channel, queue.name):
            _migrate(channel, queue.name, holding, arguments, bindings)
        return True
    try:
        with _answered_by_close(probe, NOT_FOUND):
            probe.queue_declare(holding, passive=True)
    except pika.exceptions.ChannelClosedByBroker as missing:
        if missing.reply_code != NOT_FOUND:
            raise
        return False  # no migration under way
    probe.close()
    with _locked(channel, queue.name):
        _move_back(channel, queue.name, holding, bindings)
    return True


NOT_FOUND = 404  # AMQP 0-9-1's reply code for a queue that does not exist


class _CloseAsAnswer(logging.Filter):
    """pika logs every channel close the broker sends as a warning (``pika.channel``), where
    an operator reads it as a fault. A passive declare of what may not exist is answered
    ``NOT_FOUND`` by closing its channel: on that channel, that close is the answer asked
    for, said at debug instead. AMQP 0-9-1 has no way to ask whether a queue exists other
    than one that closes the channel, and a declare that is not passive would make it."""

    def __init__(self, channel: Any, reply_code: int) -> None:
        super().__init__()
        self._channel = channel
        self._reply_code = reply_code

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        answer = (
            isinstance(args, tuple)
            and len(args) == 3
            and args[0] == self._reply_code
            and args[2] is self._channel
        )
        if answer:
            _LOG.debug("probe answered by a channel close: %s", record.getMessage())
        return not answer


_LOG = logging.getLogger(__name__)
_PIKA_CHANNEL_LOG = logging.getLogger("pika.channel")


@contextmanager
def _answered_by_close(channel: BlockingChannel, reply_code: int) -> Iterator[None]:
    """Inside the block, the broker closing ``channel`` with ``reply_code`` is an answer,
    not a fault: pika's warning of it is said at debug (only this channel's, only this
    code: any other close is still a warning)."""
    quiet = _CloseAsAnswer(pika_internals.inner_channel(channel), reply_code)
    _PIKA_CHANNEL_LOG.addFilter(quiet)
    try:
        yield
    finally:
        _PIKA_CHANNEL_LOG.removeFilter(quiet)


def _migrate(
    channel: BlockingChannel,
    name: str,
    holding: str,
    arguments: dict[str, Any],
    bindings: list[BindingSpec],
) -> None:
    mover = channel.connection.channel()
    mover.queue_declare(holding, durable=True, arguments=arguments)
    for binding in bindings:
        mover.queue_bind(holding, binding.exchange, routing_key=binding.routing_key)
        mover.queue_unbind(name, binding.exchange, routing_key=binding.routing_key)
    _move_all(mover, name, holding)
    _delete_if_empty(mover, name)
    mover.close()
    channel.queue_declare(name, durable=True, arguments=arguments)
    _move_back(channel, name, holding, bindings)


@contextmanager
def _locked(channel: BlockingChannel, name: str) -> Iterator[None]:
    """Hold the queue's walk lock: no dlq command moves letters of mail.dead while they
    migrate (one that runs already makes this declare fail: try again)."""
    lock = name + WALK_LOCK_SUFFIX
    channel.queue_declare(lock, exclusive=True, auto_delete=True)
    try:
        yield
    finally:
        if channel.is_open:
            channel.queue_delete(lock)


def _move_back(
    channel: BlockingChannel, name: str, holding: str, bindings: list[BindingSpec]
) -> None:
    for binding in bindings:
        channel.queue_bind(name, binding.exchange, routing_key=binding.routing_key)
    mover = channel.connection.channel()
    for binding in bindings:
        mover.queue_unbind(holding, binding.exchange, routing_key=binding.routing_key)
    _move_all(mover, holding, name)
    _delete_if_empty(mover, holding)
    mover.close()


def _delete_if_empty(channel: BlockingChannel, queue: str) -> None:
    """Delete ``queue`` if it is empty (quorum queues refuse ``if_empty``). Nothing feeds it
    any more: it is unbound, and the walk lock keeps the dlq commands away."""
    if channel.queue_declare(queue, passive=True).method.message_count == 0:
        channel.queue_delete(queue)


def _move_all(channel: BlockingChannel, source: str, target: str) -> None:
    """Every message of ``source`` to ``target``, none given back: delivery counts stay as
    they were. In windows of ``_MOVE_BATCH``: a window's copies are published with publisher
    confirms, awaited together (one wait a window, not a message), then the originals of
    those confirmed are acked. Not in transactions: a queue that refuses a publish (full
    under a length limit a policy sets, overflow reject-publish) drops a transaction's copy
    without a word while the commit acks the original. A copy ``target`` refuses stops the
    move with :class:`PublishRefused`: its message stays in ``source`` with the rest (a copy
    returned, ``target`` gone, leaves its whole window there).

    The messages come to a consumer with a prefetch of two windows, so that the next window
    is on its way while one's confirms are awaited: a round trip a window, where a
    ``basic.get`` took one a message. Nothing feeds ``source`` any more (it is unbound), but
    another consumer may take messages from it: a window is whole at ``_MOVE_BATCH``
    messages, or when the queue has none ready to give (a passive declare, answered on the
    channel after every delivery sent before it)."""
    inner = pika_internals.inner_channel(channel)
    window = ConfirmWindow()
    replies: list[Any] = []
    inner.confirm_delivery(window.confirmed, callback=replies.append)
    inner.add_on_return_callback(window.returned)
    inner.basic_qos(prefetch_count=2 * _MOVE_BATCH, callback=replies.append)
    _process_until(channel, lambda: len(replies) == 2)
    taken: deque[tuple[int, pika.BasicProperties, bytes]] = deque()

    def on_message(_channel: Any, method: Any, properties: Any, body: bytes) -> None:
        taken.append((method.delivery_tag, properties, body))

    consumer = inner.basic_consume(source, on_message)
    while True:
        if len(taken) < _MOVE_BATCH and _ready(channel, inner, source):
            # more on the way (the prefetch window has room): a moment for them to come
            channel.connection.process_data_events(time_limit=0.01)
            continue
        originals: list[int] = []
        while taken and len(originals) < _MOVE_BATCH:
            tag, properties, body = taken.popleft()
            headers = properties.headers or {}
            headers.pop("x-delivery-count", None)
            properties.headers = headers
            properties.user_id = None  # the broker refuses a message naming another user
            inner.basic_publish("", target, body, properties, mandatory=True)
            originals.append(tag)
        if not originals:
            _cancel(channel, inner, consumer)
            return
        _process_until(channel, partial(window.settled, len(originals)))
        refused = window.take()
        if not refused:
            inner.basic_ack(originals[-1], multiple=True)
            continue
        if refused is not WHOLE_WINDOW:
            for number, tag in enumerate(originals):
                if number not in refused:
                    inner.basic_ack(tag)
        channel.close()  # the refused messages go back to source, unmoved
        raise PublishRefused(
            f"{target} refused a message moved from {source} (full: a length limit "
            f"set by a policy?); the move stopped, what is left stays in {source}: "
            "make room, then run 'erpmail topology declare' again to finish it",
            nacked=True,
        )


def _cancel(channel: BlockingChannel, inner: Any, consumer: str) -> None:
    cancelled: list[Any] = []
    inner.basic_cancel(consumer, callback=cancelled.append)
    _process_until(channel, lambda: bool(cancelled))


def _ready(channel: BlockingChannel, inner: Any, queue: str) -> bool:
    """Whether ``queue`` has messages ready to deliver; its answer comes after every delivery
    the broker sent this channel before it."""
    answer: list[Any] = []
    inner.queue_declare(queue, passive=True, callback=answer.append)
    _process_until(channel, lambda: bool(answer))
    return bool(answer[0].method.message_count)


WHOLE_WINDOW: frozenset[int] = frozenset({-1})  # a window that had a copy returned


class ConfirmWindow:
    """The broker's confirms of one window's copies, numbered from 0 in publish order."""

    def __init__(self) -> None:
        self._published_before = 0  # the channel's publishes before this window
        self._acked: dict[int, bool] = {}
        self._returned = False

    def confirmed(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        last = method.delivery_tag - 1 - self._published_before
        first = 0 if method.multiple else last
        for number in range(first, last + 1):
            self._acked.setdefault(number, acked)

    def returned(self, *_returned: Any) -> None:
        self._returned = True

    def settled(self, published: int) -> bool:
        return len(self._acked) >= published

    def take(self) -> frozenset[int]:
        """The copies refused (nacked), or :data:`WHOLE_WINDOW` when one came back returned; the
        window is over."""
        refused = (
            WHOLE_WINDOW
            if self._returned
            else frozenset(number for number, ok in self._acked.items() if not ok)
        )
        self._published_before += len(self._acked)
        self._acked, self._returned = {}, False
        return refused


def _process_until(channel: BlockingChannel, done: Callable[[], bool]) -> None:
    """Process the connection's input until ``done()`` holds. In short steps: without a time
    limit, process_data_events waits for an event of the blocking layer, and the inner
    channel's callbacks are none."""
    while not done():
        if not channel.is_open:
            raise pika.exceptions.ChannelWrongStateError("the moving channel closed")
        channel.connection.process_data_events(time_limit=0.001)
