"""The bounce worker's loop: list → fetch → record (commit) → move → publish; then wait.

Source trouble (a server restart, the network) and database trouble are waited out with
backoff; a mail the pipeline cannot handle is recorded as ``undefined`` and filed under
Unparsed; nothing is ever deleted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext, suppress
from typing import Any

import pika.exceptions
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from workers.backoff import backoff_delays
from workers.bounces.outbox import publish_pending
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import (
    FetchedMessage,
    MailSource,
    MessageRef,
    SourceRefused,
    SourceUnavailable,
)
from workers.bounces.summary import Summary
from workers.broker import names
from workers.broker.connection import BrokerUnavailable
from workers.broker.publisher import ConfirmingPublisher, PublishRefused
from workers.logging import get_logger, log_context
from workers.metrics import catalog as metrics
from workers.metrics.http import Health
from workers.store.engine import is_unavailable


def log() -> Any:
    """The logger, bound at call time (after the CLI configured logging)."""
    return get_logger(component="bounces")


CHUNK = 25
ONCE_MAX_FAILURES = 8
# Longest wait between tries of a database that is away: it is asked again within seconds
# (a query costs nothing), so that a short blip does not leave the worker idle for the
# minute a mailbox outage may take.
DATABASE_RETRY_CAP = 5.0
MAILBOX_RETRY_CAP = 60.0


class GaveUp(RuntimeError):
    """A ``--once`` run could not reach its mailbox or database after several tries."""


class BounceWorker:
    def __init__(
        self,
        source: MailSource,
        pipeline: BouncePipeline,
        engine: Engine,
        open_publisher: Callable[[], ConfirmingPublisher] | None,
        *,
        poll_seconds: float,
        max_message_bytes: int,
        console: Console | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self._source = source
        self._pipeline = pipeline
        self._engine = engine
        self._open_publisher = open_publisher
        self._publisher: ConfirmingPublisher | None = None
        self._poll = poll_seconds
        self._max_bytes = max_message_bytes
        self._console = console
        self._sleep = sleep
        self.stopping = threading.Event()
        self.summary = Summary()
        checks = ("mailbox", "database") + (("broker",) if open_publisher else ())
        # the loop waits up to a poll interval for new mail: only a longer silence is stuck
        self.health = Health(checks, stale_after=2 * poll_seconds + 60)

    def stop(self) -> None:
        """Finish the mail in hand, then return from :meth:`run` (safe from any thread)."""
        self.stopping.set()
        self._source.wake()

    def run(self, once: bool = False) -> Summary:
        """Handle the mailbox until it is empty (``once``) or until :attr:`stopping` is set."""
        delays: Iterator[float] | None = None
        failures = 0
        done_this_run: set[str] = set()
        try:
            while not self.stopping.is_set():
                self.health.beat()
                try:
                    self._source.connect()
                    pending = self._source.pending()
                    self.health.set("mailbox", True)
                    done_this_run &= {r.id for r in pending}  # what left the mailbox is forgotten
                    refs = [r for r in pending if r.id not in done_this_run]
                    if refs:
                        done_this_run.update(self._handle_all(refs))
                    self._publish()
                    delays, failures = None, 0
                    if not refs:
                        if once:
                            break
                        self._source.wait(self._poll)
                except SourceRefused as exc:  # for good: the caller stops
                    self.health.set("mailbox", False, str(exc))
                    raise
                except (SourceUnavailable, DBAPIError) as exc:
                    self.health.set(
                        "mailbox" if isinstance(exc, SourceUnavailable) else "database",
                        False,
                        str(exc),
                    )
                    metrics.DATABASE_PAUSED.set(int(isinstance(exc, DBAPIError)))
                    failures += 1
                    if once and failures >= ONCE_MAX_FAILURES:
                        raise GaveUp(f"giving up after {failures} tries: {exc}") from None
                    cap = DATABASE_RETRY_CAP if isinstance(exc, DBAPIError) else MAILBOX_RETRY_CAP
                    delays = delays or backoff_delays(cap=cap)
                    delay = next(delays)
                    log().warning("waiting to reconnect", error=str(exc), retry_in=round(delay, 1))
                    self._sleep(delay)
        finally:
            self._publish()
            self._source.close()
            if self._publisher is not None:
                self._publisher.close()
        return self.summary

    def _progress(self, total: int) -> Progress | nullcontext[None]:
        if self._console is None or total < CHUNK:
            return nullcontext()
        return Progress(
            TextColumn("scanning {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
        )

    def _handle_all(self, refs: list[MessageRef]) -> set[str]:
        done: set[str] = set()
        with self._progress(len(refs)) as progress:
            task = (
                progress.add_task(self._source.description, total=len(refs)) if progress else None
            )
            for start in range(0, len(refs), CHUNK):
                for message in self._source.fetch(refs[start : start + CHUNK], self._max_bytes):
                    if self.stopping.is_set():
                        return done
                    self._handle(message)
                    done.add(message.ref.id)
                    if progress is not None and task is not None:
                        progress.advance(task)
                self._publish()
        return done

    def _handle(self, message: FetchedMessage) -> None:
        # every line about this mail, a library's too, names it (and its job: the pipeline)
        with log_context(mail=message.ref.id):
            self._handle_one(message)

    def _handle_one(self, message: FetchedMessage) -> None:
        try:
            handled = self._pipeline.record(message)
        except Exception as exc:
            if is_unavailable(exc):
                raise  # the database is away: back off, the mail stays where it is
            log().exception("mail could not be handled")
            try:
                handled = self._pipeline.record_failure(message, exc)
            except Exception as failure:
                if is_unavailable(failure):
                    raise
                log().exception("mail left in place")
                self.summary.failed += 1
                return
        self._source.move(message.ref, handled.destination)
        self.summary.add(handled)
        self.health.beat()
        self.health.set("database", True)
        metrics.DATABASE_PAUSED.set(0)
        metrics.BOUNCES_HANDLED.labels(
            "duplicate" if handled.duplicate else handled.kind.value
        ).inc()
        for reason in handled.reasons:
            metrics.BOUNCE_EVENTS.labels(reason).inc()
        metrics.BOUNCE_LAST_HANDLED.set_to_current_time()

    def _publish(self) -> None:
        if self._open_publisher is None:
            return
        try:
            if self._publisher is None:
                self._publisher = self._open_publisher()
            while count := publish_pending(self._engine, self._publisher):
                self.summary.published += count
                metrics.EVENTS_PUBLISHED.labels(names.EVENTS_EXCHANGE).inc(count)
            self.health.set("broker", True)
        except (BrokerUnavailable, PublishRefused, pika.exceptions.AMQPError) as exc:
            if isinstance(exc, PublishRefused):
                metrics.EVENTS_REFUSED.labels(names.EVENTS_EXCHANGE).inc()
            self.health.set("broker", False, str(exc))
            log().warning("events not published yet; they stay in the outbox", error=str(exc))
            if self._publisher is not None:
                with suppress(pika.exceptions.AMQPError):
                    self._publisher.close()
            self._publisher = None
        except DBAPIError as exc:
            log().warning("outbox not readable now; retrying later", error=str(exc))
