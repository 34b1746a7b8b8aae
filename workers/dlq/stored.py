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

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from schemas.tables import WENT_OUT, MailMessage, MailStatus
from workers.store.engine import make_engine

# seconds the store may take to connect or to answer a look-up before the commands go on
# without it: an operator's command must not hang on a database that does not answer
WAIT = 5
_TABLE = MailMessage.__table__  # type: ignore[attr-defined]
_STATUS = select(_TABLE.c.status).where(_TABLE.c.job_id == bindparam("job_id"))


class StoredJobs:
    """Looks up the stored status of letters' jobs; ``problem`` says why it cannot (then
    every job reads as not sent)."""

    def __init__(self, connection: Connection | None, problem: str | None = None) -> None:
        self._connection = connection
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
            status = self._connection.execute(_STATUS, {"job_id": job_id}).scalar()
        except sa_exc.DBAPIError as error:  # the database went away: on without it
            self.close()
            self.problem = _words(error)
            return None
        return MailStatus(status) if status in WENT_OUT else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _words(error: sa_exc.DBAPIError) -> str:
    """The database's own first line, without the statement SQLAlchemy adds."""
    return str(error.orig or error).strip().splitlines()[0]
