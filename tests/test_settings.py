"""Settings are checked once, when a process starts: a value erpmail cannot use is refused
with a message that names the variable and the values it accepts (issue 12, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workers.cli.main import cli
from workers.settings import SettingsError, load_settings

REFUSED = [
    # (variable, value, words the message must hold besides the variable's name)
    ("ERPMAIL_BOUNCE_POLL_SECONDS", "0", "from 1"),
    ("ERPMAIL_BOUNCE_POLL_SECONDS", "-1", "from 1"),
    ("ERPMAIL_BOUNCE_MAX_BYTES", "-5", "from 65536"),
    ("ERPMAIL_BOUNCE_MAX_BYTES", "0", "from 65536"),
    ("ERPMAIL_HARD_SUPPRESSION_DAYS", "-1", "from 0"),
    ("ERPMAIL_SOFT_BOUNCE_LIMIT", "0", "from 1"),
    ("ERPMAIL_SOFT_BOUNCE_WINDOW_DAYS", "0", "from 1"),
    ("ERPMAIL_SOFT_BOUNCE_MIN_SPREAD_DAYS", "-3", "from 0"),
    ("ERPMAIL_SOFT_SUPPRESSION_DAYS", "0", "from 1"),
    ("ERPMAIL_RELAY_TLS", "tls", "none, ssl, starttls"),
    ("ERPMAIL_RELAY_PORT", "0", "from 1 to 65535"),
    ("ERPMAIL_RELAY_PORT", "70000", "from 1 to 65535"),
    ("ERPMAIL_MAX_ATTEMPTS", "0", "from 1"),
    ("ERPMAIL_LOG_FORMAT", "xml", "json, console, auto"),
    ("ERPMAIL_LOG_LEVEL", "loud", "debug, info, warning, error"),
    ("ERPMAIL_RETRY_JITTER", "0.9", "from 0 to 0.5"),
    ("ERPMAIL_RETRY_JITTER", "-1", "from 0 to 0.5"),
    ("ERPMAIL_SHUTDOWN_GRACE", "-2", "from 0"),
    ("ERPMAIL_RATE_WINDOW_SCALE", "0", "from 0.001 to 1.0"),
    ("ERPMAIL_RATE_WINDOW_SCALE", "2", "from 0.001 to 1.0"),
    ("ERPMAIL_SENDER_PREFETCH", "0", "from 1"),
    ("ERPMAIL_BOUNCE_POLL_SECONDS", "soon", "whole number"),
]


@pytest.mark.parametrize(("name", "value", "accepted"), REFUSED, ids=lambda v: str(v))
def test_a_value_out_of_range_is_refused_naming_the_variable(
    name: str, value: str, accepted: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({name: value})
    message = str(refused.value)
    assert name in message
    assert accepted in message
    assert repr(value) in message


def test_the_soft_bounce_spread_must_fit_in_its_window() -> None:
    with pytest.raises(SettingsError, match="ERPMAIL_SOFT_BOUNCE_MIN_SPREAD_DAYS"):
        load_settings(
            {"ERPMAIL_SOFT_BOUNCE_WINDOW_DAYS": "7", "ERPMAIL_SOFT_BOUNCE_MIN_SPREAD_DAYS": "30"}
        )


def test_values_in_range_are_taken_as_given() -> None:
    settings = load_settings(
        {
            "ERPMAIL_BOUNCE_POLL_SECONDS": "1",
            "ERPMAIL_BOUNCE_MAX_BYTES": "65536",
            "ERPMAIL_HARD_SUPPRESSION_DAYS": "0",
            "ERPMAIL_RELAY_TLS": "STARTTLS",
            "ERPMAIL_LOG_FORMAT": "json",
            "ERPMAIL_RETRY_JITTER": "0",
        }
    )
    assert settings.bounces.poll_seconds == 1
    assert settings.bounces.max_message_bytes == 65536
    assert settings.relay_tls == "starttls"
    assert settings.log_format == "json"
    assert settings.retry_jitter == 0


def test_the_bounce_worker_refuses_to_start_with_a_bad_setting(tmp_path: Path) -> None:
    """The worker stops before it touches a mailbox: exit 2 and the variable's name, no
    traceback (before, a poll of 0 made the idle worker spin at 100% CPU)."""
    result = CliRunner().invoke(
        cli,
        ["worker", "bounces", "--once", "--maildir", str(tmp_path)],
        env={"ERPMAIL_BOUNCE_POLL_SECONDS": "0", "DATABASE_URL": "sqlite://"},
    )
    assert result.exit_code == 2, result.output
    assert "ERPMAIL_BOUNCE_POLL_SECONDS" in result.output
    assert "Traceback" not in result.output
