"""One job, from its delivery to its ack: the sender's decisions and their order.

For each job: validate (a bad job goes to the dead-letter queue with class ``invalid``);
claim it in the database (duplicate? suppressed recipients? configuration? then ``claimed``);
build the MIME message; take a slot of the account's rate limit (over it the job waits in a
retry queue, neither failed nor counted as an attempt); send over a pooled connection, the
job marked ``sending`` once the connection is held, before the mail is written; record
the outcome; publish ``mail.sent``/``mail.failed``; ack. A failed attempt goes to a retry
queue or to the dead-letter queue (``retry``), published with confirms before the ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from schemas.job import JobRejected, MailJobV1, parse_job
from schemas.tables import MailStatus
from workers.broker import names
from workers.broker.consuming import Delivery
from workers.broker.publisher import PublishRefused
from workers.broker.routing import job_routing_key
from workers.config.display import rate_text
from workers.config.presets import PresetBook
from workers.config.resolved import ResolvedConfig
from workers.config.secrets import signing_key, verification_keys
from workers.correlation import Signer, message_id_for
from workers.dlq.letters import BROKER_PREFIX, DeadLetter
from workers.logging import log_context, mask_secrets
from workers.metrics import catalog as metrics
from workers.sender.delivery import (
    DeliveryInfo,
    deferred_properties,
    failed_properties,
    read_delivery,
)
from workers.sender.job_store import (
    ClaimRequest,
    ClaimResult,
    Hold,
    JobOutcome,
    Verdict,
    hold_jobs,
    record_if_unfinished,
    record_outcomes,
    release_claims,
)
from workers.sender.message import MimeError, build_message, envelope_recipients
from workers.sender.notices import Notice
from workers.sender.ratelimit import RATE_LIMITED, account_of, rules_for
from workers.sender.refusals import refusal_events
from workers.sender.retry import GiveUp, RetryPolicy
from workers.settings import Settings
from workers.smtp.diagnosis import diagnose
from workers.smtp.failures import ErrorClass, Failure, Kind
from workers.smtp.pool import SmtpPools
from workers.smtp.transaction import Envelope, SendFailed, send
from workers.store.group_commit import DatabaseUnavailable, GroupCommitter
from workers.store.rate_limits import RateRequest, Settle, Take, rate_requests

DATABASE_RETRY_INTERVAL = 1.0
NOTICE_RETRY_FIRST = 0.5  # mail.events full: first wait before publishing a notice again
NOTICE_RETRY_MAX = 30.0


class TakenOver(Exception):
    """The job's claim ran out while its attempt waited for a connection, and another
    attempt claimed it: this one must not send it."""


@dataclass
class _Unheld:
    """A job claimed whose attempt holds no SMTP connection yet: its claim, and its
    ``sending`` mark once started (:meth:`JobHandler._hold_early`)."""

    claim: Hold
    early: asyncio.Future[Hold | None] | None = None


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
    dead_by_broker: int = 0  # jobs RabbitMQ dead-lettered itself (delivery limit), recorded
    notices_refused: int = 0  # mail.sent/mail.failed nacked (mail.events full), kept, retried


@dataclass
class Attempt:
    """One delivery of a valid job being worked on: what its outcome is recorded, announced,
    republished and acked with."""

    delivery: Delivery
    info: DeliveryInfo
    job: MailJobV1
    message_id: str
    remote: str | None = None  # host:port of the server, once one has been talked to
    tier: str = metrics.NO_CONFIG  # the configuration's tier, once resolved (a metrics label)

    @property
    def number(self) -> int:
        """The attempt's number (1 for a new job), as the ``x-erpmail-attempt`` header counts."""
        return self.info.attempt


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobHandler:
    """What the sender does with one delivery; shared by every job of a worker process."""

    settings: Settings
    committer: GroupCommitter
    claim: Callable[[Session, list[ClaimRequest]], list[ClaimResult]]
    pools: SmtpPools
    policy: RetryPolicy
    presets: PresetBook
    stats: SenderStats
    stopping: asyncio.Event
    database_lost: Callable[[DatabaseUnavailable], None]
    log: Any
    # the jobs claimed whose attempts hold no SMTP connection yet, by the task working on each
    unheld: dict[asyncio.Task[Any], _Unheld] = field(default_factory=dict)

    @functools.cached_property
    def signer(self) -> Signer | None:
        """Signs the jobs' VERP envelope senders and digests their recipients with the
        current key, keyed once; none without a key."""
        keys = verification_keys(self.settings.secret_key)
        return Signer(keys[0]) if keys else None

    @property
    def verp_signer(self) -> Signer:
        """The signer of VERP envelope senders (the resolver has checked that there is a key
        wherever VERP applies; without one, ``signing_key`` says so)."""
        return self.signer or Signer(signing_key(self.settings.secret_key))

    async def process(self, delivery: Delivery) -> None:
        """Take ``delivery`` to its end: acked once its outcome is recorded and announced
        (raises :class:`DatabaseUnavailable` or a broker error when it cannot be: the caller
        requeues). Every line logged meanwhile, a library's too, carries the job's id and
        tenant."""
        info = read_delivery(delivery.properties.headers)
        try:
            job = parse_job(delivery.body)
        except JobRejected as rejected:
            job_id = rejected.job_id or delivery.properties.message_id
            failure = Failure(Kind.PERMANENT, ErrorClass.INVALID, f"invalid job: {rejected}")
            await self._dead_letter(delivery, info, failure, info.previous_attempts, failure.text)
            self.log.warning("invalid_job", job_id=job_id, error=str(rejected)[:500])
            self._ack(delivery)
            return
        with log_context(job_id=str(job.job_id), tenant=job.tenant, attempt=info.attempt):
            await self._process(delivery, job, info)

    async def forward_to_shard(self, delivery: Delivery) -> None:
        """With send shards, ``mail.send`` is a way in, not where jobs are sent from: a job
        there — a retry back from its retry queue (which returns every job to ``mail.send``),
        or one published without its shard's key — is published on to its sender's shard
        (with confirms, before the ack), so that the worker holding that user's connections
        sends it. A job that cannot be read is handled here: dead-lettered as invalid."""
        try:
            job = parse_job(delivery.body)
        except JobRejected:
            await self.process(delivery)
            return
        key = job_routing_key(job.tenant, job.user_code, self.settings.send_shards)
        await delivery.publisher.publish(
            names.JOBS_EXCHANGE, key, delivery.body, delivery.properties
        )
        self._ack(delivery)

    async def _process(self, delivery: Delivery, job: MailJobV1, info: DeliveryInfo) -> None:
        job_id = str(job.job_id)
        attempt = Attempt(delivery, info, job, message_id_for(job_id, self.settings.event_domain))
        try:
            recipients = envelope_recipients(job)
        except MimeError as error:
            failure = Failure(Kind.PERMANENT, ErrorClass.INVALID, f"invalid job: {error}")
            await self._give_up(attempt, failure)
            return
        claim: ClaimResult = await self.committer.submit(
            self.claim,
            ClaimRequest(
                job,
                attempt.number,
                tuple(recipients),
                attempt.message_id,
                self.settings.resend_interrupted,
                self.settings.sending_lease_seconds,
                info.replayed,
                info.possible_duplicate,
                recipient_digests=self._recipient_digests(job_id, recipients),
            ),
        )
        if claim.verdict == Verdict.DUPLICATE:
            self.log.info("duplicate", stored_status=claim.stored_status)
            self.stats.duplicates += 1
            if claim.stored_status == MailStatus.SENT:
                # mail.sent again: the attempt that sent it may have died before its notice
                await self._skip(
                    attempt, "duplicate", MailStatus.SENT, smtp_response=claim.previous_response
                )
            else:
                # bounced or delivered since, and announced as such: a mail.sent now would
                # come after it and undo it for a consumer that keeps the latest
                self._skip_silently(attempt, "duplicate")
        elif claim.verdict == Verdict.SUPPRESSED:
            self.log.info("suppressed", recipients=sorted(claim.suppressed))
            self.stats.suppressed += 1
            await self._skip(
                attempt,
                "suppressed",
                MailStatus.SUPPRESSED,
                error_class=ErrorClass.SUPPRESSED,
                suppressed=sorted(claim.suppressed),
            )
        elif claim.verdict == Verdict.CONFIG_ERROR:
            failure = Failure(Kind.PERMANENT, ErrorClass.CONFIG, claim.config_error or "config")
            await self._give_up(attempt, failure)
        elif claim.verdict == Verdict.BUSY:
            await self._defer(
                attempt,
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
            failure = Failure(Kind.PERMANENT, ErrorClass.INTERRUPTED, text)
            await self._give_up(attempt, failure)
        else:
            await self._send_claimed(attempt, claim, recipients)

    async def _send_claimed(
        self, attempt: Attempt, claim: ClaimResult, recipients: list[str]
    ) -> None:
        """:meth:`_send`; while no connection is held for it, a stopping worker cancels it
        (:meth:`give_back_unheld`) and its claim is given back: the job is ``queued`` again,
        and its delivery goes back to the broker."""
        task = asyncio.current_task()
        assert task is not None and claim.claimed_at is not None
        unheld = self.unheld[task] = _Unheld(Hold(str(attempt.job.job_id), claim.claimed_at))
        if self.stopping.is_set():
            task.cancel()  # claimed as the worker began to stop: not worth a connection
        try:
            await self._send(attempt, claim, recipients, unheld)
        except asyncio.CancelledError:
            if self.unheld.pop(task, None) is not None:  # (still no connection held)
                with contextlib.suppress(DatabaseUnavailable):  # then the lease runs out
                    mark: Hold | None = unheld.claim
                    if unheld.early is not None:  # marked sending as it neared its turn
                        mark = await asyncio.shield(unheld.early)
                    if mark is not None:
                        await self.committer.submit(release_claims, mark)
                self.log.info("claim_given_back")
            raise
        finally:
            self.unheld.pop(task, None)

    def give_back_unheld(self) -> int:
        """Cancel the jobs that hold no SMTP connection yet (the worker stops): nothing of
        theirs is on the wire, they go back to the broker unflagged. How many."""
        for task in self.unheld:
            task.cancel()
        return len(self.unheld)

    async def _send(
        self, attempt: Attempt, claim: ClaimResult, recipients: list[str], unheld: _Unheld
    ) -> None:
        config = claim.config
        assert config is not None
        attempt.tier = str(config.tier)
        job, log = attempt.job, self.log
        to_send = claim.recipients_to_send(recipients)
        go, slot = await self._rate_slot(attempt, config, len(to_send))
        if not go:
            return
        if claim.taken_over is not None:
            metrics.labelled(metrics.JOBS_TAKEN_OVER, claim.taken_over).inc()
        if claim.possible_duplicate:
            self.stats.possible_duplicates += 1
            log.warning("resending_interrupted_job", possible_duplicate=True)
        try:
            message = build_message(
                job,
                from_header=config.from_header,
                reply_to=config.reply_to,
                message_id=attempt.message_id,
            )
        except MimeError as error:  # the recipients passed before: the sender's address failed
            text = f"the configured sender address cannot be written: {error}"
            await self._give_up(attempt, Failure(Kind.PERMANENT, ErrorClass.CONFIG, text))
            return
        mail_from = config.envelope_sender or self.verp_signer.envelope_sender(
            str(job.job_id), self.settings.event_domain
        )
        envelope = Envelope(mail_from, to_send, message, crlf=True)
        attempt.remote = remote = f"{config.endpoint.host}:{config.endpoint.port}"
        hold = functools.partial(self._hold, unheld)
        near = functools.partial(self._hold_early, unheld)
        ready = functools.partial(self._held_already, unheld)
        try:
            with metrics.labelled(metrics.SEND_SECONDS, attempt.tier).time():
                pool = self.pools.get(config.endpoint)
                accepted = await send(pool, envelope, hold, near, ready)
        except SendFailed as failed:
            await self._settle(slot)
            failure = explain(failed, config, self.presets).masked(config.endpoint.password)
            await self._failed(attempt, failure)
            return
        except TakenOver:
            await self._settle(slot)
            await self._defer(
                attempt,
                reason="busy",
                text="another attempt took the job over while this one waited for an SMTP "
                "connection longer than the sending lease",
                wait=self.settings.sending_lease_seconds,
            )
            return
        await self._settle(slot)
        now = _now()
        password = config.endpoint.password
        accepted = replace(
            accepted,
            reply=mask_secrets(accepted.reply, password),
            refusals=tuple(refusal.masked(password) for refusal in accepted.refusals),
        )
        events = refusal_events(
            job,
            accepted.refusals,
            attempt=attempt.number,
            remote_mta=remote,
            now=now.replace(tzinfo=None),
        )
        await self._record_until_done(
            JobOutcome(
                job,
                MailStatus.SENT,
                attempt.number,
                smtp_response=accepted.reply,
                events=events,
                claimed=True,
            )
        )
        self.stats.sent += 1
        metrics.labelled(metrics.JOBS_SENT, attempt.tier).inc()
        await self._notify(
            attempt,
            MailStatus.SENT,
            mail_message_id=attempt.message_id,
            smtp_host=remote,
            smtp_response=accepted.reply,
            refused=[r.recipient for r in accepted.refusals],
            suppressed=sorted(claim.suppressed),
            possible_duplicate=claim.possible_duplicate,
        )
        self._ack(attempt.delivery)
        log.info("sent", smtp_host=remote, refused=len(accepted.refusals), reply=accepted.reply)

    async def _rate_slot(
        self, attempt: Attempt, config: ResolvedConfig, recipients: int
    ) -> tuple[bool, Take | None]:
        """Whether the mail may go now, and its slot of the account's rate limits (None: the
        configuration has none, and the database is not asked). It may not when it has to
        wait (the job is deferred) or can never fit (the job is dead-lettered)."""
        rules = rules_for(config.rate_limit, self.settings.rate_window_scale)
        if not rules:
            return True, None
        slot = Take(
            account_of(config.endpoint),
            rules,
            recipients,
            uuid.uuid4().hex,
            float(self.settings.sending_lease_seconds),
        )
        take: RateRequest = slot
        wait = await self.committer.submit(rate_requests, take)
        if wait == 0:
            return True, slot
        endpoint = config.endpoint
        limits = f"{endpoint.username or endpoint.host}: {rate_text(config.rate_limit)}"
        if math.isinf(wait):
            text = (
                f"{recipients} recipients are more than the rate limit allows ({limits}), "
                "so the job can never be sent under it; raise the limit "
                f"(erpmail config set {attempt.job.user_code} --tenant {attempt.job.tenant} "
                "--rate-recipients-per-day N) or send the mail as several jobs"
            )
            await self._give_up(attempt, Failure(Kind.PERMANENT, ErrorClass.CONFIG, text))
            return False, None
        await self._defer(
            attempt,
            reason=RATE_LIMITED,
            text=f"over the rate limit ({limits}): its window frees in about {wait:.0f} s",
            wait=wait,
        )
        return False, None

    async def _settle(self, slot: Take | None) -> None:
        """Count the mail of ``slot`` as sent now (the send is over, whatever its outcome)."""
        if slot is None:
            return
        try:
            settle: RateRequest = Settle(slot.account, slot.token)
            await self.committer.submit(rate_requests, settle)
        except DatabaseUnavailable as error:  # counted as sent a sending lease after its start
            self.log.warning("rate_slot_not_settled", error=str(error))

    def _hold_early(self, unheld: _Unheld) -> None:
        """The job nears its turn for an SMTP connection (among the first of the pool's
        line): its ``sending`` mark starts now, committed with the other work of the batch
        while the mails ahead of it are on the wire, instead of with a connection idling."""
        if unheld.early is None:
            unheld.early = self.committer.submit(hold_jobs, unheld.claim)

    def _held_already(self, unheld: _Unheld) -> bool:
        """Whether the job's ``sending`` mark, started as it neared its turn, is committed,
        so that the mail ahead may write its commands (workers.smtp.transaction). The
        attempt stays among those that hold no connection until :meth:`_hold`, awaited as
        its message is about to go: cancelled before, it gives its claim back, the server
        having had nothing of its message."""
        early = unheld.early
        if early is None or not early.done() or early.cancelled() or early.exception():
            return False
        return early.result() is not None  # taken over: :meth:`_hold` says so on its turn

    async def _hold(self, unheld: _Unheld) -> None:
        """Mark the job ``sending``: its attempt holds an SMTP connection and is about to
        write the mail (committed first, so that a crash from here on flags the job as
        possibly sent). Raises :class:`TakenOver` when the claim is no longer this attempt's."""
        if unheld.early is None:  # a connection was free at once: it waits for the mark
            mark = await self.committer.submit(hold_jobs, unheld.claim, urgent=True)
        else:
            if not unheld.early.done():
                self.committer.hurry()  # the connection came before the mark: it waits
            # shielded: a stop cancelling this attempt still learns the mark to give it back
            mark = await asyncio.shield(unheld.early)
        if mark is None:
            raise TakenOver(unheld.claim.job_id)
        task = asyncio.current_task()
        if task is not None:
            self.unheld.pop(task, None)

    async def _record_until_done(self, outcome: JobOutcome) -> None:
        """Record an outcome that has already happened — the mail is out, or the job's next
        copy is published to a retry or the dead-letter queue — and keep trying while the
        database is away: giving the delivery back would send the mail twice or leave two
        copies of the job."""
        while True:
            try:
                await self.committer.submit(record_outcomes, outcome)
                return
            except DatabaseUnavailable as error:
                self.database_lost(error)
                if self.stopping.is_set():
                    raise
                await _pause(self.stopping, DATABASE_RETRY_INTERVAL)

    async def _failed(self, attempt: Attempt, failure: Failure) -> None:
        metrics.labelled(metrics.JOBS_FAILED, failure.error_class, attempt.tier).inc()
        now = _now()
        first_failure = attempt.info.first_failure or now
        decision = self.policy.decide(failure, attempt.number, first_failure, now)
        if isinstance(decision, GiveUp):
            await self._give_up(attempt, failure, decision.reason)
            return
        delivery = attempt.delivery
        properties = failed_properties(
            delivery.properties,
            attempts=attempt.number,
            first_failure=first_failure,
            now=now,
            error_class=failure.error_class,
            error_text=failure.text,
            worker=self.settings.worker_name,
            expiration_ms=decision.expiration_ms,
        )
        await delivery.publisher.publish(
            names.RETRY_EXCHANGE, decision.routing_key, delivery.body, properties
        )
        await self._record_until_done(
            JobOutcome(
                attempt.job,
                MailStatus.RETRYING,
                attempt.number,
                error_class=failure.error_class,
                error_text=failure.text,
                claimed=True,
            ),
        )
        self.stats.retried += 1
        metrics.labelled(metrics.JOBS_RETRIED, failure.error_class, attempt.tier).inc()
        self.log.info(
            "retry_scheduled",
            error_class=failure.error_class,
            error=failure.text[:300],
            delay_seconds=decision.delay_seconds,
        )
        self._ack(delivery)

    async def _defer(self, attempt: Attempt, *, reason: str, text: str, wait: float) -> None:
        """Park the job for ``wait`` seconds (the message's own expiration, in the retry queue
        of the shortest step that long, or the longest) without counting an attempt (over a
        rate limit; another attempt may still be running)."""
        step = self.policy.shortest_step_at_least(wait)
        back_in = min(step, max(1, math.ceil(wait)))
        delivery = attempt.delivery
        properties = deferred_properties(delivery.properties, back_in * 1000)
        await delivery.publisher.publish(names.RETRY_EXCHANGE, str(step), delivery.body, properties)
        if reason != "busy":  # a busy job's row belongs to the attempt that holds it
            await self._record_until_done(
                JobOutcome(
                    attempt.job,
                    MailStatus.RETRYING,
                    attempt.info.previous_attempts,
                    error_class=reason,
                    error_text=f"{text}; back in {back_in} s",
                ),
            )
        self.stats.deferred += 1
        metrics.labelled(metrics.JOBS_DEFERRED, reason).inc()
        self.log.info("deferred", reason=reason, delay_seconds=back_in)
        self._ack(delivery)

    async def _give_up(self, attempt: Attempt, failure: Failure, reason: str | None = None) -> None:
        """Dead-letter the job; ``reason`` (the retry policy's, when attempts or age ran out)
        is the error text, else the failure's own."""
        now = _now()
        text = reason or failure.text
        job = attempt.job
        await self._dead_letter(
            attempt.delivery, attempt.info, failure, attempt.number, text, kind=attempt.tier
        )
        events = (
            refusal_events(
                job,
                failure.refusals,
                attempt=attempt.number,
                remote_mta=attempt.remote or "",
                now=now.replace(tzinfo=None),
            )
            if failure.permanent and failure.refusals
            else ()
        )
        await self._record_until_done(
            JobOutcome(
                job,
                MailStatus.DEAD,
                attempt.number,
                error_class=failure.error_class,
                error_text=text,
                events=events,
            ),
        )
        await self._notify(
            attempt,
            MailStatus.DEAD,
            smtp_host=attempt.remote,
            error_class=failure.error_class,
            error_text=text,
            refused=[r.recipient for r in failure.refusals],
        )
        self.log.warning(
            "dead_lettered",
            error_class=failure.error_class,
            error=text[:300],
        )
        self._ack(attempt.delivery)

    def _recipient_digests(self, job_id: str, recipients: Sequence[str]) -> str | None:
        """The recipients' keyed digests, kept with the job so that a bounce counts only
        against an address the job was sent to; none without a key (then no bounce can be
        pinned on the job at all: its VERP tag cannot be checked either)."""
        signer = self.signer
        return signer.recipient_digests(job_id, recipients) if signer is not None else None

    async def _dead_letter(
        self,
        delivery: Delivery,
        info: DeliveryInfo,
        failure: Failure,
        attempts: int,
        text: str,
        *,
        kind: str = metrics.NO_CONFIG,
    ) -> None:
        """Publish the job's message to the dead-letter queue with its history and cause."""
        now = _now()
        properties = failed_properties(
            delivery.properties,
            attempts=attempts,
            first_failure=info.first_failure or now,
            now=now,
            error_class=failure.error_class,
            error_text=text,
            worker=self.settings.worker_name,
            stage=failure.step,
        )
        await delivery.publisher.publish(
            names.DEAD_EXCHANGE, failure.error_class, delivery.body, properties
        )
        self.stats.dead += 1
        metrics.labelled(metrics.JOBS_DEAD_LETTERED, failure.error_class, kind).inc()

    async def record_dead_letter(self, delivery: Delivery) -> None:
        """A copy of a dead letter (``mail.dead.watch``). One that RabbitMQ dead-lettered
        itself (past ``mail.send``'s delivery limit: no worker could finish the job, e.g. it
        crashed each time) gets the job's row marked dead and a ``mail.failed``, like any
        other failure; a worker's own dead letters are recorded already and only acked."""
        letter = DeadLetter.from_message(
            0, delivery.properties.message_id, delivery.properties.headers, delivery.body
        )
        if not letter.error_class.startswith(BROKER_PREFIX):
            self._ack(delivery)
            return
        try:
            job = parse_job(delivery.body)
        except JobRejected as rejected:  # no tenant or user to record it under
            self.log.warning(
                "broker_dead_letter_unreadable", job_id=letter.job_id, error=str(rejected)[:300]
            )
            self._ack(delivery)
            return
        info = read_delivery(delivery.properties.headers)
        recorded = await self.committer.submit(
            record_if_unfinished,
            JobOutcome(
                job,
                MailStatus.DEAD,
                info.attempt,
                error_class=letter.error_class,
                error_text=letter.error_text,
            ),
        )
        if recorded:
            notice = Notice.for_job(
                job,
                MailStatus.DEAD,
                info.attempt,
                replay=info.replayed,
                error_class=letter.error_class,
                error_text=letter.error_text,
            )
            await self._publish_notice(delivery, notice)
        self.stats.dead_by_broker += 1
        self.log.warning(
            "dead_lettered_by_broker",
            job_id=str(job.job_id),
            error_class=letter.error_class,
            recorded=recorded,
        )
        self._ack(delivery)

    async def _skip(
        self, attempt: Attempt, reason: str, status: MailStatus, **details: Any
    ) -> None:
        """Acknowledge a job that needs no send (``reason``) once its notice is published."""
        await self._notify(attempt, status, mail_message_id=attempt.message_id, **details)
        self._skip_silently(attempt, reason)

    def _skip_silently(self, attempt: Attempt, reason: str) -> None:
        """Acknowledge a job that needs no send and no notice."""
        metrics.labelled(metrics.JOBS_SKIPPED, reason).inc()
        self._ack(attempt.delivery)

    async def _notify(self, attempt: Attempt, status: MailStatus, **details: Any) -> None:
        """Publish the notice of the attempt's job now in ``status``."""
        notice = Notice.for_job(
            attempt.job, status, attempt.number, replay=attempt.info.replayed, **details
        )
        await self._publish_notice(attempt.delivery, notice)

    async def _publish_notice(self, delivery: Delivery, notice: Notice) -> None:
        """Publish ``notice``; while the broker refuses it (``mail.events`` is full: overflow
        reject-publish), keep it and the job's delivery, and try again with backoff. Giving
        the delivery back instead would spin through redeliveries into the delivery limit.
        A worker that is stopping gives it back: the outcome is recorded, and the next
        delivery of the job (a duplicate) publishes the notice again."""
        wait = NOTICE_RETRY_FIRST
        while True:
            try:
                await delivery.publisher.publish(
                    notice.exchange, notice.routing_key, notice.body(), notice.properties()
                )
                metrics.labelled(metrics.EVENTS_PUBLISHED, notice.exchange).inc()
                return
            except PublishRefused as refused:
                metrics.labelled(metrics.EVENTS_REFUSED, notice.exchange).inc()
                if not refused.nacked or self.stopping.is_set():
                    raise
                self.stats.notices_refused += 1
                self.log.warning(
                    "event_refused",
                    job_id=notice.job_id,
                    notice=notice.event,
                    error=str(refused),
                    retry_in_seconds=wait,
                )
                await _pause(self.stopping, wait)
                wait = min(wait * 2, NOTICE_RETRY_MAX)

    def _ack(self, delivery: Delivery) -> None:
        if not delivery.ack():
            self.stats.acks_lost += 1
            self.log.warning("ack_lost", job_id=delivery.properties.message_id)


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)


def explain(failed: SendFailed, config: ResolvedConfig, presets: PresetBook) -> Failure:
    """A permanent failure told again with the server's name and the provider's explanation
    (e.g. "Gmail needs an app password") where a preset knows the reply, and the fix."""
    failure = failed.failure
    cause = failed.__cause__
    if not failure.permanent or cause is None:
        return failure
    try:
        diagnosis = diagnose(cause, failure.step, endpoint=config.endpoint, presets=presets)
    except Exception:  # an explanation is a courtesy: never lose the failure over it
        return failure
    return replace(failure, text=str(diagnosis))
