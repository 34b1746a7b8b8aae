"""A message taken from a queue, and the channel it came on with the publisher that its
outcome goes out through (the sender's; acks and publishes on a channel that has closed
meanwhile fail softly: the broker delivers the message again).

Acks go out in runs (:class:`Acks`): one ``basic.ack`` with ``multiple`` for every delivery
of the channel up to a tag, once all of them are settled. RabbitMQ handles each ack frame
as a command of the quorum queue's log; one per mail cost the broker several times the CPU
of one per run. A delivery is acked later than it is settled, never earlier: a worker killed
meanwhile has its settled jobs delivered again. The sender finds a sent one recorded and
does not send it again; one that ended dead (or was handed to a retry queue) is attempted
again, as after any redelivery: its server refuses it again, and its dead letter and
mail.failed are written a second time (the notice with the same message id). Why no rule
tells that redelivery from a new publish of the job: ``workers.sender.job_store._claim_one``.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass, field
from enum import Enum

import pika
from pika.channel import Channel

from workers.broker.aio import AsyncConfirmingPublisher

# A settled delivery waits this long for those before it, so that they go in one ack ...
ACK_LINGER = 0.2
# ... and one behind a delivery still being worked on (a mail waiting for its server) this
# long at most before it is acked on its own.
ACK_HOLD = 1.0
# An unacked delivery holds a place of the channel's prefetch, which the jobs still to come
# need: the acks waiting go out at once when they hold this share of it (none then waits at
# prefetch 1), or when no delivery is left open (nothing would come before they went).
ACK_HELD_SHARE = 4


class _State(Enum):
    OPEN = "open"  # delivered, being worked on
    ACKED = "acked"  # settled, its ack not sent yet
    SETTLED = "settled"  # its ack, nack or reject has gone out


class Acks:
    """The acks of one channel (its delivery tags count 1, 2, 3 … whatever the consumer),
    whose prefetch is ``prefetch``.

    Every delivery is registered as it arrives (:meth:`delivered`); an ack waits for the
    deliveries before it to be settled, and a run of settled ones goes in one ack with
    ``multiple``. That ack covers exactly the tags registered here and settled: a tag never
    seen (not registered) stops the run, and pika's own rejects (deliveries to a consumer
    being cancelled) are registered through :meth:`rejected`. The acks waiting never hold more
    than a share of the prefetch, nor any place while no delivery is open: the broker always
    has room to deliver the next job.
    """

    def __init__(self, channel: Channel, prefetch: int) -> None:
        self._channel = channel
        self._held_max = prefetch // ACK_HELD_SHARE
        self._next = 1  # every tag before this one is settled
        self._tags: dict[int, _State] = {}  # in delivery order, from _next on
        self._open = 0  # tags OPEN
        self._waiting: dict[int, float] = {}  # ACKED tags: since when, in the order acked
        self._timer: asyncio.Handle | None = None
        self._now: asyncio.Handle | None = None  # a flush of everything waiting, due this turn
        self.frames = 0  # ack frames sent (with multiple or not)

    def delivered(self, tag: int) -> None:
        if self._tags.get(tag) is not _State.OPEN:
            self._open += 1
        self._tags[tag] = _State.OPEN

    def rejected(self, tag: int) -> None:
        """``tag`` was settled past :meth:`ack` (nacked, or rejected by pika itself)."""
        state = self._tags.get(tag)
        if state is not None:
            self._tags[tag] = _State.SETTLED
            self._waiting.pop(tag, None)
            if state is _State.OPEN:
                self._open -= 1
                if not self._open and self._waiting:
                    self._flush_now()
        elif tag >= self._next:
            self._tags[tag] = _State.SETTLED

    def ack(self, tag: int) -> bool:
        """Ack ``tag`` with the next run; False when the channel is gone (the broker will
        deliver the message again)."""
        if not self._channel.is_open:
            return False
        if self._tags.get(tag) is not _State.OPEN:  # (not registered: on its own, now)
            return self._send(tag, multiple=False)
        self._tags[tag] = _State.ACKED
        self._open -= 1
        loop = asyncio.get_running_loop()
        self._waiting[tag] = loop.time()
        if not self._open or len(self._waiting) > self._held_max:
            self._flush_now()
        elif self._timer is None:
            self._timer = loop.call_later(ACK_LINGER, self.flush)
        return True

    def _flush_now(self) -> None:
        """Everything waiting goes once this loop turn's acks are in (one run for them)."""
        if self._now is None:
            self._now = asyncio.get_running_loop().call_soon(self._flush_everything)

    def _flush_everything(self) -> None:
        self._now = None
        self.flush(everything=True)

    def flush(self, everything: bool = False) -> None:
        """Send the run of settled deliveries, and on their own those that waited
        :data:`ACK_HOLD` behind one still open (``everything``: all that wait)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        last = None
        tags = self._tags
        while tags:
            tag = next(iter(tags))
            state = tags[tag]
            if state is _State.OPEN or tag != self._next:
                break
            del tags[tag]
            self._next = tag + 1
            if state is _State.ACKED:
                del self._waiting[tag]
                last = tag
        if last is not None:
            self._send(last, multiple=True)
        if not self._waiting:
            return
        loop = asyncio.get_running_loop()
        due = loop.time() - ACK_HOLD
        waiting = self._waiting
        while waiting:
            tag, since = next(iter(waiting.items()))
            if not everything and since > due:
                break
            del waiting[tag]
            tags[tag] = _State.SETTLED
            self._send(tag, multiple=False)
        if waiting:
            oldest = next(iter(waiting.values()))
            wait = min(ACK_LINGER, max(0.0, oldest + ACK_HOLD - loop.time()))
            self._timer = loop.call_later(wait, self.flush)

    def _send(self, tag: int, *, multiple: bool) -> bool:
        try:
            self._channel.basic_ack(tag, multiple=multiple)
        except (pika.exceptions.AMQPError, AttributeError):
            return False
        self.frames += 1
        return True


# One per channel, whoever consumes on it: two would each ack the other's deliveries.
_ACKS: weakref.WeakKeyDictionary[Channel, Acks] = weakref.WeakKeyDictionary()


def acks_of(channel: Channel, prefetch: int) -> Acks:
    """The :class:`Acks` of ``channel`` (whose prefetch is ``prefetch``), made on first use
    (pika's own rejects of deliveries to a cancelled consumer are told to it from then on)."""
    acks = _ACKS.get(channel)
    if acks is None:
        acks = _ACKS[channel] = Acks(channel, prefetch)
        reject = channel.basic_reject

        def basic_reject(delivery_tag: int, requeue: bool = True) -> None:
            acks.rejected(delivery_tag)
            reject(delivery_tag, requeue)

        channel.basic_reject = basic_reject
    return acks


@dataclass
class ConsumingChannel:
    """One broker connection's consuming channel (whose prefetch is ``prefetch``) and its
    confirming publisher; replaced as a whole when the connection is opened again."""

    channel: Channel
    publisher: AsyncConfirmingPublisher
    prefetch: int
    acks: Acks = field(init=False)

    def __post_init__(self) -> None:
        self.acks = acks_of(self.channel, self.prefetch)


@dataclass
class Delivery:
    """A message as delivered, acked or requeued on the channel it came on."""

    source: ConsumingChannel
    tag: int
    properties: pika.BasicProperties
    body: bytes

    def __post_init__(self) -> None:
        self.source.acks.delivered(self.tag)

    def ack(self) -> bool:
        """False when the channel is gone (the broker will deliver the message again)."""
        return self.source.acks.ack(self.tag)

    def requeue(self) -> None:
        self.source.acks.rejected(self.tag)
        with contextlib.suppress(pika.exceptions.AMQPError, AttributeError):
            self.source.channel.basic_nack(self.tag, requeue=True)

    @property
    def publisher(self) -> AsyncConfirmingPublisher:
        return self.source.publisher
