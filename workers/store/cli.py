"""The database's commands: `erpmail db upgrade|current|prune` (the schema, retention) and
`erpmail suppression list|add|remove` (the addresses a tenant no longer sends to)."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from schemas.tables import Suppression
from schemas.values import utc_now
from workers.cli.context import settings_from_env, wide_console
from workers.cli.params import ADDRESS, CODE, LIMIT, REASON, tenant_option
from workers.store import migrate
from workers.store.engine import make_engine, session_scope
from workers.store.rows import row_json
from workers.store.suppressions import lift, normalize, suppress, unexpired
from workers.terminal import cells, clipped, json_text, plain


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.group()
def db() -> None:
    """The database schema (SQLite by default, PostgreSQL through DATABASE_URL)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    url = settings_from_env().database_url
    migrate.upgrade(url, revision)
    click.echo(f"{_shown(url)} is at revision {migrate.current(url)}")


@db.command("current")
def current_command() -> None:
    """Print the database's current revision."""
    url = settings_from_env().database_url
    click.echo(f"{_shown(url)}: {migrate.current(url) or 'empty (run erpmail db upgrade)'}")


@db.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def prune_command(dry_run: bool, as_json: bool) -> None:
    """Remove old raw bounce bytes, Events and sent jobs' rows (ERPMAIL_RETAIN_*_DAYS).

    Safe while workers run: small transactions, nothing still in the outbox, nothing a
    suppression cites, no job that is not finished. Run it daily (cron, a systemd timer)."""
    from workers.store.engine import make_engine
    from workers.store.retention import prune

    settings = settings_from_env()
    retention, window = settings.retention, settings.bounces.soft_bounce_window_days
    if 0 < retention.event_days < window:
        raise click.UsageError(
            f"ERPMAIL_RETAIN_EVENT_DAYS ({retention.event_days}) is shorter than the soft "
            f"bounce window (ERPMAIL_SOFT_BOUNCE_WINDOW_DAYS, {window}): pruning would forget "
            "soft bounces that still count towards a suppression"
        )
    pruned = prune(make_engine(settings.database_url), retention, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, **pruned.as_json()}))
        return
    verb = "would be" if dry_run else "were"
    for name, count in pruned.as_json().items():
        what, _, done = name.rpartition("_")
        click.echo(f"{count:>8} {what.replace('_', ' ')} {verb} {done}")


@click.group()
def suppression() -> None:
    """The suppression list: addresses not sent to, and why."""


def _row(row: Suppression) -> dict[str, object]:
    return row_json(
        row, "tenant", "address", "reason", "detail", "event_id", "created_at", "expires_at"
    )


@suppression.command("list")
@click.option("--tenant", type=CODE, help="Only this tenant.")
@click.option("--address", type=ADDRESS, help="Only this address.")
@click.option("--expired", is_flag=True, help="Include suppressions that have expired.")
@click.option(
    "--limit", type=LIMIT, default=200, show_default=True, help="At most this many (0: all)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(
    tenant: str | None, address: str | None, expired: bool, limit: int, as_json: bool
) -> None:
    """List suppressed addresses with the reason and the bounce that caused each."""
    settings = settings_from_env()
    query = select(Suppression).order_by(
        col(Suppression.created_at).desc(), col(Suppression.id).desc()
    )
    if tenant:
        query = query.where(Suppression.tenant == tenant)
    if address:
        query = query.where(Suppression.address == normalize(address))
    if not expired:
        query = query.where(unexpired(utc_now()))
    if limit:
        query = query.limit(limit)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rows = list(session.exec(query))
    finally:
        engine.dispose()
    if as_json:
        for row in rows:
            click.echo(json_text(_row(row)))
        return
    table = Table(title=f"{len(rows)} suppressed addresses")
    for name in ("tenant", "address", "reason", "since (UTC)", "expires", "event", "detail"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(
            *cells(
                row.tenant,
                row.address,
                row.reason,
                row.created_at.strftime("%Y-%m-%d %H:%M"),
                row.expires_at.strftime("%Y-%m-%d %H:%M") if row.expires_at else "never",
                row.event_id or "-",
                clipped(row.detail, 120),
            )
        )
    wide_console().print(table)


@suppression.command("add")
@click.argument("address", type=ADDRESS)
@tenant_option
@click.option(
    "--reason", type=REASON, default="manual", show_default=True, help="Why (shown in lists)."
)
@click.option("--detail", help="A note kept with it.")
@click.option("--days", type=click.IntRange(min=1), help="Expire after this many days.")
def add_command(
    tenant: str, address: str, reason: str, detail: str | None, days: int | None
) -> None:
    """Stop sending to ADDRESS for the tenant."""
    settings = settings_from_env()
    expires = utc_now() + timedelta(days=days) if days else None
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            suppress(session, tenant, address, reason, detail=detail, expires_at=expires)
    finally:
        engine.dispose()
    until = f" until {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
    click.echo(plain(f"suppressed {normalize(address)} for {tenant} ({reason}){until}"))


@suppression.command("remove")
@click.argument("address", type=ADDRESS)
@tenant_option
def remove_command(tenant: str, address: str) -> None:
    """Send to ADDRESS for the tenant again."""
    settings = settings_from_env()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            removed = lift(session, tenant, address)
    finally:
        engine.dispose()
    if not removed:
        click.echo(plain(f"{normalize(address)} was not suppressed for {tenant}"), err=True)
        raise SystemExit(1)
    click.echo(plain(f"removed {normalize(address)} from {tenant}'s suppression list"))
