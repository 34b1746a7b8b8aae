"""The log never carries a secret: secret-sounding keys, URL passwords, registered secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.tables import TlsMode
from workers.config.resolved import SmtpEndpoint
from workers.config.secrets import PasswordBox
from workers.logging import (
    REDACTED,
    configure_logging,
    get_logger,
    redact_secrets,
    register_secret,
)


def redacted(**event: Any) -> dict[str, Any]:
    return dict(redact_secrets(None, "info", dict(event)))


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "smtp_password",
        "smtp_password_encrypted",
        "secret",
        "api_key",
        "token",
        "credentials",
        "PASSWORD",
    ],
)
def test_values_under_secret_sounding_keys_are_masked(key: str) -> None:
    assert redacted(**{key: "hunter2-value"})[key] == REDACTED


def test_nested_values_and_urls_are_masked_and_the_rest_kept() -> None:
    event = redacted(
        event="connect",
        job_id="j-1",
        options={"host": "smtp.acme.ee", "auth": {"password": "in-a-dict"}},
        urls=["amqp://guest:broker-pw@127.0.0.1:5672/%2F", "imaps://events:imap-pw@h:993/INBOX"],
        empty_password="",
    )
    assert event["job_id"] == "j-1" and event["options"]["host"] == "smtp.acme.ee"
    assert event["options"]["auth"]["password"] == REDACTED
    assert event["urls"] == [
        f"amqp://guest:{REDACTED}@127.0.0.1:5672/%2F",
        f"imaps://events:{REDACTED}@h:993/INBOX",
    ]
    assert event["empty_password"] == "", "an empty value hides nothing"


def test_a_decrypted_password_is_masked_in_any_text() -> None:
    box = PasswordBox("logging-test-key")
    token = box.encrypt("Decrypted-Only-Once-42")
    assert box.decrypt(token) == "Decrypted-Only-Once-42"
    event = redacted(error="535 login failed for mari with Decrypted-Only-Once-42 (bad)")
    assert event["error"] == f"535 login failed for mari with {REDACTED} (bad)"
    assert "logging-test-key" not in redacted(note="key=logging-test-key")["note"]


def test_the_configured_logger_writes_no_secret(capsys: pytest.CaptureFixture[str]) -> None:
    box = PasswordBox("logging-test-key")
    password = box.decrypt(box.encrypt("Another-Secret-77"))
    configure_logging("json", "debug")
    endpoint = SmtpEndpoint("smtp.acme.ee", 587, TlsMode.STARTTLS, "mari", password)
    log = get_logger(job_id="j-2")
    log.info("smtp.login", endpoint=endpoint, password=password, detail=f"pw {password}")
    try:
        raise RuntimeError(f"server said no to {password}")
    except RuntimeError:
        log.exception("smtp.failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["smtp.login", "smtp.failed"]
    assert all(line["job_id"] == "j-2" for line in lines)
    assert "Another-Secret-77" not in json.dumps(lines)
    assert "server said no to ***" in lines[1]["exception"]


def test_short_values_are_not_registered() -> None:
    register_secret("abcd")
    assert redacted(note="abcd efgh")["note"] == "abcd efgh"
