"""What every command needs: settings and logging, set up once per invocation."""

from __future__ import annotations

import logging

import click

from workers.logging import configure_logging
from workers.settings import Settings, SettingsError, load_settings


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
