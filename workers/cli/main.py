"""Entry point of the `erpmail` command: one group, a sub-command per job.

Sub-commands are imported when they are used (``LazyGroup``), so that a quick command does not
pay for the start-up of every other one.
"""

from __future__ import annotations

import click

from workers.cli.errors import explained
from workers.cli.lazy import LazyGroup


class ErpmailGroup(LazyGroup):
    """The root group: whatever sub-command runs, a failure around it (broker, topology,
    database, file) ends it with one sentence and its exit status (``workers.cli.errors``)."""

    def invoke(self, ctx: click.Context) -> object:
        with explained():
            return super().invoke(ctx)


WORKERS = {
    "send": "workers.sender.cli:send_command",
    "bounces": "workers.bounces.cli:bounces",
}
COMMANDS = {
    "config": "workers.config.cli:config",
    "db": "workers.store.cli:db",
    "demo": "workers.demo.cli:demo",
    "dlq": "workers.dlq.cli:dlq",
    "dsn": "workers.dsn.cli:dsn",
    "enqueue": "workers.broker.cli:enqueue",
    "events": "workers.events.cli:events",
    "job": "workers.job.cli:job",
    "status": "workers.status.cli:status",
    "suppression": "workers.store.cli:suppression",
    "topology": "workers.broker.cli:topology",
}


@click.group(cls=LazyGroup, lazy=WORKERS)
def worker() -> None:
    """Long-running workers."""


@click.group(
    cls=ErpmailGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="erpmail")
def cli() -> None:
    """erpmail: an ERP's outgoing mail over RabbitMQ, and its bounces as Event records."""


cli.add_command(worker)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
