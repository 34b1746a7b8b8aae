"""One way to open the database, whether the embedded SQLite file or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# PostgreSQL is reached through psycopg 3, the driver erpmail installs (psycopg2 is in
# maintenance only): the URL a user writes (``postgresql://``, ``postgres://``) and the
# psycopg2 spelling older settings carry are read with it.
_POSTGRES_SPELLINGS = ("postgresql", "postgres", "postgresql+psycopg2")
POSTGRES_DRIVER = "postgresql+psycopg"


def engine_url(url: str) -> URL:
    """``url`` with the installed PostgreSQL driver named (see ``_POSTGRES_SPELLINGS``)."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_SPELLINGS:
        return parsed.set(drivername=POSTGRES_DRIVER)
    return parsed


def make_engine(url: str, wait: int | None = None) -> Engine:
    """An engine for ``url``. SQLite runs in WAL mode so that several processes can share it.

    ``wait``: seconds a connection may take to open before it fails, for a command an
    operator waits on (libpq's connect_timeout, a client setting: a server parameter such as
    statement_timeout in the startup packet is refused by PgBouncer; SQLite's lock wait).
    Without it a database that takes the connection and never answers is waited on for as
    long as the operating system keeps the connection."""
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30 if wait is None else wait})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # libpq's connect_timeout counts whole seconds, at least 2
    limits = {} if wait is None else {"connect_timeout": max(2, wait)}
    return create_engine(
        parsed, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=limits
    )


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is away (or locked), not that a statement is
    wrong: the work can be tried again later."""
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
