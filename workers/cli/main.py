"""Entry point of the `erpmail` command: one group, a sub-command per job."""

from __future__ import annotations

import click

from workers.bounces.cli import bounces
from workers.cli.db import db
from workers.cli.enqueue import enqueue
from workers.cli.events import events
from workers.cli.suppression import suppression
from workers.cli.topology import topology
from workers.config.cli import config
from workers.demo.cli import demo
from workers.dlq.cli import dlq
from workers.dsn.cli import dsn
from workers.sender.cli import send_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="erpmail")
def cli() -> None:
    """erpmail: an ERP's outgoing mail over RabbitMQ, and its bounces as Event records."""


@click.group()
def worker() -> None:
    """Long-running workers."""


worker.add_command(send_command)
worker.add_command(bounces)


for _group in (worker, config, dlq, events, suppression, topology, db, dsn):
    cli.add_command(_group)
cli.add_command(enqueue)
cli.add_command(demo)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
