"""`erpmail demo` runs the whole system on the real services and every outcome is as expected."""

from __future__ import annotations

from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests import services
from workers.cli.main import cli


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
