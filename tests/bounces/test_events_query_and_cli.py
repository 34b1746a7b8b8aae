"""The event module's API and commands: `events list`, `suppression list|add|remove`."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from schemas.tables import Event
from workers.cli.main import cli
from workers.cli.times import parse_when
from workers.events.query import EventFilter, count_by_reason, list_events
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

T0 = datetime(2026, 11, 1, 12, 0)


def event(n: int, **fields: object) -> Event:
    values: dict[str, object] = {
        "source": "dsn",
        "bounce_key": f"key-{n}",
        "recipient": f"user{n}@example.ee",
        "reason": "userunknown",
        "bounce_type": "hard",
        "received_at": T0 + timedelta(days=n),
        **fields,
    }
    return Event(**values)  # type: ignore[arg-type]


def seed(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add_all(
            [
                event(
                    0, job_id="11111111-1111-1111-1111-111111111111", tenant="acme", verified=True
                ),
                event(1, reason="mailboxfull", bounce_type="soft", tenant="acme", verified=True),
                event(2, recipient="Juri@example.ee".lower(), tenant="other", verified=True),
                event(3, reason="vacation", bounce_type="undetermined"),
            ]
        )


def keys(events: list[Event]) -> list[str]:
    return [e.bounce_key for e in events]


def test_each_filter_narrows_the_search(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        assert keys(list_events(session)) == ["key-3", "key-2", "key-1", "key-0"]
        job = EventFilter(job_id="11111111-1111-1111-1111-111111111111")
        assert keys(list_events(session, job)) == ["key-0"]
        assert keys(list_events(session, EventFilter(recipient="JURI@example.ee"))) == ["key-2"]
        assert keys(list_events(session, EventFilter(reason="mailboxfull"))) == ["key-1"]
        assert keys(list_events(session, EventFilter(bounce_type="hard"))) == ["key-2", "key-0"]
        window = EventFilter(since=T0 + timedelta(days=1), until=T0 + timedelta(days=3))
        assert keys(list_events(session, window)) == ["key-2", "key-1"]
        assert keys(list_events(session, EventFilter(tenant="acme"))) == ["key-1", "key-0"]
        assert keys(list_events(session, limit=1)) == ["key-3"]
        assert count_by_reason(session) == {"userunknown": 2, "mailboxfull": 1, "vacation": 1}
        assert count_by_reason(session, EventFilter(tenant="acme")) == {
            "mailboxfull": 1,
            "userunknown": 1,
        }


def test_times_on_the_command_line() -> None:
    now = datetime(2026, 11, 25, 12, 0)
    assert parse_when("7d", now) == datetime(2026, 11, 18, 12, 0)
    assert parse_when("2026-11-01") == datetime(2026, 11, 1)
    assert parse_when("2026-11-01T10:00+02:00") == datetime(2026, 11, 1, 8, 0)
    with pytest.raises(ValueError, match="not a time"):
        parse_when("last tuesday")
    # further back than year 1: a usage error, not an OverflowError's traceback
    for far in ("9999999d", "99999999999999999999w", "0001-01-01T00:00+05:00"):
        with pytest.raises(ValueError, match="further back than a date can be"):
            parse_when(far, now)
    result = CliRunner().invoke(cli, ["events", "list", "--since", "9999999d"])
    assert result.exit_code == 2 and "further back" in result.output, result.output


@pytest.fixture
def cli_engine(erpmail_env: dict[str, str]) -> Engine:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    return make_engine(erpmail_env["DATABASE_URL"])


def test_events_list_as_json_and_as_a_table(cli_engine: Engine) -> None:
    seed(cli_engine)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["events", "list", "--json", "--tenant", "acme", "--since", "2026-11-01T12:00"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["recipient"], r["reason"]) for r in rows] == [
        ("user1@example.ee", "mailboxfull"),
        ("user0@example.ee", "userunknown"),
    ]
    table = runner.invoke(cli, ["events", "list", "--bounce-type", "soft", "--by-reason"])
    assert table.exit_code == 0, table.output
    assert "user1@example.ee" in table.output and "user0@example.ee" not in table.output
    assert "events by reason" in table.output
    bad = runner.invoke(cli, ["events", "list", "--since", "yesterday-ish"])
    assert bad.exit_code == 2 and "not a time" in bad.output


def test_suppression_add_list_remove(cli_engine: Engine) -> None:
    runner = CliRunner()
    added = runner.invoke(
        cli, ["suppression", "add", "Juri@Example.ee", "--tenant", "acme", "--reason", "complaint"]
    )
    assert added.exit_code == 0 and "suppressed juri@example.ee" in added.output
    runner.invoke(
        cli,
        ["suppression", "add", "mari@example.ee", "--days", "3"],
        env={"ERPMAIL_TENANT": "acme"},
    )
    listed = runner.invoke(cli, ["suppression", "list", "--json", "--tenant", "acme"])
    rows = {row["address"]: row for row in map(json.loads, listed.output.splitlines())}
    assert rows["juri@example.ee"]["reason"] == "complaint"
    assert rows["juri@example.ee"]["expires_at"] is None
    assert rows["mari@example.ee"]["expires_at"] is not None
    table = runner.invoke(cli, ["suppression", "list"])
    assert "complaint" in table.output and "never" in table.output
    removed = runner.invoke(cli, ["suppression", "remove", "JURI@example.ee", "--tenant", "acme"])
    assert removed.exit_code == 0
    again = runner.invoke(cli, ["suppression", "remove", "juri@example.ee", "--tenant", "acme"])
    assert again.exit_code == 1 and "was not suppressed" in again.output
    refused = runner.invoke(cli, ["suppression", "add", "not-an-address", "--tenant", "acme"])
    assert refused.exit_code == 2


def test_events_list_takes_short_job_ids_and_says_when_nothing_matches(
    cli_engine: Engine,
) -> None:
    seed(cli_engine)
    with session_scope(cli_engine) as session:
        session.add(event(9, job_id="11111111-2222-1111-1111-111111111111"))
    runner = CliRunner()
    one = runner.invoke(cli, ["events", "list", "--json", "--job", "11111111-1"])
    assert one.exit_code == 0, one.output
    assert [json.loads(line)["bounce_key"] for line in one.stdout.splitlines()] == ["key-0"]
    ambiguous = runner.invoke(cli, ["events", "list", "--job", "11111111"])
    assert ambiguous.exit_code == 2 and "start of several job ids" in ambiguous.output
    unknown_job = runner.invoke(cli, ["events", "list", "--job", "3cfda759"])
    assert unknown_job.exit_code == 3 and "no Event names job '3cfda759'" in unknown_job.stderr
    unknown_reason = runner.invoke(cli, ["events", "list", "--reason", "nosuchreason"])
    assert unknown_reason.exit_code == 2 and "nosuchreason" in unknown_reason.output
    nothing = runner.invoke(cli, ["events", "list", "--reason", "mailboxfull", "--tenant", "x"])
    assert nothing.exit_code == 3 and "no Event matches" in nothing.stderr


def test_a_piped_table_keeps_each_row_on_one_line(cli_engine: Engine) -> None:
    """CliRunner's stdout is not a terminal, as in `erpmail suppression list | grep`: a long
    address, a detail and the timestamps each stay whole on their row's one line."""
    address = "a.very.long.local.part.for.grep." + "x" * 60 + "@example.ee"
    detail = "550 5.1.1 " + "the mailbox does not exist here, " * 3 + "END"
    runner = CliRunner()
    added = runner.invoke(
        cli, ["suppression", "add", address, "--tenant", "acme", "--detail", detail, "--days", "2"]
    )
    assert added.exit_code == 0, added.output
    table = runner.invoke(cli, ["suppression", "list"])
    assert table.exit_code == 0, table.output
    rows = [line for line in table.output.splitlines() if address in line]
    assert len(rows) == 1, table.output
    assert detail in rows[0]
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[0])) == 2, rows[0]
