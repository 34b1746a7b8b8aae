"""Command-line input is checked with the job schema's rules (issue 12, point 8).

A user or tenant code the job schema refuses can never be sent for, so `config set` must not
store it; a code over the column's length was a DataError traceback on PostgreSQL (SQLite
stored it); `events list --limit -1` was a traceback. Every refusal here is a usage error
(exit 2) naming the argument, and nothing is stored.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from schemas.tables import Suppression, SystemSettings, UserMailSettings
from workers.cli.main import cli
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

BAD_CODES = {
    "quote": "o'brien",
    "semicolon": "a;b",
    "escape": "a\x1b[2Jb",
    "newline": "a\nb",
    "empty": "",
    "too long": "u" * 65,
    "leading dash": "-x",
    "space": "a b",
}
GOOD_SYSTEM = ("--company-name", "Acme AS", "--company-slug", "acme")


def use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    migrate.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ERPMAIL_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("ERPMAIL_LOG_FORMAT", "json")
    monkeypatch.delenv("ERPMAIL_TENANT", raising=False)
    return url


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    return use_database(sqlite_url, monkeypatch)


@pytest.fixture
def both_databases(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """SQLite and PostgreSQL, where a too-long code was a DataError traceback."""
    return use_database(database_url, monkeypatch)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def refused(result: Result, name: str) -> None:
    everything = result.stdout + result.stderr
    assert result.exit_code == 2, everything + repr(result.exception)
    assert isinstance(result.exception, SystemExit)  # a usage error, not a traceback
    assert name in everything, everything


def rows(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return {
                table.__name__: session.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
                for table in (UserMailSettings, SystemSettings, Suppression)
            }
    finally:
        engine.dispose()


NOTHING = {"UserMailSettings": 0, "SystemSettings": 0, "Suppression": 0}


@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
def test_config_refuses_a_code_the_job_schema_refuses(database: str, code: str) -> None:
    refused(run("config", "set", code, "--tenant", "acme", "--email", "a@acme.ee"), "USER_CODE")
    refused(run("config", "set", "MARI", "--tenant", code, "--email", "a@acme.ee"), "--tenant")
    refused(run("config", "system", "--tenant", code, *GOOD_SYSTEM), "--tenant")
    refused(
        run("config", "system", "--tenant", "acme", *GOOD_SYSTEM, "--mail-sending-user", code)
        if code
        else run("config", "system", "--tenant", "acme", "--mail-sending-user", "a;b"),
        "--mail-sending-user",
    )
    refused(run("config", "show", code, "--tenant", "acme"), "USER_CODE")
    refused(run("config", "resolve", code, "--tenant", "acme"), "USER_CODE")
    refused(run("dlq", "export", "--tenant", code or ";"), "--tenant")
    refused(run("suppression", "add", "x@example.ee", "--tenant", code), "--tenant")
    assert rows(database) == NOTHING


def test_a_code_over_the_schemas_limit_is_refused_alike_on_both_databases(
    both_databases: str,
) -> None:
    too_long = "U" * 65
    refused(run("config", "set", too_long, "--tenant", "acme", "--email", "a@acme.ee"), "USER_CODE")
    assert rows(both_databases) == NOTHING
    code = "U" * 64
    assert run("config", "set", code, "--tenant", "t" * 64, "--email", "a@acme.ee").exit_code == 0
    assert rows(both_databases)["UserMailSettings"] == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "0"),
        ("--port", "70000"),
        ("--host", "smtp example.ee"),
        ("--host", "h" * 256),
        ("--host", "smtp.example.ee\x1b"),
        ("--username", "mari\n@acme.ee"),
        ("--username", "m" * 321),
        ("--email", "a" * 320 + "@acme.ee"),
        ("--rate-per-minute", "-1"),
    ],
)
def test_config_set_refuses_values_that_cannot_be_stored_or_used(
    database: str, option: str, value: str
) -> None:
    result = run("config", "set", "MARI", "--tenant", "acme", option, value)
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert option.lstrip("-").split("-")[0] in result.output.lower(), result.output
    assert rows(database) == NOTHING


def test_config_test_takes_one_address_to_try(database: str) -> None:
    refused(run("config", "test", "MARI", "--tenant", "acme", "--to", "a b@example.ee"), "--to")


def test_company_name_and_slug_are_checked(database: str) -> None:
    for name in ("A" * 201, "Acme\x1b]0;x\x07"):
        result = run(
            "config", "system", "--tenant", "acme", "--company-name", name, "--company-slug", "acme"
        )
        assert result.exit_code in (1, 2), result.output
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "company name" in result.output
    assert rows(database) == NOTHING


@pytest.mark.parametrize("command", [["events", "list"], ["suppression", "list"]], ids=" ".join)
def test_a_negative_limit_is_a_usage_error(database: str, command: list[str]) -> None:
    refused(run(*command, "--limit", "-1"), "--limit")


def test_suppression_add_takes_an_address_and_reason_the_schema_accepts(database: str) -> None:
    refused(run("suppression", "add", "--tenant", "acme", "a b@example.ee"), "ADDRESS")
    refused(run("suppression", "add", "--tenant", "acme", "a" * 320 + "@example.ee"), "ADDRESS")
    refused(
        run("suppression", "add", "--tenant", "acme", "x@example.ee", "--reason", "r" * 33),
        "--reason",
    )
    refused(
        run("suppression", "add", "--tenant", "acme", "x@example.ee", "--reason", "a\x1bb"),
        "--reason",
    )
    assert rows(database) == NOTHING
    assert (
        run(
            "suppression", "add", "--tenant", "acme", "X@Example.ee", "--reason", "manual"
        ).exit_code
        == 0
    )
