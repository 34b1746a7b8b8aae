"""What goes wrong around a command, said in one sentence with the fix, and its exit status.

Every `erpmail` command runs inside :func:`explained`: a broker that cannot be reached or
refuses, erpmail's topology missing from the vhost, a database that is away or not migrated,
a file that cannot be read — each ends the command with one line on stderr and the status
below (the README lists them), never a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import IntEnum
from typing import Any

import click


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1  # the command did its work and reports a failure (an input refused, ...)
    USAGE = 2  # a bad option or argument, a missing or unreadable file
    NOTHING_SELECTED = 3  # a selection (dlq) matched nothing
    BROKER = 4  # RabbitMQ unreachable, or refusing the login or the vhost
    TOPOLOGY = 5  # erpmail's exchanges and queues are not declared in the vhost
    DATABASE = 6  # the database is unreachable
    NOT_MIGRATED = 7  # the database has not got erpmail's tables (or not the latest)


class Explained(click.ClickException):
    """A failure around the command, already worded for the person who ran it."""

    def __init__(self, message: str, status: ExitStatus) -> None:
        super().__init__(message)
        self.status = status
        # click reads the status from this attribute, declared on the class for its default
        self.exit_code = int(status)  # type: ignore[misc]

    def format_message(self) -> str:
        # the words of a server (the broker's, the database's) may hold control characters
        from workers.terminal import plain  # (rich: only when a failure is shown)

        return plain(super().format_message())


# What PostgreSQL (SQLSTATE) and SQLite say when a table or a column is missing.
_MISSING_OBJECT_CODES = ("42P01", "42703")
_MISSING_OBJECT_WORDS = ("no such table", "no such column", "has no column named")
_MIGRATE = "run `erpmail db upgrade` (with the same DATABASE_URL)"


def _loaded(module: str) -> Any:
    """``module`` when a command has imported it, else None: an error of a library the command
    never loaded cannot have happened, and a quick command does not pay for importing it."""
    return sys.modules.get(module)


def explain(error: BaseException) -> Explained | None:
    """``error`` as one sentence with the fix, or None when it is not one of these failures."""
    pika_errors = _loaded("pika.exceptions")
    if pika_errors is not None:
        if isinstance(error, pika_errors.ChannelClosedByBroker) and error.reply_code == 404:
            return Explained(
                f"RabbitMQ has no {_object_named(error.reply_text)}: erpmail's topology is not "
                "declared in this vhost; run `erpmail topology declare` (same RABBITMQ_URL)",
                ExitStatus.TOPOLOGY,
            )
        if isinstance(error, pika_errors.ChannelClosedByBroker) and error.reply_code == 403:
            return Explained(
                f"RabbitMQ refused: {error.reply_text}; give the user of RABBITMQ_URL "
                "configure, write and read rights on the vhost (rabbitmqctl set_permissions)",
                ExitStatus.BROKER,
            )
        if isinstance(error, pika_errors.AMQPConnectionError):
            return Explained(
                f"cannot use RabbitMQ: {_pika_words(pika_errors, error)}; {_BROKER_FIX}",
                ExitStatus.BROKER,
            )
    broker = _loaded("workers.broker.connection")
    if broker is not None and isinstance(error, broker.BrokerUnavailable):
        return Explained(f"{error}; {_BROKER_FIX}", ExitStatus.BROKER)
    publisher = _loaded("workers.broker.publisher")
    if publisher is not None and isinstance(error, publisher.TopologyMissing):
        return Explained(str(error), ExitStatus.TOPOLOGY)
    if publisher is not None and isinstance(error, publisher.PublishRefused):
        return Explained(f"{error}; see the broker's log for why", ExitStatus.BROKER)
    sa_errors = _loaded("sqlalchemy.exc")
    if sa_errors is not None and isinstance(error, sa_errors.DBAPIError):
        return _database(sa_errors, error)
    store = _loaded("workers.store.group_commit")
    if store is not None and isinstance(error, store.DatabaseUnavailable):
        return Explained(f"{error}; {_DATABASE_FIX}", ExitStatus.DATABASE)
    if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
        where = f" {error.filename}" if error.filename else ""
        return Explained(
            f"cannot read{where}: {error.strerror or error}; check the path and its permissions",
            ExitStatus.USAGE,
        )
    return None


_BROKER_FIX = (
    "check RABBITMQ_URL (host, port, user, password, vhost: the vhost must exist and the user "
    "have rights on it) and that RabbitMQ runs (`make services` starts a local one)"
)
_DATABASE_FIX = "check DATABASE_URL and that the database server runs (`make services`)"


def _database(sa_errors: Any, error: Any) -> Explained | None:
    words = " ".join(str(error.orig).split()) if error.orig is not None else str(error)
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _MISSING_OBJECT_CODES or any(w in words.lower() for w in _MISSING_OBJECT_WORDS):
        return Explained(
            f"the database is not migrated ({words}); {_MIGRATE}", ExitStatus.NOT_MIGRATED
        )
    if isinstance(error, sa_errors.OperationalError | sa_errors.InterfaceError):
        return Explained(
            f"the database is unavailable ({words}); {_DATABASE_FIX}", ExitStatus.DATABASE
        )
    return None


def _object_named(reply_text: str) -> str:
    # "NOT_FOUND - no queue 'mail.dead' in vhost 'x'" -> "queue 'mail.dead' in vhost 'x'"
    _, _, rest = reply_text.partition(" - no ")
    return rest or reply_text


def _pika_words(pika_errors: Any, error: Any) -> str:
    if isinstance(error, pika_errors.ProbableAuthenticationError):
        return "the user name or password was refused"
    if isinstance(error, pika_errors.ProbableAccessDeniedError):
        return "access to the vhost was refused (it may not exist)"
    if isinstance(error, pika_errors.ConnectionClosedByBroker):
        return f"the broker closed the connection ({error.reply_code} {error.reply_text})"
    return repr(error)


@contextlib.contextmanager
def explained() -> Iterator[None]:
    """Turn the failures :func:`explain` knows into :class:`Explained`; others pass."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as error:
        failure = explain(error)
        if failure is None:
            raise
        raise failure from None
