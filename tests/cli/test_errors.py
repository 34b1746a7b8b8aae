"""What goes wrong around a command ends it with one sentence, the fix, and the README's exit
status: never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner, Result

from tests.jobs import make_job
from workers.cli.errors import ExitStatus
from workers.cli.main import cli
from workers.demo.local import create_vhost, delete_vhost, vhost_of
from workers.store import migrate


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def one_sentence(result: Result) -> str:
    """The error line: exactly one, and no traceback."""
    assert "Traceback" not in result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def empty_vhost(rabbitmq_url: str) -> Iterator[str]:
    """A vhost on the tests' broker without erpmail's topology."""
    url = create_vhost(rabbitmq_url, "erpmail-tests-empty")
    if url is None:
        pytest.skip("no rabbitmqctl for this broker: cannot make a vhost without the topology")
    yield url
    delete_vhost(vhost_of(url))


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (("enqueue", "-"), json.dumps(make_job())),
        (("dlq", "list"), None),
    ],
    ids=["enqueue", "dlq-list"],
)
def test_a_vhost_without_the_topology_says_to_declare_it(
    erpmail_env: dict[str, str],
    empty_vhost: str,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    stdin: str | None,
) -> None:
    monkeypatch.setenv("RABBITMQ_URL", empty_vhost)
    result = run(*args, stdin=stdin)
    assert result.exit_code == ExitStatus.TOPOLOGY, result.output
    assert "erpmail topology declare" in one_sentence(result)


def test_a_broker_that_refuses_the_login_is_one_sentence(
    erpmail_env: dict[str, str], rabbitmq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = urlsplit(rabbitmq_url)
    wrong = parts._replace(netloc=f"guest:not-the-password@{parts.hostname}:{parts.port or 5672}")
    monkeypatch.setenv("RABBITMQ_URL", urlunsplit(wrong))
    result = run("dlq", "list")
    assert result.exit_code == ExitStatus.BROKER, result.output
    sentence = one_sentence(result)
    assert "check RABBITMQ_URL" in sentence
    assert "not-the-password" not in result.output + result.stderr


def test_a_vhost_that_does_not_exist_is_one_sentence(
    erpmail_env: dict[str, str], rabbitmq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = urlsplit(rabbitmq_url)
    monkeypatch.setenv("RABBITMQ_URL", urlunsplit(parts._replace(path="/no-such-vhost-here")))
    result = run("topology", "declare")
    assert result.exit_code == ExitStatus.BROKER, result.output
    assert "vhost" in one_sentence(result)


def test_a_database_not_migrated_says_to_upgrade_it(erpmail_env: dict[str, str]) -> None:
    result = run("events", "list")
    assert result.exit_code == ExitStatus.NOT_MIGRATED, result.output
    assert "erpmail db upgrade" in one_sentence(result)


def test_a_database_that_is_away_is_one_sentence(
    erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://erpmail:secret@127.0.0.1:1/erpmail")
    result = run("suppression", "list", "--tenant", "acme")
    assert result.exit_code == ExitStatus.DATABASE, result.output
    assert "check DATABASE_URL" in one_sentence(result)
    assert "secret" not in result.output + result.stderr


def test_a_migrated_database_answers(erpmail_env: dict[str, str]) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    # The database answered: there is simply no Event yet.
    assert run("events", "list").exit_code == ExitStatus.NOTHING_SELECTED


@pytest.mark.parametrize(
    "args",
    [("dsn", "parse", "/nonexistent.eml"), ("enqueue", "/nonexistent.jsonl")],
    ids=["dsn-parse", "enqueue"],
)
def test_a_missing_file_is_a_usage_error(
    erpmail_env: dict[str, str], args: tuple[str, ...]
) -> None:
    result = run(*args)
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert "/nonexistent" in result.stderr and "Traceback" not in result.stderr


def test_the_installed_command_says_it_without_a_traceback(
    erpmail_env: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli.main", "events", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == ExitStatus.NOT_MIGRATED
    assert "Traceback" not in done.stderr
    assert "erpmail db upgrade" in done.stderr
