"""Walking the dead-letter queue in bulk, losing nothing.

A walk consumes ``mail.dead`` (an exclusive consumer: one dlq command at a time) with a
prefetch window and settles every letter it takes in one of three ways:

- *moved*: a copy is published elsewhere (a replay to ``mail.jobs``) and confirmed by the
  broker, then the letter is acked;
- *dropped*: the letter is acked (a purge);
- *kept*: an identical copy goes back to the tail of ``mail.dead`` and the letter is acked.

Nothing is ever requeued: on RabbitMQ's quorum queues a requeue (nack, reject, a closed
channel) raises the message's delivery count, and past a delivery limit the broker drops or
dead-letters it. A kept letter is a fresh message whose count is zero, so reading the queue
any number of times leaves no trace, and a read (one channel) puts them back in order.

The kept copies and the acks of a batch travel in one AMQP transaction (``tx.select``): the
broker applies them together at ``tx.commit``, or, if the client dies first, none of them
(its unacked letters return to ``mail.dead``). A moved copy cannot travel in that
transaction: a queue that refuses a publish (a full one with overflow reject-publish, as a
length limit set by a policy makes ``mail.send``) drops a transaction's copy without a word
and the commit acks its letter all the same (RabbitMQ 3.10: the mail was lost). So a copy is
published on a channel in confirm mode (mandatory) and its letter is settled in a later
transaction, once the broker has answered: acked if the copy was taken; put back as it was,
and reported (``WalkResult.failed``), if it was refused or returned, and the walk stops
(the copies after it would be refused too). A letter is never in neither queue; a process
killed between a copy's confirm and its letter's commit leaves the letter in ``mail.dead``
as well as its copy in ``mail.jobs`` (at most the letters in flight): the sender sends a
job recorded as sent only once, so such a letter replayed again sends nothing twice.
While the broker commits a batch (it takes no other command on the channel meanwhile), the
next letters arrive within the prefetch window. A replay or purge walks on several channels
(*lanes*), each with its consumer and its transactions, so that one commits while another
publishes: the broker's commits, not the client, bound a single channel's pace. The letters
such a walk leaves in the queue may go back in another order.

A letter is decided once it is in hand with others (``BATCH`` of them, or all that can come
before those in hand are settled), so that what deciding needs of the store is read in one
statement for them all (``look_ahead``: :mod:`workers.dlq.stored`), not one per letter; the
letters wait on the decision, not the broker: the window holds two batches.

A walk stops after the number of letters the queue held when it began: the copies it puts
back go to the tail, and the consumer is cancelled once the last original letter arrives.
Copies put back are stamped with the walk's id, so one delivered before the cancel took
effect is recognised and put back again, not counted twice.

A moved copy that no binding of ``mail.jobs`` takes (a topology changed under a replay) is
*parked*: the exchange's alternate exchange puts it in ``mail.dead`` (and the broker
confirms it), so it is safe but was not moved. Moved copies carry a stamp of their own;
when the queue holds more than the walk left in it, the walk reads it once more to find
them (see :func:`_walk`). Each is put back with its replay undone (its count, and the
failure headers the copy carries aside) and counted as parked (``WalkResult.parked``), not
as moved.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any

import pika
from pika.channel import Channel
from pika.spec import Basic

from workers.broker import names
from workers.broker.aio import AioConnection, coalesce_writes, open_connection
from workers.broker.connection import connect
from workers.broker.frames import FrameIO
from workers.broker.publisher import TopologyMissing, nacked
from workers.broker.topology import WALK_LOCK_SUFFIX
from workers.dlq.letters import DeadLetter

# Headers the broker sets on delivery; a copy must not carry a stale value of them.
_DELIVERY_HEADERS = ("x-delivery-count",)

BATCH = 500
LANES = 1  # channels of a read: one, so that the letters go back in order
BULK_LANES = 3  # channels of a replay or purge (measured best of 1-4 on 3.10: bench-dlq)
IDLE_SECONDS = 5.0  # no letter for this long while some were expected: the queue lost them


class Fate(Enum):
    MOVE = "move"
    DROP = "drop"
    KEEP = "keep"


@dataclass(frozen=True)
class Route:
    """What to do with one letter; for MOVE, where its copy goes."""

    fate: Fate
    exchange: str = ""
    routing_key: str = ""
    properties: pika.BasicProperties | None = None
    body: bytes | None = None


KEEP = Route(Fate.KEEP)
DROP = Route(Fate.DROP)

Decide = Callable[[DeadLetter], Route]
LookAhead = Callable[[list[DeadLetter]], None]  # called with letters before they are decided
Progress = Callable[[int, int], None]


class QueueBusy(RuntimeError):
    """Another dlq command is walking the queue."""


class MoveRefused(RuntimeError):
    """A copy could not be routed (the topology is missing): the walk stopped."""


@dataclass
class WalkResult:
    """What a walk did: letters moved or dropped (``taken``), kept, and why it ended.

    Counts, not letters: a walk holds only the letters in flight, whatever the queue's size.
    """

    taken: int = 0
    kept: int = 0
    failed: list[tuple[DeadLetter, str]] = field(default_factory=list)
    total: int = 0
    stopped_by: int | None = None  # the signal that stopped the walk early
    parked: list[str | None] = field(default_factory=list)  # job ids of moved copies parked

    @property
    def moved(self) -> int:
        """Letters whose copy reached a queue (``taken`` counts the parked ones too)."""
        return self.taken - len(self.parked)


@dataclass
class _Item:
    tag: int
    letter: DeadLetter | None  # None: a copy this walk already put back
    route: Route
    properties: Any = None
    decided: bool = True  # False: a letter in hand whose route is not yet decided (KEEP)
    confirmed: bool = False  # MOVE: the broker has answered for its copy
    refused: str | None = None  # MOVE: why the broker did not take its copy

    @property
    def ready(self) -> bool:
        """Whether the letter may be settled (acked) in a transaction now."""
        return self.route.fate is not Fate.MOVE or self.confirmed


class _Lane:
    """One channel of a walk: its consumer, its letters in hand, its transaction; and a
    channel in confirm mode for its moved copies."""

    def __init__(self, walk: _Walk, channel: Channel, copies: Channel, io: FrameIO) -> None:
        self.walk = walk
        self.channel = channel
        self.copies = copies
        self.io = io
        self.pending: deque[_Item] = deque()  # received, not yet taken
        self.waiting: deque[_Item] = deque()  # taken, in order; not yet in a transaction
        self.committing: list[_Item] | None = None
        self.consumer_tag: str | None = None
        self.consuming = False
        self.cancelled = False  # the broker confirmed the cancel: no delivery will follow
        self.cancel_after_commit = False
        self.cancel_when_full = False  # stopping: cancel once the broker can send no more
        self.unacked = 0  # deliveries on this channel not yet acked by a committed batch
        self.unconfirmed: OrderedDict[int, _Item] = OrderedDict()  # copy's tag -> its item
        self.copy_tag = 0  # the copies channel's last publish (confirm tags count from 1)

    @property
    def idle(self) -> bool:
        return self.cancelled and not (self.pending or self.waiting or self.committing)

    def start(self) -> None:
        self.copies.add_on_return_callback(self._on_return)
        self.copies.add_on_close_callback(self._on_close)
        self.channel.add_on_close_callback(self._on_close)
        self.consuming = True
        self.io.deliver(self.channel.channel_number, self._on_delivery)
        self.consumer_tag = self.channel.basic_consume(self.walk.queue, self._on_message)

    def cancel(self) -> None:
        if not self.consuming or not self.channel.is_open:
            return
        if self.committing is not None:
            # The broker takes no other command while a commit is under way (a cancel then
            # closes the channel, 504): the cancel follows the commit-ok.
            self.cancel_after_commit = True
            return
        self.consuming = False
        self.channel.basic_cancel(self.consumer_tag, callback=self._on_cancelled)

    def _on_cancelled(self, _frame: Any) -> None:
        self.cancelled = True
        self.walk.pump()

    def _on_delivery(self, tag: int, properties: Any, body: bytes) -> None:
        self.unacked += 1
        self.pending.append(self.walk.take(tag, properties, body))
        self.cancel_if_full()
        self.walk.pump_soon()

    def cancel_if_full(self) -> None:
        """A walk stopped early cancels its consumer only once the prefetch window is full.

        A quorum queue returns the deliveries it has under way when a cancel takes effect
        (their delivery count raised, their places lost): with the window full, the broker
        has none under way. (The letters counted at the start all delivered, there is none
        either: see ``_Walk._room``.)"""
        if self.cancel_when_full and self.committing is None and self.unacked >= self.walk.window:
            self.cancel_when_full = False
            self.cancel()

    def _on_message(
        self, _channel: Channel, method: Basic.Deliver, properties: Any, body: bytes
    ) -> None:  # (deliveries come through ``io``; pika's consumer callback is its fallback)
        self._on_delivery(method.delivery_tag, properties, body)

    def keep_pending(self) -> None:
        """Letters taken but not yet published stay in the queue, and so do those not yet
        decided."""
        for item in self.pending:
            if item.letter is not None and (not item.decided or item.route.fate is not Fate.KEEP):
                item.route = self.walk.keep(item.properties, item.letter.body)
                item.decided = True

    def pump(self, allowed: int) -> int:
        """Take up to ``allowed`` letters in hand, a moved one's copy published at once (on
        the copies channel, mandatory, confirmed); how many were taken."""
        if not (self.channel.is_open and self.copies.is_open):
            return 0
        taken = 0
        while self.pending and taken < allowed and self.pending[0].decided:
            item = self.pending.popleft()
            route = item.route
            if route.fate is Fate.MOVE:
                self._publish(self.copies, route, mandatory=True)
                self.copy_tag += 1
                self.unconfirmed[self.copy_tag] = item
            self.waiting.append(item)
            taken += 1
        return taken

    def _publish(self, channel: Channel, route: Route, mandatory: bool = False) -> None:
        assert route.properties is not None and route.body is not None
        self.io.publish(
            channel.channel_number,
            route.exchange,
            route.routing_key,
            route.body,
            route.properties,
            mandatory=mandatory,
        )

    def commit(self) -> None:
        """Settle the letters taken whose fate is sure, in order, in one transaction: a
        moved letter once the broker confirmed its copy; one whose copy it refused goes
        back, as it was, like a kept one."""
        # While a commit is under way the broker accepts no other command on the channel.
        if self.committing is not None or not self.channel.is_open:
            return
        batch: list[_Item] = []
        while self.waiting and self.waiting[0].ready and len(batch) < self.walk.batch_size:
            item = self.waiting.popleft()
            route = item.route
            if item.refused is not None and item.letter is not None:
                route = self.walk.keep(item.properties, item.letter.body)
            if route.fate is Fate.KEEP:
                self._publish(self.channel, route)
            batch.append(item)
        if not batch:
            return
        self.committing = batch
        self.channel.basic_ack(max(item.tag for item in batch), multiple=True)
        self.channel.tx_commit(callback=self._on_commit)

    def _on_commit(self, _frame: Any) -> None:
        committed, self.committing = self.committing or [], None
        self.unacked -= len(committed)
        if self.cancel_after_commit:
            self.cancel_after_commit = False
            self.cancel()
        self.cancel_if_full()
        self.walk.settled(committed)

    def on_confirm(self, frame: Any) -> None:
        """The broker's answer for copies: taken (ack) or refused (nack: a full queue with
        overflow reject-publish, as a length limit a policy sets makes it)."""
        method = frame.method
        if method.multiple:  # every tag up to this one; the tags are in order
            tags = list(itertools.takewhile(lambda t: t <= method.delivery_tag, self.unconfirmed))
        else:
            tags = [method.delivery_tag]
        refused = not isinstance(method, Basic.Ack)
        for tag in tags:
            item = self.unconfirmed.pop(tag, None)
            if item is None:
                continue
            item.confirmed = True
            if refused and item.refused is None:
                item.refused = str(nacked(item.route.exchange))
            if item.refused is not None:
                self.walk.stop()  # the next copies would be refused too: keep the rest
        self.walk.pump_soon()

    def _on_return(self, _channel: Channel, method: Any, properties: Any, _body: bytes) -> None:
        # A copy that could not be routed, not even by mail.jobs' alternate exchange (a
        # topology of an earlier release, not declared anew); its confirm follows.
        for item in self.unconfirmed.values():
            copy_id = item.route.properties.message_id if item.route.properties else None
            if item.refused is None and copy_id == properties.message_id:
                item.refused = str(TopologyMissing.on(method.exchange, method.routing_key))
                return

    def _on_close(self, _channel: Channel, reason: BaseException) -> None:
        self.walk.fail(_closed(reason))


class _Walk:
    def __init__(
        self,
        queue: str,
        decide: Decide,
        total: int,
        *,
        batch: int,
        window: int,
        rate: float | None,
        progress: Progress | None,
        moved_by: str | None = None,
        look_ahead: LookAhead | None = None,
    ) -> None:
        self.lanes: list[_Lane] = []
        self.window = window
        self.queue = queue
        self.decide = decide
        self.look_ahead = look_ahead
        self.undecided: deque[_Item] = deque()  # letters in hand, in order of arrival
        self.total = total
        self.batch_size = batch
        self.rate = rate
        self.progress = progress
        self.walk_id = uuid.uuid4().hex
        self.moved_stamp = self.walk_id + _MOVED
        self.moved_by = moved_by  # an earlier walk's moved stamp: its copies parked are sought
        self.put_back = 0  # messages this walk added to the queue, not yet met again
        self.copies = 0  # moved copies committed
        self.outcome = WalkResult(total=total)
        self.loop = asyncio.get_running_loop()
        self.done: asyncio.Future[None] = self.loop.create_future()
        self.received = 0  # letters (a copy this walk put back is not one)
        self.delivered = 0  # deliveries
        self.taken = 0  # letters published or dropped
        self.count = 0  # letters settled
        self.started = time.monotonic()
        self.last_delivery = time.monotonic()
        self.stopping = False
        self._timer: asyncio.TimerHandle | None = None
        self._pump_due = False
        self.error: Exception | None = None  # what ``decide`` raised

    def start(self) -> None:
        for lane in self.lanes:
            lane.start()
        self._tick()

    def stop(self, signum: int | None = None) -> None:
        """Take no more letters; those already taken are settled, then the walk ends."""
        if signum is not None and self.outcome.stopped_by is None:
            self.outcome.stopped_by = signum
        self.stopping = True
        self.undecided.clear()  # (kept: below)
        for lane in self.lanes:
            lane.keep_pending()
            lane.cancel_when_full = True
            lane.cancel_if_full()
        self.pump()

    def fail(self, error: Exception) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if not self.done.done():
            self.done.set_exception(error)

    def take(self, tag: int, properties: Any, body: bytes) -> _Item:
        """A delivery, with what is to be done with it."""
        self.last_delivery = time.monotonic()
        self.delivered += 1
        headers = properties.headers or {}
        stamp = _text(headers.get(names.HEADER_WALK))
        if stamp == self.walk_id:
            return _Item(tag, None, self.keep(properties, body))
        if stamp == self.moved_stamp and _parked(headers):
            self.put_back += 1
            return _Item(tag, None, self.unpark(properties, body))
        self.received += 1
        if self.received >= self.total:
            for lane in self.lanes:
                lane.cancel()
        parked = _parked(headers)
        if not parked:
            # A replay's copy that a queue took: the broker dead-lettered it (past mail.send's
            # delivery limit) with the replay's undo, which is not true any more; dropped here,
            # in what is shown and in the letter put back (a sender's own drops it as it goes).
            headers.pop(names.HEADER_REPLAY_UNDO, None)
        letter = DeadLetter.from_message(tag, properties.message_id, headers, body)
        if stamp is not None and stamp == self.moved_by and parked:
            return _Item(tag, letter, self.unpark(properties, body), properties)
        if self.stopping:
            return _Item(tag, letter, self.keep(properties, body), properties)
        item = _Item(tag, letter, KEEP, properties, decided=False)
        self.undecided.append(item)
        return item

    def _decide_in_hand(self) -> None:
        """Decide the letters in hand, ``batch_size`` at a time (their look-ahead first), and
        the last ones when no more can come before these are settled."""
        while self.undecided and (
            len(self.undecided) >= self.batch_size or self._nothing_more_comes()
        ):
            count = min(len(self.undecided), self.batch_size)
            items = [self.undecided.popleft() for _ in range(count)]
            letters = [item.letter for item in items if item.letter is not None]
            if self.look_ahead is not None and self.error is None:
                try:
                    self.look_ahead(letters)
                except Exception as error:  # the walk stops; these letters and the rest stay
                    self._failed(error)
            for item in items:
                item.route = self._route(item)
                item.decided = True

    def _nothing_more_comes(self) -> bool:
        """Whether no letter can arrive until some in hand are settled: every letter
        counted at the start has come, or every lane is full (or cancelled) with nothing
        taken that an ack would settle."""
        if self.received >= self.total:
            return True
        return all(
            (lane.cancelled or lane.unacked >= self.window)
            and not lane.waiting
            and lane.committing is None
            for lane in self.lanes
        )

    def _route(self, item: _Item) -> Route:
        assert item.letter is not None
        if self.stopping or self.error is not None:
            return self.keep(item.properties, item.letter.body)
        route = self._decide(item.letter)
        if route.fate is Fate.KEEP:
            return self.keep(item.properties, item.letter.body)
        if route.fate is Fate.MOVE and route.properties is not None:
            # A copy no queue takes comes back to mail.dead (mail.jobs' alternate exchange):
            # should this walk meet it, it puts it back rather than moving it again.
            route.properties.headers = {
                **(route.properties.headers or {}),
                names.HEADER_WALK: self.moved_stamp,
            }
        return route

    def unpark(self, properties: Any, body: bytes) -> Route:
        """A moved copy the alternate exchange parked, put back as a letter again: counted
        as parked, its replay undone (it reached no sender): its count lowered, the failure
        headers the replay dropped restored."""
        self.outcome.parked.append(properties.message_id)
        headers = properties.headers
        replayed = headers.pop(names.HEADER_REPLAYED, None)
        if isinstance(replayed, int) and replayed > 1:
            headers[names.HEADER_REPLAYED] = replayed - 1
        undo = headers.pop(names.HEADER_REPLAY_UNDO, None)
        if isinstance(undo, dict):  # the failure headers the replay dropped, as they were
            headers.pop(names.HEADER_POSSIBLE_DUPLICATE, None)
            headers.update(undo)
        return self.keep(properties, body)

    def _decide(self, letter: DeadLetter) -> Route:
        try:
            return self.decide(letter)
        except Exception as error:  # the walk stops; this letter and the rest stay
            self._failed(error)
            return KEEP

    def _failed(self, error: Exception) -> None:
        """What deciding raised: the walk stops, and the command raises it again."""
        self.error = error
        self.loop.call_soon(self.stop)

    def keep(self, properties: Any, body: bytes) -> Route:
        """The route of a letter put back: the delivered properties themselves, stamped
        (building new ones for every letter cost a quarter of a read's CPU)."""
        headers = properties.headers if properties.headers is not None else {}
        for name in _DELIVERY_HEADERS:
            headers.pop(name, None)
        headers[names.HEADER_WALK] = self.walk_id
        properties.headers = headers
        properties.delivery_mode = pika.DeliveryMode.Persistent.value
        properties.user_id = None  # the broker refuses a message naming another user
        return Route(Fate.KEEP, "", self.queue, properties, body)

    def _allowed(self) -> int:
        if self.rate is None:
            return 1 << 30
        return max(0, int((time.monotonic() - self.started) * self.rate) + 1 - self.taken)

    def _room(self) -> int:
        """Letters that may be acked now.

        An ack makes room in a consumer's prefetch window; the broker must not fill that
        room with a message past the letters counted at the start (a copy this walk put
        back): it would be returned when the consumer is cancelled, its delivery count
        raised. Once every consumer is cancelled, nothing more can arrive.
        """
        if all(lane.cancelled for lane in self.lanes):
            return 1 << 30
        if self.stopping:  # no ack until the consumers are cancelled (_Lane.cancel_if_full)
            return 0
        in_hand = sum(len(lane.pending) for lane in self.lanes)
        return self.total - self.delivered - self.window * len(self.lanes) + in_hand

    def pump_soon(self) -> None:
        """Pump once the deliveries of this read are all in hand (one pump per read, not
        per letter)."""
        if not self._pump_due:
            self._pump_due = True
            self.loop.call_soon(self.pump)

    def pump(self) -> None:
        self._pump_due = False
        if self.done.done():
            return
        self._decide_in_hand()
        for lane in self.lanes:
            allowed = min(self._allowed(), self._room())
            if allowed > 0:
                self.taken += lane.pump(allowed)
            lane.commit()
        if all(lane.idle for lane in self.lanes) and not self.done.done():
            if self._timer is not None:
                self._timer.cancel()
            self.done.set_result(None)

    def settled(self, committed: list[_Item]) -> None:
        for item in committed:
            if item.letter is None:
                continue
            self.count += 1
            if item.refused is not None:  # put back, as it was
                self.outcome.failed.append((item.letter, item.refused))
                self.put_back += 1
            elif item.route.fate is Fate.MOVE:
                self.copies += 1
                self.outcome.taken += 1
            elif item.route.fate is Fate.KEEP:
                self.outcome.kept += 1
                self.put_back += 1
            else:
                self.outcome.taken += 1
        if self.progress:
            self.progress(self.count, max(self.total, self.count))
        self.pump()

    def _tick(self) -> None:
        if self.done.done():
            return
        if time.monotonic() - self.last_delivery > IDLE_SECONDS:
            for lane in self.lanes:  # the letters counted at the start are gone
                lane.cancel()
        self.pump()
        interval = 0.1 if self.rate is None else max(0.001, min(0.1, 1 / self.rate))
        self._timer = self.loop.call_later(interval, self._tick)


_MOVED = ".moved"  # a moved copy's stamp: the walk's id and this


def _text(value: Any) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _parked(headers: dict[str, Any]) -> bool:
    """Whether a moved copy met in the queue came back through the alternate exchange, not
    from a sender (which gives an error class) or the broker (which says why)."""
    return names.HEADER_ERROR_CLASS not in headers and "x-first-death-reason" not in headers


def _closed(reason: BaseException) -> Exception:
    if isinstance(reason, pika.exceptions.ChannelClosedByBroker) and reason.reply_code == 405:
        return QueueBusy("another dlq command is working on the dead-letter queue; try again")
    if isinstance(reason, pika.exceptions.ChannelClosedByBroker) and reason.reply_code == 404:
        missing: Exception = reason  # the topology is missing: the command says to declare it
        return missing
    return ConnectionError(f"the broker closed the channel: {reason!r}")


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


async def _open_channel(connection: AioConnection) -> tuple[Channel, asyncio.Future[Any]]:
    """A channel, and a future that completes with the reason when the channel closes."""
    channel = await connection.channel()
    closed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    channel.add_on_close_callback(lambda _channel, reason: _resolve(closed, reason))
    return channel, closed


async def _rpc(call: Callable[..., Any], closed: asyncio.Future[Any]) -> Any:
    waiting: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    call(callback=lambda frame: _resolve(waiting, frame))
    done, _ = await asyncio.wait({waiting, closed}, return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        return waiting.result()
    waiting.cancel()
    raise _closed(closed.result())


async def _walk(
    url: str,
    queue: str,
    decide: Decide,
    *,
    batch: int,
    lanes: int,
    rate: float | None,
    progress: Progress | None,
    signals: bool,
    look_ahead: LookAhead | None,
) -> WalkResult:
    connection: AioConnection = await open_connection(url, "erpmail-dlq")
    coalesce_writes(connection)
    io = FrameIO(connection.connection)
    try:
        channel, closed = await _open_channel(connection)
        # One walk at a time: an exclusive queue is the lock (another connection declaring
        # it is refused), and it goes away with this connection, however that ends.
        lock = partial(
            channel.queue_declare, queue + WALK_LOCK_SUFFIX, exclusive=True, auto_delete=True
        )
        await _rpc(lock, closed)
        depth = partial(channel.queue_declare, queue, passive=True)
        total = int((await _rpc(depth, closed)).method.message_count)
        if progress:
            progress(0, total)
        if total == 0:
            return WalkResult()
        run = partial(_run, connection, io, queue, batch=batch, signals=signals)
        first = await run(
            decide, total, lanes=lanes, rate=rate, progress=progress, look_ahead=look_ahead
        )
        outcome = first.outcome
        if not first.copies or outcome.stopped_by is not None:
            return outcome
        # The queue holds what the walk did not reach, what it put back, and what came in
        # meanwhile: new dead letters, or moved copies the alternate exchange parked. Only
        # then is it read again, to find those.
        left = total - first.received + first.put_back
        now = int((await _rpc(depth, closed)).method.message_count)
        if now > left:
            again = await run(_keep, now, lanes=LANES, rate=None, moved_by=first.moved_stamp)
            outcome.parked += again.outcome.parked
            outcome.stopped_by = again.outcome.stopped_by
        return outcome
    finally:
        await connection.close()


def _keep(_letter: DeadLetter) -> Route:
    return KEEP


async def _run(
    connection: AioConnection,
    io: FrameIO,
    queue: str,
    decide: Decide,
    total: int,
    *,
    batch: int,
    lanes: int,
    rate: float | None,
    signals: bool,
    progress: Progress | None = None,
    moved_by: str | None = None,
    look_ahead: LookAhead | None = None,
) -> _Walk:
    """One walk over the ``total`` letters at the head of ``queue``, run to its end."""
    if rate is not None:
        lanes, batch = 1, max(1, min(batch, int(rate / 10) + 1))
    lanes = max(1, min(lanes, total // batch + 1))
    window = max(1, min(2 * batch, total // lanes + 1))
    walk = _Walk(
        queue,
        decide,
        total,
        batch=batch,
        window=window,
        rate=rate,
        progress=progress,
        moved_by=moved_by,
        look_ahead=look_ahead,
    )
    for _ in range(lanes):
        lane_channel, lane_closed = await _open_channel(connection)
        await _rpc(lane_channel.tx_select, lane_closed)
        await _rpc(partial(lane_channel.basic_qos, prefetch_count=window), lane_closed)
        copies, copies_closed = await _open_channel(connection)
        lane = _Lane(walk, lane_channel, copies, io)
        await _rpc(partial(copies.confirm_delivery, lane.on_confirm), copies_closed)
        walk.lanes.append(lane)
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM) if signals else ()
    for signum in handled:
        loop.add_signal_handler(signum, walk.stop, signum)
    try:
        walk.start()
        await walk.done
        if walk.error is not None:
            raise walk.error
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    return walk


def walk(
    url: str,
    decide: Decide,
    *,
    queue: str = names.DEAD_QUEUE,
    batch: int = BATCH,
    lanes: int = LANES,
    rate: float | None = None,
    progress: Progress | None = None,
    signals: bool = False,
    look_ahead: LookAhead | None = None,
) -> WalkResult:
    """Settle every letter of ``queue`` as ``decide`` says; see the module's docstring.
    ``look_ahead`` is given the letters about to be decided, before ``decide`` is given any
    of them (up to ``batch`` at a time).

    With ``signals``, SIGINT and SIGTERM stop the walk cleanly (``WalkResult.stopped_by``). An
    exception raised by ``decide`` stops the walk too, every letter not yet settled staying in
    the queue, and is raised again.
    A copy the broker could not route leaves its letter in ``mail.dead`` and stops the walk
    (``WalkResult.failed``).
    """
    return asyncio.run(
        _walk(
            url,
            queue,
            decide,
            batch=batch,
            lanes=lanes,
            rate=rate,
            progress=progress,
            signals=signals,
            look_ahead=look_ahead,
        )
    )


def read_each(
    url: str,
    each: Callable[[DeadLetter], None],
    *,
    queue: str = names.DEAD_QUEUE,
    progress: Progress | None = None,
    signals: bool = False,
    look_ahead: LookAhead | None = None,
) -> WalkResult:
    """Every dead letter through ``each`` as it is read, each put back as it was, on one
    channel so that they go back in order (see the module's docstring): a queue of any size
    costs only what ``each`` keeps. With ``signals``, as :func:`walk`: a read stopped early
    (``WalkResult.stopped_by``) has put every letter back but handed ``each`` only some."""

    def read(letter: DeadLetter) -> Route:
        each(letter)
        return KEEP

    return walk(
        url,
        read,
        queue=queue,
        lanes=LANES,
        progress=progress,
        signals=signals,
        look_ahead=look_ahead,
    )


def queue_depth(url: str, queue: str = names.DEAD_QUEUE) -> int:
    connection = connect(url, "erpmail-dlq")
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        if connection.is_open:
            connection.close()
