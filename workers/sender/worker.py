"""The sender worker: jobs from ``mail.send`` to the SMTP server, outcome committed, then ack.

For each job: validate (a bad job goes to the dead-letter queue with class ``invalid``);
claim it in the database (duplicate? suppressed recipients? configuration? then ``sending``);
build the MIME message; send over a pooled connection (rate limits delay, never fail); record
the outcome; publish ``mail.sent``/``mail.failed``; ack. A failed attempt goes to a retry
queue or to the dead-letter queue (``retry``), published with confirms before the ack.

Many jobs are in flight at once (``ERPMAIL_SENDER_PREFETCH`` deliveries, of which
``ERPMAIL_SENDER_CONCURRENCY`` are worked on). The database work of all of them goes through
one group-commit thread. The worker reconnects to the broker with backoff, stops consuming
while the database is away, and on :meth:`SenderWorker.stop` finishes (or requeues) what it
holds and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pika
from pika.channel import Channel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from schemas.job import JobRejected, MailJobV1, parse_job
from schemas.tables import MailStatus
from workers.broker import names
from workers.broker.aio import (
    AioConnection,
    AsyncConfirmingPublisher,
    BrokerConnectionLost,
    open_connection,
    set_prefetch,
)
from workers.broker.connection import BrokerUnavailable
from workers.broker.publisher import PublishRefused
from workers.config.diagnosis import Step, diagnose
from workers.config.presets import PresetBook, load_presets
from workers.config.resolved import ResolvedConfig, Source
from workers.config.secrets import signing_key
from workers.config.service import resolve_for_job
from workers.correlation import envelope_sender, message_id_for
from workers.logging import get_logger
from workers.sender import failures
from workers.sender.delivery import DeliveryInfo, failed_properties, read_delivery
from workers.sender.failures import Failure, Kind
from workers.sender.mime import MimeError, build_message, envelope_recipients
from workers.sender.notices import Notice
from workers.sender.ratelimit import Limiters
from workers.sender.records import (
    Claim,
    ClaimRequest,
    Outcome,
    Resolve,
    Verdict,
    claim_jobs,
    record_outcomes,
)
from workers.sender.refusals import refusal_events
from workers.sender.retry import GiveUp, RetryPolicy
from workers.sender.smtp_pool import SmtpPools
from workers.sender.transaction import Envelope, SendFailed, send
from workers.settings import Settings
from workers.store.group_commit import DatabaseUnavailable, GroupCommitter

MAX_BACKOFF = 30.0
STABLE_CONNECTION = 30.0  # a connection that lived this long resets the reconnect backoff
MAX_RATE_WAIT = 30.0  # longer waits for a rate limit go through a retry queue
DATABASE_PING_INTERVAL = 1.0
POOL_SWEEP_INTERVAL = 15.0


@dataclass
class Generation:
    """One broker connection's consuming channel and publisher."""

    channel: Channel
    publisher: AsyncConfirmingPublisher


@dataclass
class Delivery:
    generation: Generation
    tag: int
    redelivered: bool
    properties: pika.BasicProperties
    body: bytes


