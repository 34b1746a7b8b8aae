"""What every command needs: settings and logging, set up once per invocation, and a
console for tables."""

from __future__ import annotations

import logging
import sys

import click
from rich.console import Console
from rich.rule import Rule

from workers.logging import configure_logging
from workers.settings import Settings, SettingsError, load_settings

# Piped or redirected, a table is read by grep, awk or a log, not by eyes: a width no row
# reaches, so rich never folds or cuts a cell (a timestamp or address split over two lines
# defeats `grep`). A table is as wide as its content, so this pads nothing.
PIPE_WIDTH = 100_000
RULE_WIDTH = 80


def settings_from_env(long_running: bool = False) -> Settings:
    """The settings, logging configured. A one-shot command (not ``long_running``) keeps pika's
    own error lines out of its output unless it logs at debug: the command says what failed
    in one sentence with the fix (``workers.cli.errors``), and pika's five lines for a refused
    login would only bury it."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    configure_logging(settings.log_format, settings.log_level)
    if not long_running and settings.log_level.lower() != "debug":
        logging.getLogger("pika").setLevel(logging.CRITICAL)
    return settings


def rule(console: Console, title: str) -> None:
    """A section line: the terminal's width, or ``RULE_WIDTH`` columns in a file or pipe (a
    piped console is as wide as any table row, far too wide for a line that only separates)."""
    console.print(Rule(title), width=None if console.is_terminal else RULE_WIDTH)


def wide_console(stderr: bool = False) -> Console:
    """The console every command prints with: the terminal's width on a terminal; in a file
    or pipe, one that never wraps a table's row."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr) if stream.isatty() else Console(stderr=stderr, width=PIPE_WIDTH)
