"""Group commit: many coroutines' database work done in one transaction on one thread.

An asyncio worker handles hundreds of jobs at once; a commit per job would make the
database the bottleneck (and SQLite has one writer). :class:`GroupCommitter` lets work
gather for ``linger`` seconds, runs all of it in one transaction, commits, and hands each
caller its own result. Work is given as a :data:`BatchOperation` — a function
of a session and a list of items returning one result per item — so that an operation can
read and write many rows with a few statements.

When a batch fails, its items are run again one by one, so that one bad item fails alone.
When the database cannot be reached, every caller gets :class:`DatabaseUnavailable`.

The database thread sleeps ``linger`` seconds before each batch: measured on SQLite, a
batch costs a few milliseconds whatever its size, and a thread that never rests would take
the interpreter lock from the event loop for tiny batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from workers.store.engine import is_unavailable, session_scope

T = TypeVar("T")
R = TypeVar("R")

BatchOperation = Callable[[Session, list[T]], Sequence[R]]


class DatabaseUnavailable(ConnectionError):
    """The database could not be reached (or stayed locked); the work was not done."""


@dataclass
class _Work(Generic[T, R]):
    operation: BatchOperation[T, R]
    item: T
    future: asyncio.Future[R]
    loop: asyncio.AbstractEventLoop


_STOP = object()


def _select_one(session: Session, items: list[None]) -> list[None]:
    session.execute(text("SELECT 1"))
    return [None for _ in items]


class GroupCommitter:
    """Runs :data:`BatchOperation` work on a database thread, one transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        max_batch: int = 500,
        name: str = "group-commit",
        linger: float = 0.003,
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._linger = linger
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._urgent = threading.Event()
        # Work is taken in the order it was queued: a hurry is stale once all the work queued
        # before it was taken (an attempt hurries a mark that a running batch already holds),
        # and must not cut the linger of the next batch. Counts under the lock.
        self._lock = threading.Lock()
        self._queued = 0  # work queued so far
        self._taken = 0  # work taken into batches so far
        self._hurried_upto = 0  # the work queued before the last hurry
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.batches = 0
        self.items = 0

    def submit(
        self, operation: BatchOperation[T, R], item: T, urgent: bool = False
    ) -> asyncio.Future[R]:
        """Run ``operation`` on ``item`` in the next batch: queued now, the future of its
        result once committed (to await, or to keep: no task needed, as a job's early mark
        is kept). Called in the running loop. ``urgent``: someone waits on it with a
        resource in hand (an SMTP connection): the next batch starts without lingering."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        with self._lock:
            self._queue.put(_Work(operation, item, future, loop))
            self._queued += 1
        if urgent:
            self.hurry()
        return future

    def hurry(self) -> None:
        """Start the next batch without lingering: work already submitted is now urgent."""
        with self._lock:
            self._hurried_upto = self._queued
            self._urgent.set()

    async def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers."""
        await self.submit(_select_one, None)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_Work[Any, Any]] = [first]
            stop = False
            with self._lock:
                if self._hurried_upto <= self._taken:
                    self._urgent.clear()  # (stale: what it hurried is in an earlier batch)
            # let more work arrive (fewer, larger transactions) unless urgent work waits;
            # urgent work is queued before it is announced: this batch takes it
            self._urgent.wait(self._linger)
            self._urgent.clear()
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            with self._lock:
                self._taken += len(batch)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[_Work[Any, Any]]) -> None:
        try:
            results = self._transaction(batch)
        except BaseException as error:
            if is_unavailable(error) or len(batch) == 1:
                self._deliver([(work, _failure(error)) for work in batch])
                return
            outcomes: list[tuple[_Work[Any, Any], Any]] = []
            for work in batch:
                try:
                    outcomes.append((work, self._transaction([work])[0]))
                except BaseException as single_error:
                    outcomes.append((work, _failure(single_error)))
            self._deliver(outcomes)
            return
        self.batches += 1
        self.items += len(batch)
        self._deliver(list(zip(batch, results, strict=True)))

    def _transaction(self, batch: list[_Work[Any, Any]]) -> list[Any]:
        groups: dict[Any, list[int]] = {}
        for index, work in enumerate(batch):
            groups.setdefault(work.operation, []).append(index)
        results: list[Any] = [None] * len(batch)
        with session_scope(self._engine) as session:
            for operation, indexes in groups.items():
                answers = operation(session, [batch[i].item for i in indexes])
                for index, answer in zip(indexes, answers, strict=True):
                    results[index] = answer
        return results

    @staticmethod
    def _deliver(outcomes: list[tuple[_Work[Any, Any], Any]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Work[Any, Any], Any]]] = {}
        for work, outcome in outcomes:
            by_loop.setdefault(work.loop, []).append((work, outcome))
        for loop, items in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, items)


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def _failure(error: BaseException) -> _Failed:
    if is_unavailable(error):
        # the driver's own words ("no such table: …", "connection refused"): no password in them
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        return _Failed(
            DatabaseUnavailable(f"database unavailable: {error.__class__.__name__}: {detail}")
        )
    return _Failed(error)


def _settle(items: list[tuple[_Work[Any, Any], Any]]) -> None:
    for work, outcome in items:
        if work.future.done():
            continue
        if isinstance(outcome, _Failed):
            work.future.set_exception(outcome.error)
        else:
            work.future.set_result(outcome)
