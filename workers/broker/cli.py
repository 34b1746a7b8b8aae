"""The broker's commands: `erpmail topology declare|show` (the exchanges and queues) and
`erpmail enqueue FILE|-` (validate jobs and publish the valid ones with confirms)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import BinaryIO

import click
from rich.table import Table

from schemas.job import JobRejected, parse_job
from workers.broker.connection import connect
from workers.broker.publisher import ConfirmingPublisher
from workers.broker.routing import job_routing_key
from workers.broker.topology import build_topology, declare
from workers.cli.context import settings_from_env, wide_console
from workers.cli.errors import ExitStatus
from workers.terminal import json_text, plain


@click.group()
def topology() -> None:
    """The RabbitMQ exchanges and queues erpmail uses."""


@topology.command("declare")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def declare_command(as_json: bool) -> None:
    """Declare every exchange, quorum queue and binding (idempotent).

    A queue an earlier release declared with other arguments (mail.events before overflow
    reject-publish) is recreated with its messages; its consumers must subscribe again. An
    exchange (mail.jobs before its alternate exchange) is recreated with erpmail's bindings.
    """
    settings = settings_from_env()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    # A broker away or refusing is worded by workers.cli.errors (exit status 4).
    connection = connect(settings.rabbitmq_url, "erpmail-topology")
    try:
        recreated = declare(connection.channel(), spec)
    finally:
        connection.close()
    counts = {
        "exchanges": len(spec.exchanges),
        "queues": len(spec.queues),
        "bindings": len(spec.bindings),
    }
    if as_json:
        click.echo(json.dumps({"declared": counts, "recreated": recreated}))
        return
    exchanges = {exchange.name for exchange in spec.exchanges}
    for name in recreated:
        kept = "erpmail's bindings restored" if name in exchanges else "its messages were kept"
        click.echo(f"recreated {name}: its arguments had changed ({kept})")
    click.echo("declared " + ", ".join(f"{count} {what}" for what, count in counts.items()))


@topology.command("show")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per binding.")
def show_command(as_json: bool) -> None:
    """Print the topology that `declare` would declare."""
    settings = settings_from_env()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    table = Table("queue", "bound to", "routing key", "arguments")
    for binding in spec.bindings:
        queue = next(q for q in spec.queues if q.name == binding.queue)
        declared = queue.declared_arguments()
        if as_json:
            row = {
                "queue": binding.queue,
                "exchange": binding.exchange,
                "routing_key": binding.routing_key,
                "arguments": declared,
            }
            click.echo(json.dumps(row, default=str))
            continue
        arguments = ", ".join(f"{k}={v}" for k, v in declared.items())
        table.add_row(binding.queue, binding.exchange, binding.routing_key or "-", arguments)
    if not as_json:
        wide_console().print(table)


@dataclass(frozen=True)
class Document:
    """One job's bytes and where it stood in the input (for messages)."""

    where: str
    raw: bytes


def split_jobs(data: bytes) -> list[Document]:
    """One JSON object (even spread over lines) or JSON lines, one job per line."""
    stripped = data.strip()
    if not stripped:
        return []
    try:
        whole = json.loads(stripped)
    except (json.JSONDecodeError, UnicodeDecodeError):
        whole = None
    if isinstance(whole, dict):
        return [Document("job 1", stripped)]
    return [
        Document(f"line {number}", line)
        for number, line in enumerate(data.splitlines(), start=1)
        if line.strip()
    ]


@click.command()
@click.argument("source", type=click.File("rb"))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object at the end: the job ids published, the jobs refused and why.",
)
def enqueue(source: BinaryIO, as_json: bool) -> None:
    """Validate mail jobs from SOURCE (a file, or - for stdin) and publish them.

    SOURCE holds one job (JSON) or JSON lines, one job each. Valid jobs are published to
    mail.jobs with publisher confirms and their job ids printed; each invalid job is refused
    with the field and the problem, and the command then exits with status 1.
    """
    settings = settings_from_env()
    documents = split_jobs(source.read())
    if not documents:
        raise click.UsageError("no job in the input")
    published: list[str] = []
    refused: list[str] = []
    refusals: list[dict[str, object]] = []
    jobs = []
    for document in documents:
        try:
            jobs.append((document, parse_job(document.raw)))
        except JobRejected as exc:
            label = f"{document.where}" + (f" (job {exc.job_id})" if exc.job_id else "")
            refused.append(label)
            refusals.append(
                {"where": document.where, "job_id": exc.job_id, "problems": list(exc.problems)}
            )
            for problem in exc.problems:
                click.echo(plain(f"refused {label}: {problem}"), err=True)
    if jobs:
        try:
            with ConfirmingPublisher.open(settings.rabbitmq_url, "erpmail-enqueue") as publisher:
                for document, job in jobs:
                    key = job_routing_key(job.tenant, job.user_code, settings.send_shards)
                    publisher.publish_job(str(job.job_id), document.raw, routing_key=key)
                    published.append(str(job.job_id))
                    if not as_json:
                        click.echo(str(job.job_id))
        except Exception:
            # The broker away or refusing, the topology missing: worded by workers.cli.errors.
            click.echo(f"published {len(published)} before the error", err=True)
            raise
    if as_json:
        click.echo(json_text({"published": published, "refused": refusals}))
    click.echo(
        f"published {len(published)}, refused {len(refused)}"
        + (f": {plain(', '.join(refused))}" if refused else ""),
        err=True,
    )
    if refused:
        raise SystemExit(ExitStatus.FAILED)
