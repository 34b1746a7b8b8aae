"""Text from outside reaches the operator's terminal as text (issue 12, point 2).

A bounce, a dead letter, a server reply or a stored field may hold rich markup (``[/x]``
crashed every table with MarkupError, ``[link=...]`` made a clickable link) and terminal
escape sequences (a window title, a cleared screen). Each command that prints a table or
lines from outside is fed all of them here: it must succeed, show the brackets as they are,
and let no control character through.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pika
import pytest
from click.testing import CliRunner, Result
from pika.adapters.blocking_connection import BlockingChannel

from schemas.tables import MailMessage, MailStatus, Suppression
from schemas.values import TlsMode
from tests.certificates import Authority
from tests.dsn.mails import dsn
from tests.events import hard_bounce
from tests.smtp_servers import smtp_server
from workers.broker import names
from workers.cli.main import cli
from workers.store import migrate
from workers.store.engine import make_engine, session_scope
from workers.terminal import cell, clipped, markup, plain

CLOSE_TAG = "[/x]"
LINK = "[link=https://evil.example/]click me[/link]"
TITLE = "\x1b]0;pwned\x07"  # sets the terminal window's title
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
C1_CSI = "\x9b31m"  # CSI as one C1 character
BIDI = "\u202egnp.exe"  # right-to-left override: shows as exe.png
HOSTILE = f"{CLOSE_TAG} {LINK} {TITLE}{CLEAR}{C1_CSI} {BIDI}"
ACTING = ("\x1b", "\x07", "\x9b", "\u202e")


def assert_shown_safely(result: Result, *, exit_code: int = 0) -> str:
    everything = result.stdout + result.stderr
    assert result.exit_code == exit_code, everything + repr(result.exception)
    for char in ACTING:
        assert char not in everything, f"{char!r} reached the terminal:\n{everything}"
    assert CLOSE_TAG in everything, everything  # shown as it is, not swallowed as markup
    return everything


def shown_as_json(result: Result) -> list[Any]:
    """The JSON a command printed, one value a line: json escapes C0 controls itself but
    leaves C1 and the bidirectional overrides as they are (ensure_ascii off), so they
    reached the terminal raw."""
    assert_shown_safely(result)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_one_function_makes_controls_visible_and_markup_inert() -> None:
    assert plain("a\x1b[2Jb\x07\x00") == "a\u241b[2Jb\u2407\u2400"
    assert plain("\x9b31m\u202e") == "\\x9b31m\\u202e"
    assert plain("line one\nline two\tcolumn") == "line one\nline two\tcolumn"
    assert markup(LINK) == "\\[link=https://evil.example/]click me\\[/link]"
    rendered = cell(HOSTILE)
    assert rendered.plain == plain(HOSTILE) and not rendered.spans


@pytest.fixture
def database(erpmail_env: dict[str, str]) -> str:
    url = erpmail_env["DATABASE_URL"]
    migrate.upgrade(url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "250"})


def test_events_list_and_its_counts_by_reason(database: str) -> None:
    engine = make_engine(database)
    with session_scope(engine) as session:
        session.add(
            hard_bounce(
                bounce_key="k1",
                tenant="acme",
                recipient=f"{CLOSE_TAG}{TITLE}@example.ee",
                status="5.1.1",
                reason=f"{CLOSE_TAG}{CLEAR}",
                diagnostic=HOSTILE,
                received_at=datetime(2026, 11, 1, 12, 0),
            )
        )
    engine.dispose()
    assert_shown_safely(run("events", "list"))
    assert_shown_safely(run("events", "list", "--by-reason"))
    [event] = shown_as_json(run("events", "list", "--json"))
    assert event["diagnostic"] == HOSTILE


def dead_job(database: str, error_text: str, bounces: int = 1) -> str:
    """A dead job whose error and bounces' diagnostics are ``error_text``; its id."""
    job_id = str(uuid.uuid4())
    engine = make_engine(database)
    with session_scope(engine) as session:
        session.add(
            MailMessage(
                job_id=job_id,
                tenant="acme",
                user_code="MARI",
                kind="invoice",
                status=MailStatus.DEAD,
                error_class="rejected",
                error_text=error_text,
            )
        )
        for number in range(bounces):
            session.add(
                hard_bounce(
                    source="smtp",
                    bounce_key=f"smtp:{job_id}:{number}",
                    job_id=job_id,
                    tenant="acme",
                    verified=True,
                    recipient="x@example.ee",
                    diagnostic=error_text,
                )
            )
    engine.dispose()
    return job_id


