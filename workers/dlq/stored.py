"""What the store records of a dead letter's job: whether its mail already went out.

A dead letter can outlive its job's send: a replay killed between a copy's confirm and its
letter's removal leaves both (:mod:`workers.dlq.queue`), and the copy is sent. Such a letter
is shown as already sent (``dlq list``) and not replayed unless forced (``dlq replay``); the
sender would not send it twice anyway (it deduplicates on the stored state), but a replay
of it is a copy that does nothing, counted as work done.

The store is read one job at a time as the letters are read. When it cannot be read (the
database away or not answering within ``WAIT``, not migrated, or an SQLite file that is not
there) the commands say so and go on without it: the queue is the broker's, and the sender's
own check still holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
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
_TABLE = MailMessage.__table__  # type: ignore[attr-defined]
_STATUS = select(_TABLE.c.status).where(_TABLE.c.job_id == bindparam("job_id"))


class StoredJobs:
    """Looks up the stored status of letters' jobs; ``problem`` says why it cannot (then
    every job reads as not sent)."""

    def __init__(self, connection: Connection | None, problem: str | None = None) -> None:
        self._connection = connection
        self._watchdog = _Watchdog(connection)
        self.problem = problem

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
        stored.went_out("-")  # no job's id: the table is there, or ``problem`` says why not
        return stored

    def went_out(self, job_id: str | None) -> MailStatus | None:
        """The stored status of ``job_id`` when its mail already went out, else None."""
        if self._connection is None or not job_id:
            return None
        try:
            with self._watchdog.bounded():
                status = self._connection.execute(_STATUS, {"job_id": job_id}).scalar()
        except sa_exc.DBAPIError as error:  # the database went away: on without it
            self.close()
            self.problem = _words(error)
            return None
        return MailStatus(status) if status in WENT_OUT else None

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


def _words(error: sa_exc.DBAPIError) -> str:
    """The database's own first line, without the statement SQLAlchemy adds."""
    return str(error.orig or error).strip().splitlines()[0]
