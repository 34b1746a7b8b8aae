"""The command line: every contract command is there with --help; unbuilt ones say so."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from workers.cli.main import cli
from workers.cli.unbuilt import NOT_BUILT_EXIT, unbuilt_command

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


def test_an_unbuilt_command_says_so_and_fails() -> None:
    group = click.Group("erpmail", commands={"later": unbuilt_command("later", "Later", "issue 9")})
    result = CliRunner().invoke(group, ["later", "--whatever"])
    assert result.exit_code == NOT_BUILT_EXIT
    assert "erpmail later: not built yet (issue 9)." in result.stderr
