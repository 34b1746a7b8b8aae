"""The command line: every contract command is there with --help, loaded when used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.dsn.mails import dsn
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


def test_parse_json_loads_no_console_logging_or_settings(tmp_path: Path) -> None:
    """`erpmail dsn parse --json` over a folder of bounces is a script's command: it prints
    JSON lines, so it starts without rich, structlog and the settings (a table needs them)."""
    mail = tmp_path / "bounce.eml"
    mail.write_bytes(dsn([("anna@example.org", "5.1.1", "550 5.1.1 unknown user")]))
    probe = (
        "import sys\n"
        "from workers.cli.main import main\n"
        f"sys.argv = ['erpmail', 'dsn', 'parse', '--json', {str(mail)!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    loaded = {'rich', 'structlog', 'workers.settings'} & set(sys.modules)\n"
        "    print(sorted(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recipients"][0]["reason"] == "userunknown"
    assert done.stderr.strip() == "[]"
