"""`erpmail config ...` end to end: a real database, real SMTP servers, and never a password in
the output of any command."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from schemas.values import TlsMode
from tests.certificates import Authority, make_authority
from tests.smtp_servers import SmtpTestServer, smtp_server
from workers.cli.main import cli
from workers.correlation import find_verp
from workers.store import migrate
from workers.store.engine import make_engine

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "admin-Secret-1"
MARI_PASSWORD = "mari-Secret-2"
SECRETS = (ADMIN_PASSWORD, MARI_PASSWORD, "test-secret-key")


# Tenant acme, whose *mail sending user code* names ADMIN.
ACME_WITH_ADMIN_AS_GLOBAL = (
    "config",
    "system",
    "--company-name",
    "Acme AS",
    "--company-slug",
    "acme",
    "--mail-sending-user",
    "ADMIN",
)
# MARI's card at acme: the command's start, before the options a test adds.
SET_MARI = ("config", "set", "MARI", "--email", "mari@acme.ee")


@pytest.fixture
def env(erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ERPMAIL_TENANT", "acme")
    monkeypatch.setenv("COLUMNS", "200")
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    return erpmail_env


def erpmail(*args: str, input: str | None = None, exit_code: int = 0) -> Result:
    """Run one command; its output must never hold a secret."""
    result = CliRunner().invoke(cli, list(args), input=input)
    everything = result.stdout + result.stderr
    for secret in SECRETS:
        assert secret not in everything, f"{secret!r} printed by erpmail {' '.join(args)}"
    assert result.exit_code == exit_code, everything + repr(result.exception)
    return result


@pytest.fixture
def company_server(env: dict[str, str], trust_test_ca: Authority) -> Iterator[SmtpTestServer]:
    """The company-wide server (STARTTLS + AUTH) as ADMIN's card, MARI with credentials only."""
    accounts = {"admin@acme.ee": ADMIN_PASSWORD, "mari@acme.ee": MARI_PASSWORD}
    with smtp_server(TlsMode.STARTTLS, authority=trust_test_ca, accounts=accounts) as server:
        erpmail(*ACME_WITH_ADMIN_AS_GLOBAL)
        erpmail(
            "config",
            "set",
            "ADMIN",
            "--email",
            "admin@acme.ee",
            "--host",
            server.host,
            "--port",
            str(server.port),
            "--tls",
            "starttls",
            "--username",
            "admin@acme.ee",
            "--password-stdin",
            input=ADMIN_PASSWORD + "\n",
        )
        erpmail(
            *SET_MARI,
            "--username",
            "mari@acme.ee",
            "--password-prompt",
            input=f"{MARI_PASSWORD}\n{MARI_PASSWORD}\n",
        )
        yield server


def test_a_user_with_only_credentials_resolves_to_the_global_server(
    company_server: SmtpTestServer,
) -> None:
    table = erpmail("config", "resolve", "MARI").stdout
    assert "company-wide user's server" in table
    for line in (
        f"host  .* {company_server.host} .* global",
        "username .* mari@acme.ee .* user",
        r"password .* \*{8} .* user",
        "TLS mode .* starttls .* global",
    ):
        assert re.search(line.replace(" ", r"\s*"), table), (line, table)
    data = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert data["tier"] == "global"
    assert data["fields"]["password"] == {"value": "********", "source": "user"}
    assert data["fields"]["host"] == {"value": company_server.host, "source": "global"}


def test_config_test_logs_in_with_the_users_own_credentials(
    company_server: SmtpTestServer,
) -> None:
    result = erpmail("config", "test", "MARI", "--to", "juri@example.ee")
    assert "OK" in result.stdout
    assert company_server.logins == ["mari@acme.ee"]
    assert company_server.handler.mail_froms == ["mari@acme.ee"]
    assert company_server.handler.envelopes == []
    report = json.loads(erpmail("config", "test", "MARI", "--json").stdout)
    assert report["ok"] and [s["step"] for s in report["steps"]][:5] == [
        "connect",
        "greeting",
        "ehlo",
        "starttls",
        "ehlo",
    ]


def test_config_test_reports_a_rejected_password_with_its_fix(
    company_server: SmtpTestServer,
) -> None:
    erpmail("config", "set", "MARI", "--password-stdin", input="not-the-password\n")
    result = erpmail("config", "test", "MARI", exit_code=1)
    assert "FAILED (auth_rejected) at auth" in result.stdout
    assert "Fix:" in result.stdout and "app password" in result.stdout
    report = json.loads(erpmail("config", "test", "MARI", "--json", exit_code=1).stdout)
    assert report["failure"]["class"] == "auth_rejected"
    assert report["failure"]["reply_code"] == 535


def test_send_in_reply_to_mode_uses_the_verp_envelope_sender(
    company_server: SmtpTestServer,
) -> None:
    erpmail("config", "set", "MARI", "--sender-mode", "reply_to")
    erpmail("config", "test", "MARI", "--to", "juri@example.ee", "--send")
    [envelope] = company_server.handler.envelopes
    match = find_verp(envelope.mail_from)
    assert match is not None and envelope.mail_from.endswith("@events.erpmail.test")
    content = envelope.original_content or b""
    assert b"From: Acme AS <acme@events.erpmail.test>" in content
    assert b"Reply-To: mari@acme.ee" in content
    assert f"X-Erpmail-Job-Id: {match.job_id}".encode() in content


