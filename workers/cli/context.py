"""What every command needs: settings and logging, set up once per invocation, and a
console for tables."""

from __future__ import annotations

import logging
import sys

import click
from rich.console import Console

from workers.logging import configure_logging
from workers.settings import Settings, SettingsError, load_settings

PIPE_WIDTH = 180


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


def wide_console() -> Console:
    """The terminal's width on a terminal; wide enough not to wrap tables in a file or pipe."""
    return Console() if sys.stdout.isatty() else Console(width=PIPE_WIDTH)
