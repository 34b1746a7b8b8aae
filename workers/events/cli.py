"""`erpmail events list`: Event records with filters, as a table or JSON lines."""

from __future__ import annotations

import json
from datetime import datetime

import click
from rich.table import Table

from schemas.tables import Event
from workers.cli.context import settings_from_env, wide_console
from workers.cli.errors import ExitStatus
from workers.cli.params import CODE, LIMIT
from workers.cli.times import When
from workers.dsn import BounceType, Reason
from workers.events.query import (
    AmbiguousJob,
    EventFilter,
    count_by_reason,
    event_job,
    event_to_json,
    list_events,
)
from workers.store.engine import make_engine, session_scope
from workers.terminal import cells, json_text

EXIT_NOTHING = ExitStatus.NOTHING_SELECTED


@click.group()
def events() -> None:
    """Event records: bounces, complaints, auto-replies, refusals."""


def events_table(rows: list[Event]) -> Table:
    table = Table(title=f"{len(rows)} events, newest first")
    for name in ("received (UTC)", "job", "tenant"):
        table.add_column(name, no_wrap=True)
    table.add_column("recipient", overflow="fold", min_width=16)
    for name in ("status", "reason", "type"):
        table.add_column(name, no_wrap=True)
    table.add_column("diagnostic", overflow="ellipsis", no_wrap=True, max_width=50)
    for event in rows:
        table.add_row(
            *cells(
                event.received_at.strftime("%m-%d %H:%M:%S"),
                (event.job_id or "-")[:8] + ("" if event.verified or not event.job_id else "?"),
                event.tenant or "-",
                event.recipient or "(none)",
                event.status or "",
                event.reason,
                event.bounce_type,
                event.diagnostic or "",  # cells cuts it; the column shows its start
            )
        )
    return table


def reasons_table(counts: dict[str, int]) -> Table:
    table = Table(title="events by reason")
    table.add_column("reason")
    table.add_column("events", justify="right")
    for reason, count in counts.items():
        table.add_row(*cells(reason, count))
    table.add_section()
    table.add_row("total", str(sum(counts.values())))
    return table


@events.command("list")
@click.option("--job", "job_id", help="Only this job (its id, or the short id the tables print).")
@click.option("--recipient", help="Only this address (any case).")
@click.option(
    "--reason",
    type=click.Choice([reason.value for reason in Reason]),
    metavar="REASON",
    help="Only this reason (userunknown, mailboxfull, ...).",
)
@click.option(
    "--bounce-type",
    type=click.Choice([kind.value for kind in BounceType]),
    help="Only hard, soft, ...",
)
@click.option("--since", type=When(), help="From this time on (2026-11-01, or an age: 7d).")
@click.option("--until", type=When(), help="Before this time.")
@click.option("--tenant", type=CODE, help="Only this tenant's events.")
@click.option(
    "--limit", type=LIMIT, default=50, show_default=True, help="At most this many (0: all)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--by-reason", is_flag=True, help="Also count the matching events by reason.")
def list_command(
    job_id: str | None,
    recipient: str | None,
    reason: str | None,
    bounce_type: str | None,
    since: datetime | None,
    until: datetime | None,
    tenant: str | None,
    limit: int,
    as_json: bool,
    by_reason: bool,
) -> None:
    """List Event records, newest first.

    Exit status: 0 listed, 2 a bad option (a reason no release knows, a short job id that
    names several jobs), 3 no Event matches.
    """
    settings = settings_from_env()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            if job_id:
                try:
                    job_id = event_job(session, job_id)
                except LookupError as exc:
                    if not isinstance(exc, AmbiguousJob):
                        click.echo(f"no Event names job {job_id!r}", err=True)
                        raise SystemExit(EXIT_NOTHING) from None
                    raise click.BadParameter(str(exc), param_hint="--job") from None
            where = EventFilter(job_id, recipient, reason, bounce_type, since, until, tenant)
            rows = list_events(session, where, limit or None)
            counts = count_by_reason(session, where) if by_reason else {}
    finally:
        engine.dispose()
    if not rows:
        click.echo("no Event matches the filters", err=True)
        raise SystemExit(EXIT_NOTHING)
    if as_json:
        for event in rows:
            click.echo(json_text(event_to_json(event)))
        if by_reason:
            click.echo(json.dumps({"by_reason": counts}))
        return
    console = wide_console()
    console.print(events_table(rows))
    if by_reason:
        console.print(reasons_table(counts))
