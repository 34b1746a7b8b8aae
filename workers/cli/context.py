"""What every command needs: settings and logging, set up once per invocation."""

from __future__ import annotations

import click

from workers.logging import configure_logging
from workers.settings import Settings, SettingsError, load_settings


def settings_from_env() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    configure_logging(settings.log_format, settings.log_level)
    return settings
