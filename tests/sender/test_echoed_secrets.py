"""A password a server echoes is masked wherever it is stored or printed (issue 12, point 5).

A server that repeats the password in its 535 reply put it in plain text in
``mail_messages.error_text``, in the dead-letter headers (`dlq list --json`, `dlq show`,
`dlq export`) and in `config test` output (table and --json); a password under 6 characters
was not masked in the worker's log at all. The session's password is now masked, whatever
its length, in the failure and the reply it comes back in, before they are stored, sent or
logged. The password here is 3 characters long.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from schemas.values import TlsMode
from tests.certificates import Authority
from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.smtp_servers import SmtpTestServer, smtp_server
from workers.broker import names
from workers.cli.main import cli
from workers.store import migrate

PASSWORD = "Kx9"  # short: the log's masking skipped passwords under 6 characters
ECHO = f"535 5.7.8 Authentication failed for mari@acme.ee with password {PASSWORD}"
MakeHarness = Callable[..., Harness]


@pytest.fixture
def echoing_server() -> Iterator[SmtpTestServer]:
    """A plain-text server with AUTH that refuses the login and echoes the password."""
    with smtp_server(
        TlsMode.NONE, accounts={"mari@acme.ee": "another-one"}, auth_reject_reply=ECHO
    ) as server:
        yield server


def strings(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def test_the_sender_stores_dead_letters_and_logs_the_reply_masked(
    make_harness: MakeHarness,
    echoing_server: SmtpTestServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    harness = make_harness(echoing_server.port)
    harness.own_server(echoing_server.host, echoing_server.port, "mari@acme.ee", PASSWORD)
    job = make_job()
    harness.run_job(job, "dead")
    row = harness.rows()[job["job_id"]]
    assert row.error_text and "535" in row.error_text and "***" in row.error_text
    assert PASSWORD not in row.error_text and PASSWORD not in (row.smtp_response or "")
    [(properties, _)] = harness.drain(names.DEAD_QUEUE)
    headers = properties.headers or {}
    assert "535" in strings(headers) and PASSWORD not in strings(headers)
    assert PASSWORD not in strings(harness.notices())
    logged = capsys.readouterr()
    assert "535" in logged.err and PASSWORD not in logged.out + logged.err


@pytest.mark.integration
def test_config_test_shows_the_reply_masked(
    erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, trust_test_ca: Authority
) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    monkeypatch.setenv("ERPMAIL_TENANT", "acme")
    with smtp_server(
        TlsMode.STARTTLS,
        authority=trust_test_ca,
        accounts={"mari@acme.ee": "another-one"},
        auth_reject_reply=ECHO,
    ) as server:
        runner = CliRunner()
        stored = runner.invoke(
            cli,
            ["config", "set", "MARI", *server.card_options("mari@acme.ee")],
            input=PASSWORD + "\n",
        )
        assert stored.exit_code == 0, stored.output
        for extra in ([], ["--json"]):
            result = runner.invoke(cli, ["config", "test", "MARI", *extra])
            everything = result.stdout + result.stderr
            assert result.exit_code == 1, everything
            assert "535" in everything and PASSWORD not in everything, everything
