"""`erpmail dsn ...`: the bounce parser from the command line."""

from __future__ import annotations

import click

from workers.cli.unbuilt import unbuilt_command


@click.group()
def dsn() -> None:
    """Parse bounce mails (delivery status notifications) and score the parser."""


dsn.add_command(unbuilt_command("parse", "Parse bounce mails and print their report", "issue 3"))
dsn.add_command(unbuilt_command("score", "Score the parser against a corpus", "issue 3"))
