"""`erpmail demo` runs on the real services, end to end, and says what it did."""

from __future__ import annotations

from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names
from workers.cli.main import cli


def test_the_demo_sends_bounces_and_dead_letters_every_job_as_expected(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "every outcome as expected" in result.output
    assert "erpmail worker send stopped (SIGTERM, exit status 0)" in result.output
    assert "to[0]: contains a line break" in result.output
    assert broker.queue_declare(names.SEND_QUEUE, passive=True).method.message_count == 0
