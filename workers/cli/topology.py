"""`erpmail topology declare|show`."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from workers.broker.connection import connect
from workers.broker.topology import build_topology, declare
from workers.cli.context import settings_from_env


@click.group()
def topology() -> None:
    """The RabbitMQ exchanges and queues erpmail uses."""


@topology.command("declare")
def declare_command() -> None:
    """Declare every exchange, quorum queue and binding (idempotent)."""
    settings = settings_from_env()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    # A broker away or refusing is worded by workers.cli.errors (exit status 4).
    connection = connect(settings.rabbitmq_url, "erpmail-topology")
    try:
        declare(connection.channel(), spec)
    finally:
        connection.close()
    click.echo(
        f"declared {len(spec.exchanges)} exchanges, {len(spec.queues)} queues, "
        f"{len(spec.bindings)} bindings"
    )


@topology.command("show")
def show_command() -> None:
    """Print the topology that `declare` would declare."""
    settings = settings_from_env()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    table = Table("queue", "bound to", "routing key", "arguments")
    for binding in spec.bindings:
        queue = next(q for q in spec.queues if q.name == binding.queue)
        arguments = ", ".join(f"{k}={v}" for k, v in queue.declared_arguments().items())
        table.add_row(binding.queue, binding.exchange, binding.routing_key or "-", arguments)
    Console().print(table)