@dataclass
class SenderStats:
    received: int = 0
    sent: int = 0
    duplicates: int = 0
    possible_duplicates: int = 0
    retried: int = 0
    deferred: int = 0
    dead: int = 0
    suppressed: int = 0
    requeued: int = 0
    acks_lost: int = 0
    broker_connects: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


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
        presets = self._presets = load_presets(settings.presets_file)

        def resolve_with_settings(
            session: Session, tenant: str, user: str, job_id: str
        ) -> ResolvedConfig:
            return resolve_for_job(session, settings, tenant, user, job_id, presets)

        self._claim = claim_jobs(self.resolve or resolve_with_settings, self._adapt)
        self.policy = RetryPolicy.from_settings(settings)
        self.pools = SmtpPools(settings.smtp_pool_size, self.cafile, self.local_hostname)
        self.limiters = Limiters()
        self.name = self.connection_name or f"erpmail-sender {settings.worker_name}"
        self._committer: GroupCommitter | None = None
        self._stopping = asyncio.Event()
        self._database_down = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(settings.sender_concurrency)
        self._log = get_logger(worker=settings.worker_name)
        self._verp_key: bytes | None = None

    def _adapt(self, config: ResolvedConfig, job_id: str) -> ResolvedConfig:
        """The configuration of another job of the same user: only a VERP envelope sender,
        which names its job, differs."""
        if config.sources.get("envelope_sender") != Source.DERIVED:
            return config
        if self._verp_key is None:
            self._verp_key = signing_key(self.settings.secret_key)
        verp = envelope_sender(job_id, self.settings.event_domain, self._verp_key)
        return replace(config, envelope_sender=verp)

    # -- running -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop consuming; :meth:`run` returns once what was in flight is done or requeued."""
        self._stopping.set()

    @property
    def committer(self) -> GroupCommitter:
        if self._committer is None:
            self._committer = GroupCommitter(self.engine, name="sender-db")
        return self._committer

    async def run(self) -> None:
        """Consume until :meth:`stop`; reconnect to the broker whenever it goes away."""
        backoff = 1.0
        sweeper = asyncio.ensure_future(self._sweep_pools())
        try:
            while not self._stopping.is_set():
                try:
                    connection = await open_connection(self.settings.rabbitmq_url, self.name)
                except BrokerUnavailable as error:
                    self._log.warning("broker_unavailable", error=str(error), retry_in=backoff)
                    await self._pause(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                self.stats.broker_connects += 1
                connected_at = asyncio.get_running_loop().time()
                try:
                    await self._serve(connection)
                except (BrokerConnectionLost, pika.exceptions.AMQPError) as error:
                    self._log.warning("broker_connection_lost", error=repr(error), retry_in=backoff)
                    if asyncio.get_running_loop().time() - connected_at > STABLE_CONNECTION:
                        backoff = 1.0
                    await self._pause(backoff)  # a connection that keeps failing is not hammered
                    backoff = min(backoff * 2, MAX_BACKOFF)
                finally:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), timeout=5)
        finally:
            sweeper.cancel()
            await self._drain(self.settings.shutdown_grace_seconds)
            if self._committer is not None:
                self._committer.close()
            await self.pools.close()
            self._log.info("sender_stopped", **vars(self.stats))

    async def _sweep_pools(self) -> None:
        while True:
            await asyncio.sleep(POOL_SWEEP_INTERVAL)
            await self.pools.sweep()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _serve(self, connection: AioConnection) -> None:
        channel = await connection.channel()
        lost: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

        def on_channel_close(_channel: Channel, reason: BaseException) -> None:
            if not lost.done():
                lost.set_result(reason)

        channel.add_on_close_callback(on_channel_close)
        await set_prefetch(channel, self.settings.sender_prefetch)
        publisher = await AsyncConfirmingPublisher.open(connection)
        publisher.channel.add_on_close_callback(on_channel_close)
        generation = Generation(channel, publisher)
        self._log.info("broker_connected", connection=self.name)
        while not self._stopping.is_set():
            if lost.done() or connection.closed.done():
                reason = lost.result() if lost.done() else connection.closed.result()
                raise BrokerConnectionLost(f"channel closed: {reason!r}")
            if self._database_down.is_set():
                await self._wait_for_database(lost, connection.closed)
                continue
            consumer_tag = channel.basic_consume(
                names.SEND_QUEUE,
                lambda _ch, method, properties, body: self._on_message(
                    generation, method, properties, body
                ),
            )
            self._log.info("consuming", queue=names.SEND_QUEUE)
            await _first(self._stopping.wait(), self._database_down.wait(), lost, connection.closed)
            if lost.done() or connection.closed.done():
                continue
            await _cancel_consumer(channel, consumer_tag)
            if self._database_down.is_set():
                self._log.warning("consuming_paused", reason="database unavailable")
        await self._drain(self.settings.shutdown_grace_seconds)

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
            self._log.info("database_back")

    async def _drain(self, grace: float) -> None:
        """Let in-flight jobs finish for up to ``grace`` seconds; cancel the rest (their
        messages are requeued by the broker when the connection closes)."""
        if not self._tasks:
            return
        self._log.info("draining", in_flight=len(self._tasks), grace=grace)
        _done, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)

    def _on_message(
        self, generation: Generation, method: Any, properties: pika.BasicProperties, body: bytes
    ) -> None:
        delivery = Delivery(generation, method.delivery_tag, method.redelivered, properties, body)
        task = asyncio.ensure_future(self._handle(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- one job -------------------------------------------------------------------------

    async def _handle(self, delivery: Delivery) -> None:
        async with self._slots:
            self.stats.received += 1
            if self._stopping.is_set() or self._database_down.is_set():
                self._nack(delivery)
                return
            try:
                await self._process(delivery)
            except DatabaseUnavailable:
                self._database_lost()
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

    async def _process(self, delivery: Delivery) -> None:
        info = read_delivery(delivery.properties.headers)
        now = _now()
        try:
            job = parse_job(delivery.body)
        except JobRejected as rejected:
            job_id = rejected.job_id or delivery.properties.message_id
            failure = Failure(Kind.PERMANENT, failures.INVALID, f"invalid job: {rejected}")
            await self._dead_letter(delivery, failure, info.previous_attempts, info, now)
            self._log.warning("invalid_job", job_id=job_id, error=str(rejected)[:500])
            self._ack(delivery)
            return
        job_id = str(job.job_id)
        attempt = info.attempt
        log = self._log.bind(job_id=job_id, attempt=attempt)
        try:
            recipients = envelope_recipients(job)
        except MimeError as error:
            failure = Failure(Kind.PERMANENT, failures.INVALID, f"invalid job: {error}")
            await self._give_up(delivery, job, attempt, failure, info, now, str(failure.text))
            return
        message_id = message_id_for(job_id, self.settings.event_domain)
        claim: Claim = await self.committer.submit(
            self._claim,
            ClaimRequest(
                job,
                attempt,
                tuple(recipients),
                message_id,
                self.settings.resend_interrupted,
                self.settings.sending_lease_seconds,
                info.replayed,
            ),
        )
        if claim.verdict == Verdict.DUPLICATE:
            log.info("duplicate")
            self.stats.duplicates += 1
            await self._notify(
                delivery,
                Notice(
                    names.EVENT_SENT,
                    job_id,
                    job.tenant,
                    job.user_code,
                    str(MailStatus.SENT),
                    attempt,
                    message_id=message_id,
                    smtp_response=claim.previous_response,
                ),
            )
            self._ack(delivery)
        elif claim.verdict == Verdict.SUPPRESSED:
            log.info("suppressed", recipients=sorted(claim.suppressed))
            self.stats.suppressed += 1
            await self._notify(
                delivery,
                Notice(
                    names.EVENT_FAILED,
                    job_id,
                    job.tenant,
                    job.user_code,
                    str(MailStatus.SUPPRESSED),
                    attempt,
                    message_id=message_id,
                    error_class="suppressed",
                    suppressed=tuple(sorted(claim.suppressed)),
                ),
            )
            self._ack(delivery)
        elif claim.verdict == Verdict.CONFIG_ERROR:
            failure = Failure(Kind.PERMANENT, failures.CONFIG, claim.config_error or "config")
            await self._give_up(delivery, job, attempt, failure, info, now, failure.text)
        elif claim.verdict == Verdict.BUSY:
            await self._defer(
                delivery,
                job,
                info,
                log,
                reason="busy",
                text="another attempt started less than the sending lease ago and may still "
                "be sending; looked at again later",
                wait=claim.busy_for,
            )
        elif claim.verdict == Verdict.INTERRUPTED:
            text = (
                "a previous attempt was interrupted mid-send and may have been delivered; "
                "ERPMAIL_INTERRUPTED_SEND=dead-letter forbids sending it again"
            )
            failure = Failure(Kind.PERMANENT, failures.INTERRUPTED, text)
            await self._give_up(delivery, job, attempt, failure, info, now, text)
        else:
            await self._send(delivery, job, claim, recipients, message_id, info, log)

    async def _send(
        self,
        delivery: Delivery,
        job: MailJobV1,
        claim: Claim,
        recipients: list[str],
        message_id: str,
        info: DeliveryInfo,
        log: Any,
    ) -> None:
        config = claim.config
        assert config is not None
        attempt = info.attempt
        limiter = self.limiters.get(config.endpoint.pool_key, config.rate_limit)
        wait = limiter.admit(asyncio.get_running_loop().time(), MAX_RATE_WAIT)
        if wait is None:
            await self._defer(
                delivery,
                job,
                info,
                log,
                reason="rate_limited",
                text="over the configuration's rate limit",
                wait=MAX_RATE_WAIT,
            )
            return
        if wait > 0:
            await asyncio.sleep(wait)
        if claim.possible_duplicate:
            self.stats.possible_duplicates += 1
            log.warning("resending_interrupted_job", possible_duplicate=True)
        try:
            message = build_message(
                job, from_header=config.from_header, reply_to=config.reply_to, message_id=message_id
            )
        except MimeError as error:  # the recipients passed before: the sender's address failed
            text = f"the configured sender address cannot be written: {error}"
            failure = Failure(Kind.PERMANENT, failures.CONFIG, text)
            await self._give_up(delivery, job, attempt, failure, info, _now(), text)
            return
        envelope = Envelope(config.envelope_sender, claim.recipients_to_send(recipients), message)
        remote = f"{config.endpoint.host}:{config.endpoint.port}"
        try:
            accepted = await send(self.pools.get(config.endpoint), envelope)
        except SendFailed as failed:
            failure = explain(failed, config, self._presets)
            await self._failed(delivery, job, attempt, failure, info, remote, log)
            return
        now = _now()
        events = refusal_events(
            job, accepted.refusals, attempt=attempt, remote_mta=remote, now=now.replace(tzinfo=None)
        )
        await self._record_after_send(
            Outcome(
                job,
                MailStatus.SENT,
                attempt,
                smtp_response=accepted.reply,
                events=events,
                claimed=True,
            )
        )
        self.stats.sent += 1
        await self._notify(
            delivery,
            Notice(
                names.EVENT_SENT,
                str(job.job_id),
                job.tenant,
                job.user_code,
                str(MailStatus.SENT),
                attempt,
                message_id=message_id,
                smtp_host=remote,
                smtp_response=accepted.reply,
                refused=tuple(r.recipient for r in accepted.refusals),
                suppressed=tuple(sorted(claim.suppressed)),
                possible_duplicate=claim.possible_duplicate,
            ),
        )
        self._ack(delivery)
        log.debug("sent", reply=accepted.reply)

    async def _record_after_send(self, outcome: Outcome) -> None:
        """Record a sent mail; while the database is away keep trying (the mail is out:
        giving the job back would send it twice)."""
        while True:
            try:
                await self.committer.submit(record_outcomes, outcome)
                return
            except DatabaseUnavailable:
                self._database_lost()
                if self._stopping.is_set():
                    raise
                await self._pause(DATABASE_PING_INTERVAL)

    async def _failed(
        self,
        delivery: Delivery,
        job: MailJobV1,
        attempt: int,
        failure: Failure,
        info: DeliveryInfo,
        remote: str,
        log: Any,
    ) -> None:
        now = _now()
        first_failure = info.first_failure or now
        decision = self.policy.decide(failure, attempt, first_failure, now)
        if isinstance(decision, GiveUp):
            await self._give_up(delivery, job, attempt, failure, info, now, decision.reason, remote)
            return
        properties = failed_properties(
            delivery.properties,
            attempts=attempt,
            first_failure=first_failure,
            now=now,
            error_class=failure.error_class,
            error_text=failure.text,
            worker=self.settings.worker_name,
            expiration_ms=decision.expiration_ms,
        )
        await delivery.generation.publisher.publish(
            names.RETRY_EXCHANGE, decision.routing_key, delivery.body, properties
        )
        await self.committer.submit(
            record_outcomes,
            Outcome(
                job,
                MailStatus.RETRYING,
                attempt,
                error_class=failure.error_class,
                error_text=failure.text,
                claimed=True,
            ),
        )
        self.stats.retried += 1
        log.info(
            "retry_scheduled",
            error_class=failure.error_class,
            error=failure.text[:300],
            delay_seconds=decision.delay_seconds,
        )
        self._ack(delivery)

    async def _defer(
        self,
        delivery: Delivery,
        job: MailJobV1,
        info: DeliveryInfo,
        log: Any,
        *,
        reason: str,
        text: str,
        wait: float,
    ) -> None:
        """Park the job in the retry queue that waits at least ``wait`` seconds, without
        counting an attempt (over a rate limit; another attempt may still be running)."""
        step = self.policy.shortest_step_at_least(wait)
        headers = delivery.properties.headers or {}
        properties = pika.BasicProperties(
            content_type=delivery.properties.content_type,
            content_encoding=delivery.properties.content_encoding,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=delivery.properties.message_id,
            headers={k: v for k, v in headers.items() if not k.startswith("x-death")},
        )
        await delivery.generation.publisher.publish(
            names.RETRY_EXCHANGE, str(step), delivery.body, properties
        )
        if reason != "busy":  # a busy job's row belongs to the attempt that holds it
            await self.committer.submit(
                record_outcomes,
                Outcome(
                    job,
                    MailStatus.RETRYING,
                    info.previous_attempts,
                    error_class=reason,
                    error_text=f"{text}; back in {step} s",
                ),
            )
        self.stats.deferred += 1
        log.info("deferred", reason=reason, delay_seconds=step)
        self._ack(delivery)

    async def _give_up(
        self,
        delivery: Delivery,
        job: MailJobV1,
        attempt: int,
        failure: Failure,
        info: DeliveryInfo,
        now: datetime,
        reason: str,
        remote: str | None = None,
    ) -> None:
        await self._dead_letter(delivery, failure, attempt, info, now, reason)
        events = (
            refusal_events(
                job,
                failure.refusals,
                attempt=attempt,
                remote_mta=remote or "",
                now=now.replace(tzinfo=None),
            )
            if failure.permanent and failure.refusals
            else ()
        )
        await self.committer.submit(
            record_outcomes,
            Outcome(
                job,
                MailStatus.DEAD,
                attempt,
                error_class=failure.error_class,
                error_text=reason,
                events=events,
            ),
        )
        await self._notify(
            delivery,
            Notice(
                names.EVENT_FAILED,
                str(job.job_id),
                job.tenant,
                job.user_code,
                str(MailStatus.DEAD),
                attempt,
                smtp_host=remote,
                error_class=failure.error_class,
                error_text=reason,
                refused=tuple(r.recipient for r in failure.refusals),
            ),
        )
        self._log.warning(
            "dead_lettered",
            job_id=str(job.job_id),
            attempt=attempt,
            error_class=failure.error_class,
            error=reason[:300],
        )
        self._ack(delivery)

    async def _dead_letter(
        self,
        delivery: Delivery,
        failure: Failure,
        attempts: int,
        info: DeliveryInfo,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        properties = failed_properties(
            delivery.properties,
            attempts=attempts,
            first_failure=info.first_failure or now,
            now=now,
            error_class=failure.error_class,
            error_text=reason or failure.text,
            worker=self.settings.worker_name,
        )
        await delivery.generation.publisher.publish(
            names.DEAD_EXCHANGE, failure.error_class, delivery.body, properties
        )
        self.stats.dead += 1

    async def _notify(self, delivery: Delivery, notice: Notice) -> None:
        await delivery.generation.publisher.publish(
            notice.exchange, notice.routing_key, notice.body(), notice.properties()
        )

    # -- acknowledgements and the database's health ---------------------------------------

    def _ack(self, delivery: Delivery) -> None:
        try:
            delivery.generation.channel.basic_ack(delivery.tag)
        except (pika.exceptions.AMQPError, AttributeError) as error:
            self.stats.acks_lost += 1
            self._log.warning("ack_lost", job_id=delivery.properties.message_id, error=repr(error))

    def _nack(self, delivery: Delivery) -> None:
        self.stats.requeued += 1
        with contextlib.suppress(pika.exceptions.AMQPError, AttributeError):
            delivery.generation.channel.basic_nack(delivery.tag, requeue=True)

    def _database_lost(self) -> None:
        if not self._database_down.is_set():
            self._database_down.set()
            self._log.error("database_unavailable")


_DIAGNOSIS_STEPS = {
    failures.Stage.CONNECT: Step.CONNECT,
    failures.Stage.AUTH: Step.AUTH,
    failures.Stage.MAIL: Step.MAIL_FROM,
    failures.Stage.RCPT: Step.RCPT_TO,
    failures.Stage.DATA: Step.DATA,
}


def explain(failed: SendFailed, config: ResolvedConfig, presets: PresetBook) -> Failure:
    """The failure with the configuration module's plain-words diagnosis (and the
    provider's explanation, e.g. "Gmail needs an app password") added to a permanent one."""
    failure = failed.failure
    cause = failed.__cause__
    if not failure.permanent or cause is None:
        return failure
    try:
        diagnosis = diagnose(
            cause,
            _DIAGNOSIS_STEPS.get(failure.stage) if failure.stage else None,
            endpoint=config.endpoint,
            presets=presets,
        )
    except Exception:  # an explanation is a courtesy: never lose the failure over it
        return failure
    return replace(failure, text=f"{failure.text} — {diagnosis}")


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
