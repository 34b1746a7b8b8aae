"""Every fix the resolver can print is a command that runs as printed (its placeholders
filled in), on the tenant the problem is in — even with ERPMAIL_TENANT naming another."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlmodel import select

from schemas.tables import SystemSettings, UserMailSettings
from schemas.values import SenderMode, TlsMode
from workers.cli.main import cli
from workers.config import errors
from workers.config.cards import CompanySettings, UserCard
from workers.config.presets import load_presets
from workers.config.resolver import resolve
from workers.config.secrets import PasswordBox
from workers.config.service import resolve_for_job
from workers.settings import Settings, load_settings
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

SETTINGS = Settings(secret_key="k", event_domain="events.erpmail.test", relay_tls="none")
PRESETS = load_presets()
TENANT = "acme"
COMPANY = CompanySettings(TENANT, "Acme AS", "acme", mail_sending_user_code="ADMIN")
MARI = UserCard(user_code="MARI", email="mari@acme.ee", tenant=TENANT)
SERVER = replace(MARI, host="smtp.acme.ee", port=587, tls="starttls")  # MARI with a server
ADMIN = replace(
    SERVER, user_code="ADMIN", email="admin@acme.ee", username="admin@acme.ee", password="pw"
)

# (what is wrong, the error, the cards): one case per fix text the resolver prints
CASES: list[tuple[type[errors.ConfigError], UserCard | None, UserCard | None, object]] = [
    (errors.UserNotFound, None, ADMIN, COMPANY),
    (errors.IncompleteServer, replace(MARI, host="smtp.acme.ee"), ADMIN, COMPANY),
    (errors.InvalidPort, replace(SERVER, port=2525), ADMIN, COMPANY),
    (errors.InvalidTlsMode, replace(SERVER, tls="tls1.3"), ADMIN, COMPANY),
    (errors.PasswordWithoutUsername, replace(MARI, password="pw"), ADMIN, COMPANY),
    (errors.UsernameWithoutPassword, replace(MARI, username="mari@acme.ee"), ADMIN, COMPANY),
    (errors.InvalidSenderMode, replace(MARI, sender_mode="both"), ADMIN, COMPANY),
    (
        errors.PasswordUnreadable,
        replace(SERVER, username="mari", password_problem="wrong key"),
        ADMIN,
        COMPANY,
    ),
    (errors.ConfigLoop, replace(MARI, user_code="ADMIN"), None, COMPANY),
    (errors.GlobalUserNotFound, MARI, None, COMPANY),
    (errors.GlobalUserHasNoServer, MARI, replace(ADMIN, host=None, port=None, tls=None), COMPANY),
    (errors.MissingEmail, replace(MARI, email=None), ADMIN, COMPANY),
    (errors.InvalidEmail, replace(MARI, email="not an address"), ADMIN, COMPANY),
    (errors.MissingCompany, replace(MARI, sender_mode="reply_to"), None, None),
]
PLACEHOLDERS = {
    "H": "smtp.acme.ee",
    "P": "587",
    "T": "starttls",
    "ADDRESS": "mari@acme.ee",
    "CODE": "ADMIN",
    "USER": "MARI",
    "SLUG": "acme",
}
COMMAND = re.compile(r"erpmail config (?:set|system)[^,()]*")


def fix_of(error: type[errors.ConfigError], user: UserCard | None, *cards: object) -> str:
    global_user, company = cards
    with pytest.raises(error) as raised:
        resolve(user, global_user, company, SETTINGS, PRESETS)  # type: ignore[arg-type]
    assert raised.value.fix is not None
    return raised.value.fix


def commands(fix: str) -> list[list[str]]:
    """The commands in a fix text, placeholders filled in, as arguments of `erpmail`."""
    found = []
    for text in COMMAND.findall(fix):
        words = shlex.split(text.strip())[1:]
        filled = []
        for previous, word in zip(["", *words], words, strict=False):
            if word == "NAME":
                word = "office365" if previous == "--provider" else "Acme AS"
            filled.append(PLACEHOLDERS.get(word, word))
        found.append(filled)
    return found


def test_every_resolver_error_has_a_fix_with_a_command_on_its_tenant() -> None:
    for error, user, *cards in CASES:
        fix = fix_of(error, user, *cards)
        found = commands(fix)
        assert found, f"{error.__name__}: no command in {fix!r}"
        for words in found:
            assert words[words.index("--tenant") + 1] == TENANT, (error.__name__, fix)
            assert "TENANT" not in words


def seed(url: str, cards: list[UserCard | None], company: object) -> None:
    """The broken state as stored (the CLI refuses to store most of it: written directly)."""
    box = PasswordBox(load_settings().secret_key)
    with session_scope(make_engine(url)) as session:
        if isinstance(company, CompanySettings):
            session.add(
                SystemSettings(
                    tenant=TENANT,
                    company_name=company.company_name,
                    company_slug=company.company_slug,
                    mail_sending_user_code=company.mail_sending_user_code,
                )
            )
        for card in cards:
            if card is None:
                continue
            token = box.encrypt(card.password) if card.password else None
            # a column holds only valid modes: such a card comes from elsewhere; its fix
            # (setting a valid mode) must still leave a configuration that resolves
            tls = TlsMode(card.tls) if card.tls in set(TlsMode) else None
            valid_mode = card.sender_mode in set(SenderMode)
            mode = SenderMode(card.sender_mode) if valid_mode else SenderMode.OWN
            session.add(
                UserMailSettings(
                    tenant=TENANT,
                    user_code=card.user_code,
                    email=card.email,
                    sender_mode=mode,
                    smtp_host=card.host,
                    smtp_port=card.port,
                    smtp_tls=tls,
                    smtp_username=card.username,
                    smtp_password_encrypted="gAAAA-not-a-token" if card.password_problem else token,
                )
            )


@pytest.mark.parametrize("case", CASES, ids=[case[0].__name__ for case in CASES])
def test_each_fix_runs_as_printed_and_resolves_the_problem_on_its_tenant(
    case: tuple[type[errors.ConfigError], UserCard | None, UserCard | None, object],
    erpmail_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first command of each fix, run on the stored broken state, makes the configuration
    resolve, on tenant acme, while ERPMAIL_TENANT names another tenant."""
    monkeypatch.setenv("ERPMAIL_TENANT", "other")
    url = erpmail_env["DATABASE_URL"]
    migrate.upgrade(url)
    error, user, global_user, company = case
    seed(url, [user, global_user], company)
    first = commands(fix_of(error, user, global_user, company))[0]
    result = CliRunner().invoke(cli, first, input="new-password\nnew-password\n")
    assert result.exit_code == 0, (first, result.output)
    user_code = user.user_code if user is not None else "MARI"
    engine = make_engine(url)
    with session_scope(engine) as session:
        resolved = resolve_for_job(session, load_settings(), TENANT, user_code)
        tenants = {row.tenant for row in session.exec(select(UserMailSettings))}
        tenants |= {row.tenant for row in session.exec(select(SystemSettings))}
    assert resolved.endpoint.host
    assert tenants == {TENANT}
