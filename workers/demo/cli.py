"""`erpmail demo`: runs what exists of erpmail end to end and says plainly what does not."""

from __future__ import annotations

import json
import uuid

import click
from rich.console import Console

from schemas.job import JobRejected, parse_job
from workers.broker import names
from workers.broker.connection import BrokerUnavailable, connect
from workers.broker.publisher import ConfirmingPublisher
from workers.broker.topology import build_topology, declare
from workers.cli.context import settings_from_env
from workers.store import migrate


def sample_jobs() -> list[dict[str, object]]:
    base = {
        "schema_version": 1,
        "tenant": "demo",
        "user_code": "MARI",
        "subject": "Arve nr 2026-0001",
        "text": "Tere! Arve on lisatud.",
    }
    return [
        {**base, "job_id": str(uuid.uuid4()), "kind": "invoice", "to": ["juri@example.ee"]},
        {**base, "job_id": str(uuid.uuid4()), "kind": "customer", "to": ["Мария <m@example.ru>"]},
        {**base, "job_id": str(uuid.uuid4()), "kind": "mass", "to": ["x@example.ee\r\nBcc: all"]},
    ]


@click.command()
def demo() -> None:
    """Run erpmail end to end on this machine's services, step by step."""
    console = Console()
    settings = settings_from_env()
    console.rule("erpmail demo")
    try:
        connection = connect(settings.rabbitmq_url, "erpmail-demo")
    except BrokerUnavailable as exc:
        raise click.ClickException(f"{exc} (run 'make services')") from None
    declare(connection.channel(), build_topology(settings.retry_ladder))
    connection.close()
    console.print("[green]✓[/] topology declared (exchanges and quorum queues)")
    migrate.upgrade(settings.database_url)
    console.print(f"[green]✓[/] database migrated ({migrate.current(settings.database_url)})")
    with ConfirmingPublisher.open(settings.rabbitmq_url, "erpmail-demo") as publisher:
        for job in sample_jobs():
            raw = json.dumps(job, ensure_ascii=False).encode()
            try:
                parsed = parse_job(raw)
            except JobRejected as exc:
                console.print(f"[yellow]✗[/] job {job['job_id']} refused: {exc}")
                continue
            publisher.publish_job(str(parsed.job_id), raw)
            console.print(f"[green]✓[/] job {parsed.job_id} published to {names.SEND_QUEUE}")
    console.print(
        "[bold]Not built yet:[/] the sender worker (issue 6) and the bounce worker (issue 5); "
        f"the published jobs wait in {names.SEND_QUEUE}."
    )
