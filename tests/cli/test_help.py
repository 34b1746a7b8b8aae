"""The command line: every contract command is there with --help, loaded when used."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from workers.cli.main import cli

CONTRACT = [
    ["worker", "send"],
    ["worker", "bounces"],
    ["enqueue"],
    ["config", "resolve"],
    ["config", "test"],
    ["config", "set"],
    ["config", "show"],
    ["dlq", "list"],
    ["dlq", "show"],
    ["dlq", "replay"],
    ["dlq", "purge"],
    ["dlq", "export"],
    ["events", "list"],
    ["dsn", "parse"],
    ["topology", "declare"],
    ["demo"],
]


@pytest.mark.parametrize("command", CONTRACT, ids=" ".join)
def test_each_contract_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_a_command_loads_only_what_it_needs() -> None:
    """`erpmail dsn parse` starts without the database, SMTP and broker layers."""
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from workers.cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['dsn', 'parse', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted({'sqlalchemy', 'aiosmtplib', 'pika', 'imapclient'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
