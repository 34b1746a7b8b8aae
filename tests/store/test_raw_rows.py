"""Rows written past SQLAlchemy's statements (workers.store.raw) are stored as SQLAlchemy
stores them: the readers of the tables (the story, the retention, the bounce pipeline) go
through SQLAlchemy and compare times as SQLite's text."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlmodel import Session

from schemas.tables import MailMessage, MailStatus
from workers.store import migrate
from workers.store.engine import make_engine, session_scope
from workers.store.raw import Rows

ROWS = Rows(MailMessage.__table__)  # type: ignore[attr-defined]
TIMES = (
    datetime(2026, 12, 7, 18, 1, 2, 345678),
    datetime(2026, 12, 7, 18, 1, 2),  # no microseconds: SQLAlchemy still writes six zeros
    datetime(999, 1, 2, 3, 4, 5, 6),
    datetime(2026, 12, 7, 18, 1, 2, 7, tzinfo=UTC),  # (its zone dropped, as SQLAlchemy does)
)


def test_sqlite_keeps_the_same_text_of_a_time_written_either_way(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    columns = (
        "job_id",
        "tenant",
        "user_code",
        "kind",
        "status",
        "attempts",
        "possible_duplicate",
        "replayed",
        "created_at",
        "updated_at",
    )
    with session_scope(engine) as session:
        for n, at in enumerate(TIMES):
            session.add(
                MailMessage(
                    job_id=f"orm-{n}",
                    tenant="acme",
                    user_code="MARI",
                    kind="invoice",
                    status=MailStatus.SENT,
                    created_at=at,
                    updated_at=at,
                )
            )
        rows = [
            (f"raw-{n}", "acme", "MARI", "invoice", MailStatus.SENT, 1, False, 0, at, at)
            for n, at in enumerate(TIMES)
        ]
        ROWS.insert(session.connection(), columns, rows)
    with Session(engine) as session:
        query = text("SELECT job_id, created_at || '|' || status FROM mail_messages")
        stored: dict[str, str] = {job_id: value for job_id, value in session.execute(query)}
        read = ROWS.select_where_in(
            session.connection(), ("job_id", "created_at"), "job_id", sorted(stored)
        )
    engine.dispose()
    for n in range(len(TIMES)):
        assert stored[f"raw-{n}"] == stored[f"orm-{n}"]
    assert stored["orm-1"] == "2026-12-07 18:01:02.000000|sent"
    by_id = dict(read)
    assert [by_id[f"raw-{n}"] for n in range(len(TIMES))] == [
        at.replace(tzinfo=None) for at in TIMES
    ]


def test_names_that_are_keywords_are_quoted_on_both_databases(database_url: str) -> None:
    """A column named like an SQL keyword ("order", "user") is written quoted, as
    SQLAlchemy's own statements write it: the raw path works for any table."""
    metadata = MetaData()
    table = Table(
        "order",
        metadata,
        Column("user", String(20), primary_key=True),
        Column("select", Integer, nullable=False),
    )
    engine = make_engine(database_url)
    metadata.create_all(engine)
    rows = Rows(table)
    with engine.begin() as connection:
        rows.insert(connection, ("user", "select"), [("anna", 1), ("bob", 2)])
        rows.update(connection, ("select",), "user", [(3, "anna")])
        rows.update_where_in(connection, {"select": 4}, "user", ["bob"])
        found = rows.select_where_in(connection, ("user", "select"), "user", ["anna", "bob"])
    assert found == [("anna", 3), ("bob", 4)]
