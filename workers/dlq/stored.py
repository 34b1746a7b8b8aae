"""What the store records of a dead letter's job: whether its mail already went out.

A dead letter can outlive its job's send: a replay killed between a copy's confirm and its
letter's removal leaves both (:mod:`workers.dlq.queue`), and the copy is sent. Such a letter
is shown as already sent (``dlq list``) and not replayed unless forced (``dlq replay``); the
sender would not send it twice anyway (it deduplicates on the stored state), but a replay
of it is a copy that does nothing, counted as work done.

The store is read as the letters are read, a statement for up to ``BATCH`` of them
(``look_up``, which the walk calls before it decides them: ``workers.dlq.queue``), each
statement bounded by the watchdog. When it cannot be read (the database away or not
answering within ``WAIT``, not migrated, or an SQLite file that is not there) the commands
say so and go on without it: the queue is the broker's, and the sender's own check still
holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from schemas.tables import WENT_OUT, MailMessage, MailStatus
from workers.store.engine import make_engine

# seconds the store may take to connect, or to answer a look-up, before the commands go on
# without it: an operator's command must not hang on a database that does not answer
WAIT = 5
# jobs a statement looks up at most: a statement per letter cost seconds for a queue of
# thousands on a busy server (bench.dlq --database), and its parameters stay well within
# SQLite's and PostgreSQL's limits
BATCH = 500
_TABLE = MailMessage.__table__  # type: ignore[attr-defined]
_STATUSES = select(_TABLE.c.job_id, _TABLE.c.status).where(
    _TABLE.c.job_id.in_(bindparam("job_ids", expanding=True))
)


class StoredJobs:
    """Looks up the stored status of letters' jobs; ``problem`` says why it cannot (then
    every job reads as not sent)."""

    def __init__(self, connection: Connection | None, problem: str | None = None) -> None:
        self._connection = connection
        self._watchdog = _Watchdog(connection)
        self.problem = problem
        self._asked: set[str] = set()  # the jobs of the last look-up
        self._gone: dict[str, MailStatus] = {}  # those of them whose mail went out

    @classmethod
    @contextmanager
    def open(cls, database_url: str) -> Iterator[StoredJobs]:
        url = make_url(database_url)
        path = url.database or ":memory:"
        sqlite_file = url.get_backend_name() == "sqlite" and path != ":memory:"
        if sqlite_file and not Path(path).exists():  # opening it would make an empty database
            yield cls(None, f"no database file at {path}")
            return
        engine = make_engine(database_url, wait=WAIT)
        try:
            stored = cls._connect(engine)
            try:
                yield stored
            finally:
                stored.close()
        finally:
            engine.dispose()

    @classmethod
    def _connect(cls, engine: Engine) -> StoredJobs:
        try:
            # each look-up its own statement: no transaction held open through a walk
            connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa_exc.DBAPIError as error:
            return cls(None, _words(error))
        stored = cls(connection)
        stored.look_up(["-"])  # no job's id: the table is there, or ``problem`` says why not
        return stored

    def look_up(self, job_ids: Iterable[str | None]) -> None:
        """Reads the stored status of these jobs, a statement per ``BATCH`` of them, each
        within the watchdog's bound; ``went_out`` answers for them from what was read, until
        the next look-up (only one batch of letters' answers is held)."""
        asked = sorted({_key(job_id) for job_id in job_ids if job_id and _storable(job_id)})
        self._asked, self._gone = set(asked), {}
        self._read(asked)

    def _read(self, asked: list[str]) -> None:
        """Adds the jobs of ``asked`` whose mail went out to ``_gone``."""
        for start in range(0, len(asked), BATCH):
            if self._connection is None:
                return
            chunk = asked[start : start + BATCH]
            try:
                with self._watchdog.bounded():
                    rows = self._connection.execute(_STATUSES, {"job_ids": chunk}).all()
            except sa_exc.DBAPIError as error:  # the database went away: on without it
                self.close()
                self.problem = _words(error)
                return
            self._gone.update(
                (job_id, MailStatus(status)) for job_id, status in rows if status in WENT_OUT
            )

    def went_out(self, job_id: str | None) -> MailStatus | None:
        """The stored status of ``job_id`` when its mail already went out, else None; a job
        not in the last look-up is looked up alone, beside the answers held."""
        if self._connection is None or not job_id or not _storable(job_id):
            return None
        key = _key(job_id)
        if key not in self._asked:
            self._asked.add(key)
            self._read([key])
        return self._gone.get(key)

    def close(self) -> None:
        self._watchdog.stop()
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _Watchdog:
    """Cancels a look-up still running ``WAIT`` seconds after it started, from a thread of
    its own (psycopg's cancel request; PgBouncer passes it on). The bound is the client's:
    a statement_timeout sent with the connection is refused by PgBouncer, and one set per
    look-up costs three more round trips. SQLite's look-ups wait on a lock, which its own
    timeout bounds: no thread is started for them."""

    def __init__(self, connection: Connection | None) -> None:
        self._cancel: Callable[[], None] | None = None
        if connection is not None and connection.dialect.name == "postgresql":
            self._cancel = connection.connection.dbapi_connection.cancel  # type: ignore[union-attr]
        self._deadline: float | None = None
        self._stopped = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextmanager
    def bounded(self) -> Iterator[None]:
        if self._cancel is None:
            yield
            return
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True)
                self._thread.start()
            self._deadline = time.monotonic() + WAIT
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._deadline = None

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify()

    def _watch(self) -> None:
        with self._changed:
            while not self._stopped:
                if self._deadline is None:
                    self._changed.wait()
                elif (left := self._deadline - time.monotonic()) > 0:
                    self._changed.wait(left)
                else:
                    self._deadline = None
                    assert self._cancel is not None
                    self._cancel()  # the look-up fails with QueryCanceled


def _key(job_id: str) -> str:
    """The form the sender stores a job id in: a UUID's text is lower-case (``str(UUID)``),
    whatever case its producer wrote it in."""
    return job_id.lower()


def _storable(job_id: str) -> bool:
    """Whether a row could have this job id: one longer than the column, or with a NUL
    (which PostgreSQL refuses in text, failing the whole statement), was never stored."""
    return len(job_id) <= _TABLE.c.job_id.type.length and "\x00" not in job_id


def _words(error: sa_exc.DBAPIError) -> str:
    """The database's own first line, without the statement SQLAlchemy adds."""
    return str(error.orig or error).strip().splitlines()[0]
