"""The sender worker: jobs from ``mail.send`` to the SMTP server, outcome committed, then ack.

This module is the process's life: connecting, consuming, pausing, reconnecting, stopping.
What happens to each job is :class:`workers.sender.jobs.JobHandler`'s business.

Many jobs are in flight at once (``ERPMAIL_SENDER_PREFETCH`` deliveries, of which
``ERPMAIL_SENDER_CONCURRENCY`` are worked on). The database work of all of them goes through
one group-commit thread. The worker reconnects to the broker with backoff, stops consuming
while the database is away, and on :meth:`SenderWorker.stop` finishes (or requeues) what it
holds and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.channel import Channel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from workers.backoff import backoff_delays
from workers.broker import names
from workers.broker.aio import (
    AioConnection,
    AsyncConfirmingPublisher,
    BrokerConnectionLost,
    coalesce_writes,
    open_connection,
    set_prefetch,
)
from workers.broker.connection import BrokerUnavailable
from workers.broker.consuming import ConsumingChannel, Delivery
from workers.broker.frames import FrameIO
from workers.broker.publisher import PublishRefused
from workers.config.presets import PresetBook, load_presets
from workers.config.service import CachedResolution
from workers.logging import get_logger
from workers.metrics import catalog as metrics
from workers.metrics.http import Health
from workers.sender.job_store import ClaimRequest, ClaimResult, Resolve, claim_jobs
from workers.sender.jobs import JobHandler, SenderStats
from workers.sender.retry import RetryPolicy
from workers.sender.shards import ShardHolder
from workers.settings import Settings
from workers.smtp.pool import SmtpPools
from workers.store.group_commit import DatabaseUnavailable, GroupCommitter

MAX_BACKOFF = 30.0
STABLE_CONNECTION = 30.0  # a connection that lived this long resets the reconnect backoff
DATABASE_PING_INTERVAL = 1.0
POOL_SWEEP_INTERVAL = 15.0
# Claims and outcomes gather this long before a transaction: at 1,500 jobs/s batches of
# 15-30 instead of 5, which halves the database's CPU per job (make bench-sender: about +15%
# mails/s for one process); 10 ms more per commit is nothing beside an SMTP round trip.
COMMIT_LINGER = 0.010
HEARTBEAT_INTERVAL = 1.0
HEARTBEAT_STALE = 30.0  # /livez fails when the loop has not turned for this long


@dataclass
class SenderWorker:
    settings: Settings
    engine: Engine
    resolve: Resolve | None = None
    cafile: str | None = None
    local_hostname: str | None = None
    connection_name: str | None = None
    stats: SenderStats = field(default_factory=SenderStats)

    def __post_init__(self) -> None:
        settings = self.settings
        presets = load_presets(settings.presets_file)

        self.shards: ShardHolder | None = None  # with ERPMAIL_SEND_SHARDS, while consuming
        # a job waiting in a pool's line longer than half its lease may outlive its claim
        self.pools = SmtpPools(
            settings.smtp_pool_size,
            self.cafile,
            self.local_hostname,
            max_wait=settings.sending_lease_seconds / 2,
        )
        metrics.SMTP_CONNECTIONS.watch(self.pools)
        self.name = self.connection_name or f"erpmail-sender {settings.worker_name}"
        self.committer = GroupCommitter(self.engine, name="sender-db", linger=COMMIT_LINGER)
        self._stopping = asyncio.Event()
        self._database_down = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(settings.sender_concurrency)
        self._log = get_logger(worker=settings.worker_name)
        self.health = Health(("broker", "database"), stale_after=HEARTBEAT_STALE)
        self.jobs = JobHandler(
            settings=settings,
            committer=self.committer,
            claim=self._claim(settings, presets),
            pools=self.pools,
            policy=RetryPolicy.from_settings(settings),
            presets=presets,
            stats=self.stats,
            stopping=self._stopping,
            database_lost=self._database_lost,
            log=self._log,
        )

    def _claim(
        self, settings: Settings, presets: PresetBook
    ) -> Callable[[Session, list[ClaimRequest]], list[ClaimResult]]:
        """The claim operation: a given ``resolve`` (tests) per user, or the cached
        resolution reading each batch's cards together."""
        if self.resolve is not None:
            return claim_jobs(self.resolve)
        cached = CachedResolution(settings, presets)
        return claim_jobs(cached, cached.for_batch)

    # -- running -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop consuming; :meth:`run` returns once what was in flight is done or requeued."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; reconnect to the broker whenever it goes away."""
        delays = backoff_delays(cap=MAX_BACKOFF)
        sweeper = asyncio.ensure_future(self._sweep_pools())
        heart = asyncio.ensure_future(self._heartbeat())
        load = asyncio.ensure_future(self.pools.load.watch())  # read by the pools' policy
        self.health.set("database", True)
        try:
            while not self._stopping.is_set():
                try:
                    connection = await open_connection(self.settings.rabbitmq_url, self.name)
                except BrokerUnavailable as error:
                    self.health.set("broker", False, str(error))
                    delay = next(delays)
                    self._log.warning(
                        "broker_unavailable", error=str(error), retry_in=round(delay, 1)
                    )
                    await self._pause(delay)
                    continue
                self.stats.broker_connects += 1
                connected_at = asyncio.get_running_loop().time()
                try:
                    await self._serve(connection)
                except (BrokerConnectionLost, pika.exceptions.AMQPError) as error:
                    self.health.set("broker", False, repr(error))
                    if asyncio.get_running_loop().time() - connected_at > STABLE_CONNECTION:
                        delays = backoff_delays(cap=MAX_BACKOFF)
                    delay = next(delays)
                    self._log.warning(
                        "broker_connection_lost", error=repr(error), retry_in=round(delay, 1)
                    )
                    await self._pause(delay)  # a connection that keeps failing is not hammered
                finally:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), timeout=5)
        finally:
            sweeper.cancel()
            heart.cancel()
            load.cancel()
            await self._drain(self.settings.shutdown_grace_seconds)
            # the heartbeat that set it is gone: a stopped worker has nothing in flight
            metrics.JOBS_IN_FLIGHT.set(0)
            self.committer.close()
            await self.pools.close()
            self._log.info("sender_stopped", **vars(self.stats))

    async def _heartbeat(self) -> None:
        """Tell /livez that the loop turns, and publish the jobs in flight."""
        while True:
            self.health.beat()
            metrics.JOBS_IN_FLIGHT.set(len(self._tasks))
            await asyncio.sleep(HEARTBEAT_INTERVAL)

    async def _sweep_pools(self) -> None:
        while True:
            await asyncio.sleep(POOL_SWEEP_INTERVAL)
            await self.pools.sweep()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _serve(self, connection: AioConnection) -> None:
        coalesce_writes(connection)  # each job's ack and notice: frames of one loop turn
        # deliveries read and notices written past pika's per-frame layers, which cost the
        # loop more than any other part of a job's handling
        io = FrameIO(connection.connection)
        channel = await connection.channel()
        lost: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

        def on_channel_close(_channel: Channel, reason: BaseException) -> None:
            if not lost.done():
                lost.set_result(reason)

        channel.add_on_close_callback(on_channel_close)
        await set_prefetch(channel, self.settings.sender_prefetch)
        publisher = await AsyncConfirmingPublisher.open(connection, io)
        publisher.channel.add_on_close_callback(on_channel_close)
        source = ConsumingChannel(channel, publisher, self.settings.sender_prefetch)
        self._log.info("broker_connected", connection=self.name)
        self.health.set("broker", True)
        while not self._stopping.is_set():
            if lost.done() or connection.closed.done():
                reason = lost.result() if lost.done() else connection.closed.result()
                raise BrokerConnectionLost(f"channel closed: {reason!r}")
            if self._database_down.is_set():
                await self._wait_for_database(lost, connection.closed)
                continue
            consumer_tags = []
            for queue, work in (
                (names.SEND_QUEUE, self._send_queue_work()),
                (names.DEAD_WATCH_QUEUE, self.jobs.record_dead_letter),
            ):
                tag = channel.basic_consume(
                    queue,
                    lambda _ch, method, properties, body, work=work: self._on_message(
                        source, method.delivery_tag, properties, body, work
                    ),
                )
                io.consume(
                    channel.channel_number,
                    tag,
                    functools.partial(self._on_message, source, work=work),
                )
                consumer_tags.append(tag)
            self._log.info("consuming", queue=names.SEND_QUEUE)
            holding = self._hold_shards(connection, publisher, io)
            try:
                await _first(
                    self._stopping.wait(), self._database_down.wait(), lost, connection.closed
                )
            finally:
                if holding is not None:
                    holding.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await holding
            if lost.done() or connection.closed.done():
                continue
            for consumer_tag in consumer_tags:
                io.cancel(channel.channel_number, consumer_tag)
                await _cancel_consumer(channel, consumer_tag)
            if self._database_down.is_set():
                self._log.warning("consuming_paused", reason="database unavailable")
        await self._drain(self.settings.shutdown_grace_seconds)
        # the acks still waiting for their run go out before the connection closes
        source.acks.flush(everything=True)
        if self.shards is not None:
            self.shards.flush_acks()

    def _send_queue_work(self) -> Callable[[Delivery], Awaitable[None]]:
        """What becomes of a job in ``mail.send``: sent, or with send shards passed on to
        its shard (retries come back there, see :meth:`JobHandler.forward_to_shard`)."""
        return self.jobs.forward_to_shard if self.settings.send_shards else self.jobs.process

    def _hold_shards(
        self, connection: AioConnection, publisher: AsyncConfirmingPublisher, io: FrameIO
    ) -> asyncio.Task[None] | None:
        """With send shards, claim this worker's share of them while it consumes."""
        if not self.settings.send_shards:
            return None
        self.shards = ShardHolder(
            connection,
            publisher,
            self.settings.send_shards,
            self.settings.sender_prefetch,
            self._on_message,
            self._log,
            io,
        )
        return asyncio.ensure_future(self.shards.run())

    async def _wait_for_database(self, *lost: asyncio.Future[BaseException]) -> None:
        while self._database_down.is_set() and not self._stopping.is_set():
            if any(future.done() for future in lost):
                return
            try:
                await self.committer.ping()
            except DatabaseUnavailable:
                await self._pause(DATABASE_PING_INTERVAL)
                continue
            self._database_down.clear()
            self.health.set("database", True)
            metrics.DATABASE_PAUSED.set(0)
            self._log.info("database_back")

    async def _drain(self, grace: float) -> None:
        """Give back at once the jobs that hold no SMTP connection yet, let the others finish
        for up to ``grace`` seconds, and cancel the rest (their messages are requeued by the
        broker when the connection closes)."""
        if not self._tasks:
            return
        unheld = self.jobs.give_back_unheld()
        self._log.info("draining", in_flight=len(self._tasks), given_back=unheld, grace=grace)
        _done, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)

    def _on_message(
        self,
        source: ConsumingChannel,
        delivery_tag: int,
        properties: pika.BasicProperties,
        body: bytes,
        work: Callable[[Delivery], Awaitable[None]] | None = None,
    ) -> None:
        """A delivery, taken by ``work`` (a job of mail.send or a shard by default)."""
        delivery = Delivery(source, delivery_tag, properties, body)
        task = asyncio.ensure_future(self._handle(delivery, work or self.jobs.process))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- deliveries ----------------------------------------------------------------------

    async def _handle(
        self, delivery: Delivery, work: Callable[[Delivery], Awaitable[None]]
    ) -> None:
        async with self._slots:
            self.stats.received += 1
            metrics.JOBS_CONSUMED.inc()
            if self._stopping.is_set() or self._database_down.is_set():
                self._nack(delivery)
                return
            try:
                await work(delivery)
            except DatabaseUnavailable as error:
                self._database_lost(error)
                self._nack(delivery)
            except (BrokerConnectionLost, PublishRefused, pika.exceptions.AMQPError) as error:
                self._log.warning(
                    "broker_refused_or_lost",
                    job_id=delivery.properties.message_id,
                    error=repr(error),
                )
                self._nack(delivery)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._log.exception("unexpected_error", job_id=delivery.properties.message_id)
                self._nack(delivery)

    # -- requeueing and the database's health -------------------------------------------

    def _nack(self, delivery: Delivery) -> None:
        self.stats.requeued += 1
        metrics.JOBS_REQUEUED.inc()
        delivery.requeue()

    def _database_lost(self, error: DatabaseUnavailable) -> None:
        if not self._database_down.is_set():
            self._database_down.set()
            self.health.set("database", False, str(error))
            metrics.DATABASE_PAUSED.set(1)
            self._log.error("database_unavailable", error=str(error))


async def _first(*waitables: Awaitable[Any]) -> None:
    """Return when the first of ``waitables`` completes; the others are cancelled if they
    are coroutines (futures given are left alone)."""
    tasks = [asyncio.ensure_future(w) for w in waitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task, waitable in zip(tasks, waitables, strict=True):
            if task is not waitable:
                task.cancel()


async def _cancel_consumer(channel: Channel, consumer_tag: str) -> None:
    if not channel.is_open:
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    channel.basic_cancel(consumer_tag, callback=lambda _frame: done.set_result(None))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done, timeout=10)
