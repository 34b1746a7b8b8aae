"""`erpmail db upgrade|current`."""

from __future__ import annotations

import json

import click
from sqlalchemy.engine import make_url

from workers.cli.context import settings_from_env
from workers.store import migrate


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
