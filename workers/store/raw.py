"""A batch's rows written and read with SQL written once per shape, past SQLAlchemy's
statement compilation and per-row parameter handling.

The sender's database thread writes a job's row about three times per mail (claimed,
sending, sent), batch by batch. Run through a Core statement, each batch costs a compiled
statement's execution context and every row's values passed through the statement's whole
bind machinery, which on SQLite cost more than SQLite's own work. Here the SQL of a shape
(a table and its columns) is written once per dialect and run with
``Connection.exec_driver_sql`` (SQLAlchemy's transaction, error wrapping and disconnect
handling stay as they are), and each value passes through its own column's processor only
where the column has one (text cleaning, an enumeration's value, SQLite's datetime text,
and back from SQLite's text when read), as SQLAlchemy would pass it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect

Processor = Callable[[Any], Any] | None


def _placeholder(dialect: Dialect) -> str:
    if dialect.paramstyle == "qmark":  # sqlite3
        return "?"
    if dialect.paramstyle in ("format", "pyformat"):  # psycopg, sequences of values
        return "%s"
    raise NotImplementedError(f"parameter style {dialect.paramstyle} ({dialect.name})")


@functools.cache
def _quoted_name(dialect: Dialect, name: str) -> str:
    return dialect.identifier_preparer.quote(name)


def _quoted(dialect: Dialect, names: Iterable[str]) -> str:
    """Names as the dialect writes them in SQL, quoted where they need it (a column named
    like a keyword), as SQLAlchemy's own statements would write them; comma-separated. Each
    name is quoted once per dialect: the reads and IN-list updates build their SQL a round."""
    return ", ".join(_quoted_name(dialect, name) for name in names)


class Rows:
    """Writes and reads of one table's rows, a statement per batch."""

    def __init__(self, table: Table) -> None:
        self.table = table

    @functools.cache  # noqa: B019 (one per table, module-level: kept for the process)
    def _binds(self, dialect: Dialect, columns: tuple[str, ...]) -> tuple[Processor, ...]:
        return tuple(
            _bind(self.table.c[name].type.dialect_impl(dialect), dialect) for name in columns
        )

    @functools.cache  # noqa: B019
    def _results(self, dialect: Dialect, columns: tuple[str, ...]) -> tuple[Processor, ...]:
        return tuple(
            self.table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
            for name in columns
        )

    def _values(
        self, dialect: Dialect, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        return _processed(self._binds(dialect, columns), rows)

    @functools.cache  # noqa: B019
    def _insert_sql(self, dialect: Dialect, columns: tuple[str, ...]) -> str:
        mark = _placeholder(dialect)
        return (
            f"INSERT INTO {_quoted(dialect, [self.table.name])} ({_quoted(dialect, columns)}) "
            f"VALUES ({', '.join(mark for _ in columns)})"
        )

    def insert(
        self, connection: Connection, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert ``rows``, each the values of ``columns`` in that order."""
        if rows:
            dialect = connection.dialect
            sql = self._insert_sql(dialect, columns)
            connection.exec_driver_sql(sql, self._values(dialect, columns, rows))

    @functools.cache  # noqa: B019
    def _update_sql(self, dialect: Dialect, columns: tuple[str, ...], key: str) -> str:
        mark = _placeholder(dialect)
        assignments = ", ".join(f"{_quoted(dialect, [name])} = {mark}" for name in columns)
        table, where = _quoted(dialect, [self.table.name]), _quoted(dialect, [key])
        return f"UPDATE {table} SET {assignments} WHERE {where} = {mark}"

    def update(
        self,
        connection: Connection,
        columns: tuple[str, ...],
        key: str,
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """Update the row whose ``key`` is each row's last value with its other values, those
        of ``columns`` in that order."""
        if rows:
            dialect = connection.dialect
            sql = self._update_sql(dialect, columns, key)
            connection.exec_driver_sql(sql, self._values(dialect, (*columns, key), rows))

    def update_where_in(
        self, connection: Connection, values: dict[str, Any], key: str, keys: Sequence[Any]
    ) -> None:
        """Set ``values`` on every row whose ``key`` is one of ``keys``: one statement."""
        if keys:
            dialect = connection.dialect
            columns = tuple(values)
            mark = _placeholder(dialect)
            assignments = ", ".join(f"{_quoted(dialect, [name])} = {mark}" for name in columns)
            sql = (
                f"UPDATE {_quoted(dialect, [self.table.name])} SET {assignments} "
                f"WHERE {_quoted(dialect, [key])} IN ({', '.join(mark for _ in keys)})"
            )
            (row,) = self._values(
                dialect, (*columns, *(key for _ in keys)), [(*values.values(), *keys)]
            )
            connection.exec_driver_sql(sql, row)

    def select_where_in(
        self,
        connection: Connection,
        columns: tuple[str, ...],
        key: str,
        keys: Sequence[Any],
        lock: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The ``columns`` of the rows whose ``key`` is one of ``keys``, in ``key``'s order;
        ``lock``: locked till the transaction ends (``FOR UPDATE`` where the database has
        row locks; SQLite has one writer), taken in that order, so that two processes'
        batches cannot deadlock."""
        return self.select_where_all_in(connection, columns, {key: keys}, order_by=key, lock=lock)

    def select_where_all_in(
        self,
        connection: Connection,
        columns: tuple[str, ...],
        where_in: dict[str, Sequence[Any]],
        *,
        null_or_after: tuple[str, Any] | None = None,
        order_by: str | None = None,
        lock: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The ``columns`` of the rows where each column named in ``where_in`` holds one of
        its values; with ``null_or_after`` (a column, a value), only the rows where that
        column is NULL or greater (an expiry not yet reached). ``order_by`` and ``lock`` as
        :meth:`select_where_in`."""
        if not all(where_in.values()):
            return []
        dialect = connection.dialect
        mark = _placeholder(dialect)
        conditions = [
            f"{_quoted(dialect, [name])} IN ({', '.join(mark for _ in values)})"
            for name, values in where_in.items()
        ]
        names = [name for name, values in where_in.items() for _ in values]
        values = [value for given in where_in.values() for value in given]
        if null_or_after is not None:
            name, bound = null_or_after
            column = _quoted(dialect, [name])
            conditions.append(f"({column} IS NULL OR {column} > {mark})")
            names.append(name)
            values.append(bound)
        sql = (
            f"SELECT {_quoted(dialect, columns)} FROM {_quoted(dialect, [self.table.name])} "
            f"WHERE {' AND '.join(conditions)}"
        )
        if order_by is not None:
            sql += f" ORDER BY {_quoted(dialect, [order_by])}"
        if lock and dialect.name != "sqlite":
            sql += " FOR UPDATE"
        (parameters,) = self._values(dialect, tuple(names), [values])
        rows = connection.exec_driver_sql(sql, parameters).all()
        return _processed(self._results(dialect, columns), rows)


# SQLite's DATETIME text as SQLAlchemy writes it by default: for a naive datetime it is
# isoformat's with microseconds, which C writes at a fraction of the cost of its own
# formatting of a dict (a mail's row takes several); any other value is left to it.
_SQLITE_DATETIME = sqlite.DATETIME._storage_format


def _bind(kind: Any, dialect: Dialect) -> Processor:
    process: Processor = kind.bind_processor(dialect)
    if (
        process is None
        or not isinstance(kind, sqlite.DATETIME)
        or kind._storage_format != _SQLITE_DATETIME
    ):
        return process

    def datetime_text(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return process(value)

    return datetime_text


def _processed(
    processors: tuple[Processor, ...], rows: Iterable[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Each row's values, each through its column's processor where it has one (a column
    at a time: no generator per row)."""
    columns = [(index, process) for index, process in enumerate(processors) if process]
    if not columns:
        return [tuple(row) for row in rows]
    lists = [list(row) for row in rows]
    for index, process in columns:
        for values in lists:
            value = values[index]
            if value is not None:
                values[index] = process(value)
    return [tuple(values) for values in lists]