def test_job_show(database: str) -> None:
    job_id = dead_job(database, HOSTILE)
    assert_shown_safely(run("job", "show", job_id))
    [story] = shown_as_json(run("job", "show", job_id, "--json"))
    assert story["job"]["error_text"] == HOSTILE


def test_job_show_cuts_a_long_value_with_a_marker_and_json_has_it_whole(database: str) -> None:
    """A 100 KB server reply: every row of a table is padded to its longest cell, so shown
    whole it made megabytes of blanks. Cut (controls escaped in what is kept, a cut never
    splitting an escape), it names how much was left out; --json has it all."""
    long_error = HOSTILE + "550 " + "x" * 100_000 + TITLE
    job_id = dead_job(database, long_error, bounces=20)
    output = assert_shown_safely(run("job", "show", job_id))
    assert len(output) < 100_000, len(output)
    assert "characters cut; --json shows all" in output
    assert plain(HOSTILE) in output  # the start is kept, escaped
    [story] = shown_as_json(run("job", "show", job_id, "--json"))
    assert story["job"]["error_text"] == long_error


def test_a_cut_keeps_whole_characters_and_escapes() -> None:
    assert clipped("abc", 3) == "abc"
    assert clipped("abcd", 3) == "abc… (1 of 4 characters cut; --json shows all)"
    # the cut is made before escaping: what is kept is escaped whole, never half an escape
    assert plain(clipped("ab\x1b[2J", 3)).startswith("ab\u241b… ")


LONG = HOSTILE + "550 " + "x" * 40_000 + TITLE  # two in a letter's headers fit a frame
CUT = "characters cut; --json shows all"


def test_the_lists_cut_a_long_value_saying_so_and_json_has_it_whole(
    database: str, broker: BlockingChannel
) -> None:
    """events list, suppression list and dlq list, each fed a 40 KB value where one can be
    (a diagnostic, a suppression's detail, a dead letter's class and error): a table pads
    every row to its longest cell, and a value cut without a word looked whole."""
    engine = make_engine(database)
    with session_scope(engine) as session:
        for number in range(20):
            session.add(
                hard_bounce(
                    bounce_key=f"long-{number}",
                    tenant="acme",
                    recipient=f"r{number}@example.ee",
                    diagnostic=LONG,
                )
            )
        session.add(Suppression(tenant="acme", address="x@example.ee", reason="hard", detail=LONG))
    engine.dispose()
    for number in range(20):
        broker.basic_publish(
            names.DEAD_EXCHANGE,
            "",
            b"{}",
            pika.BasicProperties(
                message_id=str(uuid.uuid4()),
                headers={
                    names.HEADER_ERROR_CLASS: f"{number}{LONG}",
                    names.HEADER_ERROR_TEXT: LONG,
                },
                delivery_mode=2,
            ),
        )
    for command, whole, marker in (
        # events list shows a diagnostic's start, in a column of 50 that ends it with "…"
        (("events", "list"), "diagnostic", "…"),
        (("suppression", "list"), "detail", CUT),
        (("dlq", "list"), "sample_error", CUT),
    ):
        output = assert_shown_safely(run(*command))
        assert len(output) < 100_000, (command, len(output))
        assert marker in output, command
        assert plain(HOSTILE)[:40] in output, command  # the start is kept, escaped
        rows = shown_as_json(run(*command, "--json"))
        assert rows and all(row[whole] == LONG for row in rows), command
    groups = shown_as_json(run("dlq", "list", "--json"))
    assert {group["error_class"] for group in groups} == {f"{n}{LONG}" for n in range(20)}


def test_suppression_list_add_and_remove(database: str) -> None:
    engine = make_engine(database)
    with session_scope(engine) as session:
        session.add(
            Suppression(tenant="acme", address="x@example.ee", reason="hard", detail=HOSTILE)
        )
    engine.dispose()
    assert_shown_safely(run("suppression", "list"))
    [row] = shown_as_json(run("suppression", "list", "--json"))
    assert row["detail"] == HOSTILE
    address = f"{CLOSE_TAG}{TITLE}@example.ee"
    # refused as no address (the job schema's rule), and the refusal shows it safely
    assert_shown_safely(run("suppression", "add", address, "--tenant", "acme"), exit_code=2)
    assert_shown_safely(run("suppression", "remove", address, "--tenant", "acme"), exit_code=2)