def test_passwords_are_encrypted_in_the_database(
    company_server: SmtpTestServer, env: dict[str, str]
) -> None:
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        stored = (
            connection.execute(text("SELECT smtp_password_encrypted FROM user_mail_settings"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert len(stored) == 2
    assert not any(secret in value for value in stored for secret in SECRETS)


def test_show_masks_the_password(company_server: SmtpTestServer) -> None:
    assert "********" in erpmail("config", "show", "MARI").stdout
    assert json.loads(erpmail("config", "show", "MARI", "--json").stdout)["password"] == "********"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "smtp.acme.ee", "--port", "2525", "--tls", "starttls"], "port 2525"),
        (["--host", "smtp.acme.ee", "--port", "587", "--tls", "tls"], "TLS mode 'tls'"),
        (["--host", "smtp.acme.ee"], "no port, tls"),
        (["--provider", "nosuch"], "no provider preset 'nosuch'"),
        (["--email", "not an address"], "e-mail address"),
        (["--sender-mode", "bcc"], "sender mode 'bcc'"),
        (["--rate-per-day", "0"], "positive whole number"),
    ],
)
def test_set_refuses_what_resolution_would_refuse(
    env: dict[str, str], args: list[str], words: str
) -> None:
    erpmail("config", "set", "MARI", "--email", "mari@acme.ee")
    result = erpmail("config", "set", "MARI", *args, exit_code=2)
    assert words in result.stderr
    assert "Fix:" in result.stderr
    shown = json.loads(erpmail("config", "show", "MARI", "--json").stdout)
    assert shown["host"] is None and shown["email"] == "mari@acme.ee", "nothing was stored"


def test_a_password_without_a_username_is_refused(env: dict[str, str]) -> None:
    result = erpmail(*SET_MARI, "--password-stdin", input=MARI_PASSWORD + "\n", exit_code=2)
    assert "password but no username" in result.stderr
    erpmail("config", "show", "MARI", exit_code=2)


def test_a_provider_preset_fills_the_server(env: dict[str, str]) -> None:
    erpmail(
        "config",
        "set",
        "MARI",
        "--email",
        "mari@gmail.com",
        "--provider",
        "gmail",
        "--username",
        "mari@gmail.com",
        "--password-stdin",
        input=MARI_PASSWORD + "\n",
    )
    data = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert data["tier"] == "user"
    assert (data["fields"]["host"]["value"], data["fields"]["port"]["value"]) == (
        "smtp.gmail.com",
        465,
    )
    assert (data["rate_limit"]["per_day"], data["rate_limit"]["recipients_per_day"]) == (
        2000,
        10000,
    )
    assert any("rewrites the envelope sender" in warning for warning in data["warnings"])


def test_set_from_a_file(env: dict[str, str], tmp_path: Path) -> None:
    card = tmp_path / "mari.toml"
    card.write_text(
        'email = "mari@acme.ee"\nhost = "smtp.acme.ee"\nport = 587\ntls = "starttls"\n'
        f'username = "mari"\npassword = "{MARI_PASSWORD}"\nrate_per_minute = 10\n'
    )
    erpmail("config", "set", "MARI", "--from-file", str(card), "--port", "465", "--tls", "ssl")
    shown = json.loads(erpmail("config", "show", "MARI", "--json").stdout)
    assert (shown["port"], shown["tls"], shown["rate_per_minute"]) == (465, "ssl", 10)
    assert shown["password"] == "********"


def test_a_card_overrides_the_providers_limits_one_by_one(env: dict[str, str]) -> None:
    erpmail("config", "set", "MARI", "--email", "mari@acme.ee", "--provider", "office365")
    erpmail("config", "set", "MARI", "--rate-recipients-per-day", "2500")
    shown = json.loads(erpmail("config", "show", "MARI", "--json").stdout)
    assert (shown["rate_per_minute"], shown["rate_recipients_per_day"]) == (None, 2500)
    resolved = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert resolved["rate_limit"] == {
        "per_minute": 30,  # the preset's
        "per_day": None,
        "recipients_per_day": 2500,  # the card's
        "min_interval_seconds": None,
    }
    assert resolved["fields"]["rate_limit"] == {
        "value": "30/minute, 2500 recipients/day",
        "source": "user",
    }
    erpmail("config", "set", "MARI", "--rate-recipients-per-day", "0", exit_code=2)
    erpmail("config", "set", "MARI", "--clear-rate")
    resolved = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert resolved["rate_limit"]["recipients_per_day"] == 10000
    assert resolved["fields"]["rate_limit"]["source"] == "preset"


