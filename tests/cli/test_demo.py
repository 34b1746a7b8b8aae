"""`erpmail demo` runs on the real services and says what it did."""

from __future__ import annotations

from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names
from workers.cli.main import cli


def test_the_demo_publishes_its_valid_jobs_and_refuses_the_bad_one(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert result.output.count("published to mail.send") == 2
    assert "refused: to[0]: contains a line break" in result.output
    assert broker.queue_declare(names.SEND_QUEUE, passive=True).method.message_count == 2