def test_dsn_parse(tmp_path: Path) -> None:
    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(dsn([("mari@example.ee", "5.1.1", f"550 5.1.1 {HOSTILE}")]))
    output = assert_shown_safely(run("dsn", "parse", str(bounce)))
    assert "mari@example.ee" in output
    [report] = shown_as_json(run("dsn", "parse", "--json", str(bounce)))
    assert HOSTILE.split()[-1] in report["recipients"][0]["diagnostic"]


def test_dlq_list_and_replay(broker: BlockingChannel, erpmail_env: dict[str, str]) -> None:
    job_id = f"{CLOSE_TAG}{TITLE}"
    headers = {
        names.HEADER_ERROR_CLASS: f"{CLOSE_TAG}{CLEAR}",
        names.HEADER_ERROR_TEXT: HOSTILE,
        names.HEADER_REPLAYED: 3,
    }
    broker.basic_publish(
        names.DEAD_EXCHANGE,
        "",
        json.dumps({"job_id": job_id}).encode(),
        pika.BasicProperties(message_id=job_id, headers=headers, delivery_mode=2),
    )
    assert_shown_safely(run("dlq", "list"))
    [group] = shown_as_json(run("dlq", "list", "--json"))
    assert group["sample_error"] == HOSTILE
    [exported] = shown_as_json(run("dlq", "export"))
    assert exported["error_text"] == HOSTILE
    assert_shown_safely(run("dlq", "show", job_id))
    assert_shown_safely(run("dlq", "replay", "--all"))
    # a job id given on the command line is said back in the refusal
    assert_shown_safely(run("dlq", "show", HOSTILE), exit_code=3)
    assert_shown_safely(run("dlq", "replay", "--job", HOSTILE, "--dry-run"), exit_code=3)


def test_status_dead_letters_by_class(
    broker: BlockingChannel, erpmail_env: dict[str, str], database: str
) -> None:
    """The classes of the dead letters are the headers' words: status printed them raw."""
    broker.basic_publish(
        names.DEAD_EXCHANGE,
        "",
        b"{}",
        pika.BasicProperties(
            message_id="j-1", headers={names.HEADER_ERROR_CLASS: HOSTILE}, delivery_mode=2
        ),
    )
    output = assert_shown_safely(run("status"))
    assert f"dead letters by class: {plain(HOSTILE)} 1" in output


def test_enqueue_refusals(erpmail_env: dict[str, str], tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"schema_version": 1, "job_id": HOSTILE}) + "\n")
    assert_shown_safely(run("enqueue", str(jobs)), exit_code=1)


@pytest.fixture
def hostile_server(
    database: str, trust_test_ca: Authority, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A server whose refusal of a login carries the hostile text, as MARI's card."""
    monkeypatch.setenv("ERPMAIL_TENANT", "acme")
    accounts = {"mari@acme.ee": "the-Right-Password"}
    reply = f"535 5.7.8 {HOSTILE}"
    with smtp_server(
        TlsMode.STARTTLS, authority=trust_test_ca, accounts=accounts, auth_reject_reply=reply
    ) as server:
        result = CliRunner().invoke(
            cli,
            ["config", "set", "MARI", *server.card_options("mari@acme.ee")],
            input="a-Wrong-Password\n",
        )
        assert result.exit_code == 0, result.output
        yield


@pytest.mark.integration
def test_config_test_shows_a_hostile_server_reply_as_text(hostile_server: None) -> None:
    output = assert_shown_safely(run("config", "test", "MARI"), exit_code=1)
    assert "auth_rejected" in output


def test_bounce_worker_summary(erpmail_env: dict[str, str], tmp_path: Path) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    maildir = tmp_path / f"box{CLOSE_TAG}{uuid.uuid4().hex[:4]}"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.eml").write_bytes(
        dsn([("mari@example.ee", "5.1.1", f"550 5.1.1 {HOSTILE}")])
    )
    result = run("worker", "bounces", "--once", "--no-publish", "--maildir", str(maildir))
    assert_shown_safely(result)
