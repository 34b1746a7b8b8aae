"""Entry point of the `erpmail` command: one group, a sub-command per job."""

from __future__ import annotations

import click

from workers.cli.unbuilt import unbuilt_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="erpmail")
def cli() -> None:
    """erpmail: an ERP's outgoing mail over RabbitMQ, and its bounces as Event records."""


def _register() -> None:
    from workers.dsn.cli import dsn

    cli.add_command(dsn)


_register()


def main() -> None:
    cli()
