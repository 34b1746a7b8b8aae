"""`erpmail demo` runs the whole system on the real services and every outcome is as expected."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests import services
from workers.broker import names
from workers.cli.main import cli
from workers.demo.local import create_vhost, vhost_of


def test_the_demo_runs_end_to_end(broker: BlockingChannel, erpmail_env: dict[str, str]) -> None:
    with services.imap_service() as (imap_url, ca_file):
        env = {"COLUMNS": "160", "IMAP_URL": imap_url, "IMAP_CA_FILE": str(ca_file or "")}
        result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    assert "every outcome as expected" in result.output
    for line in ("nobody@example.ee", "gone@example.ee", "full@example.ee"):
        assert line in result.output
    assert "Suppressed: gone@example.ee (userunknown)" in result.output
    assert "not JSON" in result.output
    status = result.output[result.output.index("erpmail status") :]
    assert "mail.send" in status and "dead letters by class: " in status
    assert "last bounce handled: " in status and "none yet" not in status
    excerpt = status[status.index("/metrics") :]
    assert "erpmail_sender_jobs_sent_total{config_kind=" in excerpt
    # CliRunner's output is no terminal: the section lines keep to 80 columns, not the
    # unbounded width a piped table gets
    rules = [line for line in result.output.splitlines() if line.startswith("─")]
    assert len(rules) >= 4 and max(len(line) for line in rules) == 80


def test_where_no_vhost_can_be_made_the_demo_refuses_a_shared_mail_send(
    broker: BlockingChannel, erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker the demo cannot manage: another consumer of mail.send would take its jobs."""
    monkeypatch.setattr("workers.demo.cli.create_vhost", lambda _url, _prefix: None)
    broker.basic_consume(names.SEND_QUEUE, lambda *_: None)  # another sender, as it were
    with services.imap_service() as (imap_url, ca_file):
        env = {"IMAP_URL": imap_url, "IMAP_CA_FILE": str(ca_file or "")}
        result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 1, result.output
    assert "already has 1 consumer(s)" in result.output
    assert "point RABBITMQ_URL at a vhost of its own" in result.output


def test_the_demo_leaves_no_vhost_behind(
    broker: BlockingChannel, erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def recording(url: str, prefix: str) -> str | None:
        made.append(create_vhost(url, prefix) or "")
        return made[-1] or None

    monkeypatch.setattr("workers.demo.cli.create_vhost", recording)
    with services.imap_service() as (imap_url, ca_file):
        env = {"IMAP_URL": imap_url, "IMAP_CA_FILE": str(ca_file or "")}
        result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    if not made[0]:
        pytest.skip("no rabbitmqctl for this broker: the demo used RABBITMQ_URL's vhost")
    vhosts = subprocess.run(
        ["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert vhost_of(made[0]) not in vhosts
