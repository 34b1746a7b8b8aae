"""`erpmail worker send`: the sender worker as a long-running process."""

from __future__ import annotations

import asyncio
import dataclasses
import signal

import click

from workers import event_loop
from workers.broker.connection import BrokerUnavailable, connect
from workers.broker.topology import build_topology, declare
from workers.cli.context import settings_from_env
from workers.gc_tuning import freeze_startup_objects
from workers.logging import get_logger
from workers.metrics.http import SENDER_PORT, MonitorUnavailable, serve_monitor
from workers.sender.worker import SenderWorker
from workers.settings import Settings
from workers.store.engine import make_engine


def declare_topology(settings: Settings) -> None:
    """Declare the queues (idempotent) so that the retry queues of this ladder exist."""
    try:
        connection = connect(settings.rabbitmq_url, "erpmail-sender-topology")
    except BrokerUnavailable as error:
        get_logger().warning("topology_not_declared", error=str(error))
        return
    try:
        declare(connection.channel(), build_topology(settings.retry_ladder, settings.send_shards))
    finally:
        connection.close()


async def run_until_signalled(worker: SenderWorker) -> None:
    """Run ``worker``; SIGTERM or SIGINT stops it gracefully."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


@click.command("send")
@click.option("--prefetch", type=click.IntRange(min=1), help="Deliveries held at once.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Jobs worked on at once.")
@click.option("--pool-size", type=click.IntRange(min=1), help="SMTP connections per server.")
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    help=f"Port of /metrics, /livez, /readyz (default {SENDER_PORT}; 0: off).",
)
def send_command(
    prefetch: int | None, concurrency: int | None, pool_size: int | None, metrics_port: int | None
) -> None:
    """Consume mail.send and send each job over SMTP (stop with SIGTERM or Ctrl-C).

    Settings come from the environment (ERPMAIL_SENDER_PREFETCH, ERPMAIL_SENDER_CONCURRENCY,
    ERPMAIL_SMTP_POOL_SIZE, ERPMAIL_RETRY_LADDER, ERPMAIL_MAX_ATTEMPTS, ERPMAIL_RETRY_MAX_AGE,
    ERPMAIL_INTERRUPTED_SEND=resend|dead-letter, ERPMAIL_METRICS_PORT, ...); the options
    override them.
    """
    settings = settings_from_env(long_running=True)
    settings = dataclasses.replace(
        settings,
        sender_prefetch=prefetch or settings.sender_prefetch,
        sender_concurrency=concurrency or settings.sender_concurrency,
        smtp_pool_size=pool_size or settings.smtp_pool_size,
    )
    declare_topology(settings)
    engine = make_engine(settings.database_url)
    try:
        worker = SenderWorker(settings, engine)
        port = settings.metrics_port if metrics_port is None else metrics_port
        monitor = serve_monitor(worker.health, settings.metrics_host, port, SENDER_PORT)
    except MonitorUnavailable as error:
        engine.dispose()
        raise click.ClickException(str(error)) from None
    try:
        freeze_startup_objects()
        event_loop.run(run_until_signalled(worker), settings.event_loop)
    finally:
        if monitor is not None:
            monitor.close()
        engine.dispose()
