"""Dead letters whose job the database records as sent: a replay killed between a copy's
confirm and its letter's removal (kill -9) leaves the letter beside its copy, which is sent.
`dlq list` counts them per cause, `dlq replay` skips them unless --force, and both say how
many there were."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import sqlite3
import struct
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

from schemas.tables import MailMessage, MailStatus
from tests.dlq.test_dlq import dead_letter, run, taken
from workers.broker import names
from workers.cli.main import cli
from workers.dlq import stored as stored_module
from workers.dlq.queue import queue_depth
from workers.store import migrate
from workers.store.engine import make_engine, session_scope


def stored(engine: Engine, job_id: str, status: MailStatus) -> None:
    with session_scope(engine) as session:
        session.add(
            MailMessage(
                job_id=job_id, tenant="acme", user_code="MARI", kind="invoice", status=status
            )
        )


@pytest.fixture
def letters(
    broker: BlockingChannel,
    engine: Engine,
    database_url: str,
    erpmail_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Five dead letters of class rejected and one of class config; the database records the
    jobs of three of them as gone out (sent, bounced since, delivered since), one as dead,
    and knows nothing of the other two."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    jobs = {
        # its producer wrote the id in capitals; the sender stores a UUID's text lower-case
        "sent": dead_letter(broker, "rejected", job_id=str(uuid.uuid4()).upper()),
        "bounced": dead_letter(broker, "rejected"),
        "delivered": dead_letter(broker, "config"),
        "dead": dead_letter(broker, "rejected"),
        "unknown": dead_letter(broker, "rejected"),
        "unknown too": dead_letter(broker, "rejected"),
    }
    for name in ("sent", "bounced", "delivered", "dead"):
        stored(engine, jobs[name].lower(), MailStatus(name))
    return jobs


GONE_OUT = ("sent", "bounced", "delivered")


@contextlib.contextmanager
def store_statements() -> Iterator[list[str]]:
    """The statements every engine of this process runs on mail_messages meanwhile."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "mail_messages" in statement:
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def test_many_letters_are_looked_up_a_statement_per_batch(
    broker: BlockingChannel,
    engine: Engine,
    database_url: str,
    erpmail_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1,200 letters, the jobs of 100 of them stored sent and of the others dead (as a dead
    letter's job is): list, a dry run and a replay each read the store in a statement per
    batch of letters (and one that finds the table at the start), where a statement per
    letter was 1,201; the letters already sent are told apart all the same."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    letters = 1_200
    job_ids = [dead_letter(broker, "rejected") for _ in range(letters)]
    sent = set(job_ids[::12])
    with session_scope(engine) as session:
        for job_id in job_ids:
            status = MailStatus.SENT if job_id in sent else MailStatus.DEAD
            session.add(
                MailMessage(
                    job_id=job_id, tenant="acme", user_code="MARI", kind="invoice", status=status
                )
            )
    # a batch's statements, the last one short, and the first that finds the table; a batch
    # cut where the lanes fill before it is whole would add one
    most = 2 * math.ceil(letters / stored_module.BATCH) + 1
    with store_statements() as listing:
        listed = run("list", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["count"], row["already_sent"]) == (letters, len(sent))
    with store_statements() as planning:
        planned = json.loads(run("replay", "--all", "--dry-run", "--json").stdout)
    assert (planned["would_replay"], planned["already_sent"]) == (letters - len(sent), len(sent))
    with store_statements() as replaying:
        replayed = run("replay", "--all", "--json")
    assert replayed.exit_code == 0, replayed.output
    counts = json.loads(replayed.stdout)
    assert (counts["replayed"], counts["already_sent"]) == (letters - len(sent), len(sent))
    assert queue_depth(erpmail_env["RABBITMQ_URL"], names.SEND_QUEUE) == letters - len(sent)
    for statements in (listing, planning, replaying):
        assert 2 <= len(statements) <= most, statements


def test_a_job_looked_up_alone_keeps_the_answers_of_the_batch(
    engine: Engine, database_url: str
) -> None:
    """A job outside the last look-up is read alone, and the batch's answers stay held: its
    other jobs are not read again one statement each."""
    batch = [str(uuid.uuid4()) for _ in range(3)]
    other = str(uuid.uuid4())
    for job_id in (*batch, other):
        stored(engine, job_id, MailStatus.SENT)
    with stored_module.StoredJobs.open(database_url) as jobs:
        jobs.look_up(batch)
        with store_statements() as statements:
            assert jobs.went_out(other) is MailStatus.SENT
            assert [jobs.went_out(job_id) for job_id in batch] == [MailStatus.SENT] * 3
    assert len(statements) == 1, statements


def test_list_counts_the_letters_already_sent_per_cause(letters: dict[str, str]) -> None:
    listed = run("list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(row["error_class"], row["count"], row["already_sent"]) for row in rows] == [
        ("rejected", 5, 2),
        ("config", 1, 1),
    ]
    table = run("list")
    assert "already sent" in table.stdout
    assert "6 dead letter(s) in 2 cause(s), 3 already sent" in table.stdout
    assert "replay skips them" in table.stderr


def test_replay_skips_the_letters_already_sent_and_counts_them(
    broker: BlockingChannel, letters: dict[str, str]
) -> None:
    dry = run("replay", "--all", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert (planned["would_replay"], planned["would_skip"], planned["already_sent"]) == (3, 0, 3)
    replayed = run("replay", "--all")
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 3, skipped 0, already sent 3, failed 0, left 3" in replayed.stdout
    for name in GONE_OUT:
        assert f"skipped {letters[name]}: already sent (its job is stored {name})" in (
            replayed.stderr
        )
    sent_back = sorted(job_id for job_id, _ in taken(broker, names.SEND_QUEUE))
    assert sent_back == sorted(letters[name] for name in ("dead", "unknown", "unknown too"))
    kept = sorted(job_id for job_id, _ in taken(broker, names.DEAD_QUEUE))
    assert kept == sorted(letters[name] for name in GONE_OUT)


def test_forced_replay_takes_the_letters_already_sent_too(
    broker: BlockingChannel, letters: dict[str, str]
) -> None:
    forced = CliRunner().invoke(cli, ["dlq", "replay", "--class", "rejected", "--force", "--json"])
    assert forced.exit_code == 0, forced.output
    counts = json.loads(forced.stdout)
    assert (counts["replayed"], counts["already_sent"], counts["left"]) == (5, 0, 1)
    assert [job_id for job_id, _ in taken(broker, names.DEAD_QUEUE)] == [letters["delivered"]]


def test_without_a_database_the_commands_say_so_and_go_on(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """No database file where DATABASE_URL points (none is made there), or one without
    erpmail's tables: the list shows the count as unknown and says why, and a replay replays
    as it did before the store was read."""
    job_id = dead_letter(broker, "rejected")
    database = Path(make_url(erpmail_env["DATABASE_URL"]).database or "")
    table = run("list")
    assert table.exit_code == 0, table.output
    assert "1 dead letter(s) in 1 cause(s), already sent unknown" in table.stdout
    assert f"the store could not be read (no database file at {database})" in table.stderr
    assert not database.exists()
    sqlite3.connect(database).close()  # a database, not migrated
    [row] = [json.loads(line) for line in run("list", "--json").stdout.splitlines()]
    assert row["already_sent"] is None
    replayed = run("replay", "--all")
    assert "the store could not be read (no such table: mail_messages)" in replayed.stderr
    assert "replayed 1, skipped 0, failed 0, left 0" in replayed.stdout
    assert [sent for sent, _ in taken(broker, names.SEND_QUEUE)] == [job_id]


class _SilentDatabase:
    """A PostgreSQL server that takes the connection, reads the client's startup packet and
    never answers it (overloaded, a stuck pooler: when dead letters pile up). It declines
    TLS and GSS encryption first, as a server without them does, so that libpq sends its
    startup packet in the clear: the parameters it asks the server to set are read here."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.startups: list[bytes] = []
        self._kept: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._listener.accept()
                self._kept.append(connection)
                while True:
                    head = connection.recv(8)
                    if len(head) < 8:
                        break
                    length, code = struct.unpack("!II", head)
                    if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest (RFC-less:
                        connection.sendall(b"N")  # PostgreSQL's protocol docs, 55.2.10-11)
                        continue
                    self.startups.append(head + _read_exactly(connection, length - 8))
                    break  # and never answered

    def close(self) -> None:
        self._listener.close()
        for connection in self._kept:
            connection.close()


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := connection.recv(size - len(data))):
        data += chunk
    return data


@pytest.mark.timeout(120)
def test_a_database_that_does_not_answer_is_waited_on_briefly(
    broker: BlockingChannel, erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands go on without a database that never answers, after the wait, as when it
    is away, instead of hanging; and they ask the server to set nothing at connection (a
    statement_timeout there is refused by PgBouncer, so the store would never be read
    behind one)."""
    job_id = dead_letter(broker, "rejected")
    monkeypatch.setattr(stored_module, "WAIT", 2)
    silent = _SilentDatabase()
    try:
        monkeypatch.setenv("DATABASE_URL", f"postgresql://erpmail@127.0.0.1:{silent.port}/erpmail")
        table = run("list")
        replayed = run("replay", "--all")
    finally:
        silent.close()
    assert table.exit_code == 0, table.output
    assert "1 dead letter(s) in 1 cause(s), already sent unknown" in table.stdout
    assert "the store could not be read (" in table.stderr
    assert "timeout" in table.stderr
    assert "replayed 1, skipped 0, failed 0, left 0" in replayed.stdout
    assert [sent for sent, _ in taken(broker, names.SEND_QUEUE)] == [job_id]
    assert len(silent.startups) >= 2  # one per command, each its startup packet
    for startup in silent.startups:
        assert b"user\x00erpmail\x00" in startup
        assert b"options" not in startup


@pytest.mark.timeout(120)
def test_a_look_up_the_database_does_not_answer_is_cancelled_after_the_wait(
    broker: BlockingChannel,
    postgres_url: str,
    erpmail_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database that answers the connection and then not a look-up (here: the table
    locked by another session): the look-up is cancelled after the wait and the commands
    go on without the store."""
    migrate.upgrade(postgres_url)
    dead_letter(broker, "rejected")
    monkeypatch.setattr(stored_module, "WAIT", 1)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    locker = make_engine(postgres_url)
    try:
        with locker.connect() as connection, connection.begin():
            connection.execute(text("LOCK TABLE mail_messages IN ACCESS EXCLUSIVE MODE"))
            table = run("list")
    finally:
        locker.dispose()
    assert table.exit_code == 0, table.output
    assert "1 dead letter(s) in 1 cause(s), already sent unknown" in table.stdout
    assert "the store could not be read (canceling statement due to user request)" in (table.stderr)
