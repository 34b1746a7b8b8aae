"""`erpmail status`: queue depths and consumers, overflow refusals, dead letters by class,
the oldest waiting job, the last bounce handled, the outbox — a table, or ``--json``."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from workers.cli.context import settings_from_env, wide_console
from workers.status.report import Status, age, gather
from workers.store.engine import make_engine
from workers.terminal import json_text, plain


def _table(status: Status) -> Table:
    table = Table("queue", "messages", "consumers", title="RabbitMQ")
    for queue in status.queues:
        if queue.messages is None:
            table.add_row(queue.name, "missing (erpmail topology declare)", "-")
            continue
        depth = str(queue.messages)
        if queue.max_length:
            depth += f" of {queue.max_length}"
        if queue.refusing:
            depth += ", full: refusing"
        table.add_row(queue.name, depth, str(queue.consumers))
    return table


def _overflow(status: Status) -> str:
    if not status.overflow_refusals:
        return "overflow refusals: none (no capped queue is full)"
    return (
        f"overflow refusals: {', '.join(status.overflow_refusals)} full, new messages refused "
        "(senders keep their notices and retry, bounce Events wait in the outbox; "
        "counter erpmail_events_refused_total): start or speed up the consumer"
    )


def print_status(status: Status, console: Console) -> None:
    def say(line: object) -> None:
        # dead letters' classes, job ids and errors come from outside: no control acts
        console.print(plain(line), markup=False)

    if status.broker_error:
        say(f"RabbitMQ: unavailable: {status.broker_error}")
    else:
        console.print(_table(status))
        say(_overflow(status))
    if status.dead_letters_error:
        say(f"dead letters: not read ({status.dead_letters_error})")
    elif not status.broker_error:
        by_class = ", ".join(f"{name} {count}" for name, count in status.dead_letters.items())
        say(f"dead letters by class: {by_class or 'none'}")
    if status.database_error:
        say(f"database: unavailable: {status.database_error}")
        return
    jobs = ", ".join(f"{name} {count}" for name, count in sorted(status.jobs_by_status.items()))
    say(f"jobs: {jobs or 'none'}")
    if status.oldest_waiting_job:
        say(
            f"oldest waiting job: {status.oldest_waiting_job} "
            f"(waiting {age(status.oldest_waiting_since)})",
        )
    else:
        say("oldest waiting job: none waiting")
    say(f"jobs waiting for a rate limit: {status.rate_limited}")
    last = status.last_bounce_at
    handled = f"{last:%Y-%m-%d %H:%M:%S} UTC ({age(last)} ago)" if last else "none yet"
    say(f"last bounce handled: {handled}")
    say(f"events waiting in the outbox: {status.outbox_pending}")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--no-dead-letters", is_flag=True, help="Skip reading the dead-letter queue (it can be long)."
)
def status(as_json: bool, no_dead_letters: bool) -> None:
    """The system at a glance: queues and their consumers, queues full and refusing new
    messages, dead letters by class, the oldest waiting job, the last bounce handled,
    events not yet published.

    Exit status 0 when the broker and the database answered, 1 when one did not."""
    settings = settings_from_env()
    engine = make_engine(settings.database_url)
    try:
        report = gather(settings, engine, dead_letters=not no_dead_letters)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json_text(report.as_json()))
    else:
        print_status(report, wide_console())
    if not report.healthy:
        raise SystemExit(1)
