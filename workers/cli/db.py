"""`erpmail db upgrade|current`."""

from __future__ import annotations

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