def test_resolution_errors_say_what_to_fix(env: dict[str, str]) -> None:
    erpmail(*ACME_WITH_ADMIN_AS_GLOBAL)
    erpmail("config", "set", "MARI", "--email", "mari@acme.ee")
    result = erpmail("config", "resolve", "MARI", exit_code=2)
    assert "names ADMIN, but ADMIN has no mail settings" in result.stderr
    assert "Fix: erpmail config set ADMIN" in result.stderr
    assert "no mail settings" in erpmail("config", "resolve", "NOBODY", exit_code=2).stderr
    erpmail("config", "system", "--mail-sending-user", "")
    data = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert data["tier"] == "default"
    assert data["fields"]["envelope_sender"]["source"] == "derived"
    assert find_verp(data["fields"]["envelope_sender"]["value"]) is not None


def test_system_settings_are_validated(env: dict[str, str]) -> None:
    assert (
        "company name and slug"
        in erpmail("config", "system", "--mail-sending-user", "ADMIN", exit_code=2).stderr
    )
    assert (
        "cannot be the local part"
        in erpmail(
            "config", "system", "--company-name", "Acme", "--company-slug", "Acme AS", exit_code=2
        ).stderr
    )


def test_turning_verification_off_is_visible(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    stranger = make_authority(tmp_path_factory.mktemp("stranger"), "stranger CA")
    with smtp_server(TlsMode.SSL, authority=stranger) as server:
        erpmail(*SET_MARI, "--host", server.host, "--port", "465", "--tls", "ssl")
        refused = erpmail("config", "test", "MARI", exit_code=1)
        assert "tls_certificate" in refused.stdout
        turned_off = erpmail("config", "set", "MARI", "--no-verify-certificate")
        assert "verification is turned off" in turned_off.stdout
        result = erpmail("config", "test", "MARI")
    assert "certificate verification is OFF" in result.stdout
    assert "CERTIFICATE NOT VERIFIED" in result.stdout


def test_rotate_key_re_encrypts_under_the_first_key(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    erpmail(
        *SET_MARI,
        "--host",
        "smtp.acme.ee",
        "--port",
        "587",
        "--tls",
        "starttls",
        "--username",
        "mari",
        "--password-stdin",
        input=MARI_PASSWORD + "\n",
    )
    monkeypatch.setenv("ERPMAIL_SECRET_KEY", "brand-new-key")
    unreadable = erpmail("config", "resolve", "MARI", exit_code=2)
    assert "cannot be decrypted" in unreadable.stderr
    monkeypatch.setenv("ERPMAIL_SECRET_KEY", "brand-new-key,test-secret-key")
    assert "re-encrypted 1" in erpmail("config", "rotate-key").stdout
    assert "already under the first key 1" in erpmail("config", "rotate-key").stdout
    monkeypatch.setenv("ERPMAIL_SECRET_KEY", "brand-new-key")
    data = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert data["fields"]["password"]["value"] == "********"
    monkeypatch.setenv("ERPMAIL_SECRET_KEY", "a-third-key")
    left = erpmail("config", "rotate-key", exit_code=1)
    assert "unreadable 1" in left.stdout and "MARI (acme)" in left.stdout


def test_presets_are_listed_with_their_sources(env: dict[str, str]) -> None:
    presets = json.loads(erpmail("config", "presets", "--json").stdout)
    keys = {preset["key"] for preset in presets}
    assert {"gmail", "office365", "zone", "telia"} <= keys
    assert all(preset["facts"] == "secondary" for preset in presets)
    assert "secondary sources" in erpmail("config", "presets").stdout


def test_an_admins_preset_file_adds_a_provider(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "presets.toml"
    extra.write_text(
        '[elkdata]\nname = "Elkdata"\nhost = "smtp.elkdata.ee"\nport = 587\ntls = "starttls"\n'
        'facts = "checked by the admin"\nrate_per_minute = 20\n'
    )
    monkeypatch.setenv("ERPMAIL_PRESETS_FILE", str(extra))
    erpmail("config", "set", "MARI", "--email", "mari@acme.ee", "--provider", "elkdata")
    data = json.loads(erpmail("config", "resolve", "MARI", "--json").stdout)
    assert data["fields"]["host"]["value"] == "smtp.elkdata.ee"
    assert data["rate_limit"]["per_minute"] == 20
    extra.write_text("[broken]\nname = 1\n")
    assert "host is missing" in erpmail("config", "presets", exit_code=2).stderr


def test_server_text_in_brackets_is_shown_as_it_is(
    env: dict[str, str], trust_test_ca: Authority
) -> None:
    reply = "535 5.7.139 Authentication unsuccessful [SmtpClientAuthentication is disabled]"
    with smtp_server(
        TlsMode.STARTTLS, authority=trust_test_ca, accounts={}, auth_reject_reply=reply
    ) as server:
        erpmail(
            *SET_MARI,
            "--host",
            server.host,
            "--port",
            "587",
            "--tls",
            "starttls",
            "--username",
            "mari@acme.ee",
            "--password-stdin",
            input=MARI_PASSWORD + "\n",
        )
        result = erpmail("config", "test", "MARI", exit_code=1)
    flat = " ".join(result.stdout.split())
    assert "[the user's own server]" in flat
    assert "[SmtpClientAuthentication is disabled]" in flat
    assert "Microsoft 365 / Office 365" in flat and "Authenticated SMTP" in flat
