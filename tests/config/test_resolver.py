"""The resolver, as a specification: every tier, every override, every validation error."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from schemas.values import TlsMode
from workers.config import errors
from workers.config.cards import CompanySettings, UserCard
from workers.config.presets import load_presets
from workers.config.resolved import RateLimit, ResolvedConfig, Source, Tier
from workers.config.resolver import resolve
from workers.config.secrets import signing_key
from workers.correlation import envelope_sender, find_verp, verify_tag
from workers.settings import Settings

JOB = str(uuid.uuid4())
SETTINGS = Settings(
    secret_key="current-key,old-key",
    event_domain="events.erpmail.test",
    relay_host="relay.erpmail.test",
    relay_port=2525,
    relay_tls="none",
)
PRESETS = load_presets()
COMPANY = CompanySettings("acme", "Acme AS", "acme", mail_sending_user_code="ADMIN")
NO_GLOBAL = CompanySettings("acme", "Acme AS", "acme", mail_sending_user_code=None)

MARI = UserCard(user_code="MARI", email="mari@acme.ee")
MARI_OWN_SERVER = replace(
    MARI, host="smtp.acme.ee", port=587, tls="starttls", username="mari", password="mari-pw"
)
MARI_CREDENTIALS_ONLY = replace(MARI, username="mari@acme.ee", password="mari-pw")
ADMIN = UserCard(
    user_code="ADMIN",
    email="admin@acme.ee",
    host="smtp.office365.com",
    port=587,
    tls="starttls",
    username="admin@acme.ee",
    password="admin-pw",
)


def run(
    user: UserCard | None,
    global_user: UserCard | None = ADMIN,
    company: CompanySettings | None = COMPANY,
    settings: Settings = SETTINGS,
) -> ResolvedConfig:
    return resolve(user, global_user, company, settings, PRESETS)


def job_envelope_sender(resolved: ResolvedConfig) -> str:
    """MAIL FROM of the job JOB as the sender makes it from ``resolved``."""
    return resolved.envelope_sender or envelope_sender(
        JOB, SETTINGS.event_domain, signing_key(SETTINGS.secret_key)
    )


def is_verp_of_job(address: str) -> bool:
    match = find_verp(address)
    return (
        match is not None
        and match.job_id == JOB
        and address.endswith("@events.erpmail.test")
        and verify_tag(match, b"current-key")
    )


def test_tier_1_the_users_own_complete_server_is_used_whole() -> None:
    resolved = run(MARI_OWN_SERVER)
    assert resolved.tier == Tier.USER
    endpoint = resolved.endpoint
    assert (endpoint.host, endpoint.port, endpoint.tls) == ("smtp.acme.ee", 587, TlsMode.STARTTLS)
    assert (endpoint.username, endpoint.password) == ("mari", "mari-pw")
    own = ("host", "port", "tls", "username", "password", "from_header", "envelope_sender")
    assert {resolved.sources[name] for name in own} == {Source.USER}
    assert resolved.provider is None
    assert resolved.from_header == "mari@acme.ee"
    assert resolved.reply_to is None
    assert resolved.envelope_sender == "mari@acme.ee"


def test_tier_1_without_a_username_does_not_log_in() -> None:
    resolved = run(replace(MARI_OWN_SERVER, username=None, password=None))
    assert (resolved.endpoint.username, resolved.endpoint.password) == (None, None)
    assert resolved.sources["username"] == Source.USER


def test_tier_2_takes_server_and_credentials_from_the_global_user() -> None:
    resolved = run(MARI)
    assert resolved.tier == Tier.GLOBAL
    endpoint = resolved.endpoint
    assert (endpoint.host, endpoint.port, endpoint.tls) == (
        "smtp.office365.com",
        587,
        TlsMode.STARTTLS,
    )
    assert (endpoint.username, endpoint.password) == ("admin@acme.ee", "admin-pw")
    for name in ("host", "port", "tls", "username", "password", "verify_certificate"):
        assert resolved.sources[name] == Source.GLOBAL, name
    assert resolved.from_header == "mari@acme.ee"
    assert resolved.envelope_sender == "mari@acme.ee"


def test_tier_2_with_only_username_and_password_overridden() -> None:
    resolved = run(MARI_CREDENTIALS_ONLY)
    assert resolved.tier == Tier.GLOBAL
    assert resolved.endpoint.host == "smtp.office365.com"
    assert (resolved.endpoint.username, resolved.endpoint.password) == ("mari@acme.ee", "mari-pw")
    assert resolved.sources["host"] == Source.GLOBAL
    assert resolved.sources["username"] == resolved.sources["password"] == Source.USER


def test_tier_2_global_server_without_login_and_user_without_credentials() -> None:
    relay_admin = replace(ADMIN, host="mx.acme.ee", port=25, username=None, password=None)
    resolved = run(MARI, global_user=relay_admin)
    assert (resolved.endpoint.username, resolved.endpoint.password) == (None, None)
    assert resolved.sources["username"] == Source.GLOBAL


def test_tier_3_the_platform_relay_with_a_verp_envelope_sender() -> None:
    resolved = run(MARI, global_user=None, company=NO_GLOBAL)
    assert resolved.tier == Tier.DEFAULT
    endpoint = resolved.endpoint
    assert (endpoint.host, endpoint.port, endpoint.tls) == ("relay.erpmail.test", 2525, "none")
    assert endpoint.username is None and endpoint.password is None
    assert resolved.sources["host"] == Source.DEFAULT
    assert resolved.sources["envelope_sender"] == Source.DERIVED
    assert resolved.verp and is_verp_of_job(job_envelope_sender(resolved))
    assert resolved.from_header == "mari@acme.ee"
    assert resolved.warnings == ()


def test_tier_3_without_any_system_settings() -> None:
    resolved = run(MARI, global_user=None, company=None)
    assert resolved.tier == Tier.DEFAULT


def test_tier_3_says_that_the_users_credentials_are_not_used() -> None:
    resolved = run(MARI_CREDENTIALS_ONLY, global_user=None, company=NO_GLOBAL)
    assert resolved.endpoint.username is None
    assert any("not used" in warning for warning in resolved.warnings)


@pytest.mark.parametrize(
    "user",
    [replace(MARI, sender_mode="reply_to"), replace(MARI_OWN_SERVER, sender_mode="reply_to")],
)
def test_reply_to_mode_sends_from_the_company_with_reply_to_the_user(user: UserCard) -> None:
    resolved = run(user)
    assert resolved.from_header == "Acme AS <acme@events.erpmail.test>"
    assert resolved.reply_to == "mari@acme.ee"
    assert resolved.sources["from_header"] == Source.SYSTEM
    assert resolved.verp and is_verp_of_job(job_envelope_sender(resolved))


def test_a_company_name_with_a_comma_is_quoted() -> None:
    company = replace(COMPANY, company_name="Acme, Tallinn")
    resolved = run(replace(MARI, sender_mode="reply_to"), company=company)
    assert resolved.from_header == '"Acme, Tallinn" <acme@events.erpmail.test>'


def test_the_verp_tag_uses_the_first_of_several_keys() -> None:
    resolved = run(MARI, global_user=None, company=NO_GLOBAL)
    match = find_verp(job_envelope_sender(resolved))
    assert match is not None and not verify_tag(match, b"old-key")


def test_a_providers_connection_limit_goes_with_the_endpoint() -> None:
    assert run(MARI).endpoint.max_connections == 3  # Office 365: three per mailbox
    assert run(MARI_OWN_SERVER).endpoint.max_connections is None


def test_provider_limits_become_the_rate_limit_unless_the_card_sets_one() -> None:
    assert run(MARI).rate_limit == RateLimit(per_minute=30, recipients_per_day=10000)
    assert run(MARI).sources["rate_limit"] == Source.PRESET
    assert run(MARI).provider == "office365"
    own = run(replace(MARI_CREDENTIALS_ONLY, rate_per_minute=5))
    assert (own.rate_limit.per_minute, own.sources["rate_limit"]) == (5, Source.USER)
    admin_limited = run(MARI, global_user=replace(ADMIN, rate_per_day=100))
    assert (admin_limited.rate_limit.per_day, admin_limited.sources["rate_limit"]) == (
        100,
        Source.GLOBAL,
    )
    # a card replaces the limits it sets; the provider's others still hold
    assert admin_limited.rate_limit == RateLimit(
        per_minute=30, per_day=100, recipients_per_day=10000
    )
    lifted = run(replace(MARI, rate_recipients_per_day=20000))
    assert lifted.rate_limit == RateLimit(per_minute=30, recipients_per_day=20000)
    zone = run(replace(MARI_OWN_SERVER, host="smtp.zone.ee", port=465, tls="ssl"))
    assert zone.provider == "zone"
    assert zone.rate_limit.min_interval_seconds == 5.0
    assert run(MARI_OWN_SERVER).rate_limit == RateLimit()
    assert run(MARI_OWN_SERVER).sources["rate_limit"] == Source.DEFAULT


def test_every_field_has_a_source() -> None:
    for user in (
        MARI,
        MARI_OWN_SERVER,
        MARI_CREDENTIALS_ONLY,
        replace(MARI, sender_mode="reply_to"),
    ):
        resolved = run(user)
        assert set(resolved.sources) == {
            "host",
            "port",
            "tls",
            "verify_certificate",
            "username",
            "password",
            "provider",
            "from_header",
            "reply_to",
            "envelope_sender",
            "rate_limit",
        }


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (replace(MARI_OWN_SERVER, tls="ssl", port=587), "implicit TLS (ssl) on port 587"),
        (replace(MARI_OWN_SERVER, tls="starttls", port=465), "starttls on port 465"),
        (replace(MARI_OWN_SERVER, tls="none"), "sends the SMTP password in plain text"),
        (replace(MARI_OWN_SERVER, tls="none", username=None, password=None), "mail in plain"),
        (replace(MARI_OWN_SERVER, verify_certificate=False), "verification is turned off"),
        (replace(MARI_OWN_SERVER, host="smtp.gmail.com", port=465, tls="ssl"), "rewrites"),
        (replace(MARI, sender_mode="reply_to"), "accepts only the mailbox's own From"),
        (replace(MARI_OWN_SERVER, provider="nosuch"), "preset 'nosuch' is unknown"),
    ],
)
def test_warnings(user: UserCard, expected: str) -> None:
    warnings = run(user).warnings
    assert any(expected in warning for warning in warnings), warnings


GLOBAL_NO_SERVER = replace(ADMIN, host=None, port=None, tls=None)


@pytest.mark.parametrize(
    ("user", "global_user", "company", "settings", "error", "words"),
    [
        (None, ADMIN, COMPANY, SETTINGS, errors.UserNotFound, "no mail settings"),
        (
            replace(MARI_OWN_SERVER, port=2525),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.InvalidPort,
            "port 2525",
        ),
        (
            replace(MARI_OWN_SERVER, tls="tls"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.InvalidTlsMode,
            "TLS mode 'tls'",
        ),
        (
            replace(MARI_OWN_SERVER, port=None),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.IncompleteServer,
            "no port",
        ),
        (
            replace(MARI, host="smtp.acme.ee"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.IncompleteServer,
            "no port, tls",
        ),
        (
            replace(MARI, password="pw"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.PasswordWithoutUsername,
            "password but no username",
        ),
        (
            replace(MARI, username="mari"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.UsernameWithoutPassword,
            "but no password",
        ),
        (MARI, None, COMPANY, SETTINGS, errors.GlobalUserNotFound, "ADMIN has no mail settings"),
        (MARI, GLOBAL_NO_SERVER, COMPANY, SETTINGS, errors.GlobalUserHasNoServer, "no SMTP server"),
        (
            MARI,
            replace(ADMIN, port=2526),
            COMPANY,
            SETTINGS,
            errors.InvalidPort,
            "the global user ADMIN has SMTP port 2526",
        ),
        (
            MARI,
            replace(ADMIN, password=None),
            COMPANY,
            SETTINGS,
            errors.UsernameWithoutPassword,
            "the global user ADMIN",
        ),
        (
            MARI,
            None,
            replace(COMPANY, mail_sending_user_code="MARI"),
            SETTINGS,
            errors.ConfigLoop,
            "points back to itself",
        ),
        (
            replace(MARI, email=None),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.MissingEmail,
            "no e-mail address",
        ),
        (
            replace(MARI, email=None, sender_mode="reply_to"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.MissingEmail,
            "reply-to mode needs it",
        ),
        (
            replace(MARI, email="mari at acme"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.InvalidEmail,
            "not a valid e-mail address",
        ),
        (
            replace(MARI, sender_mode="reply_to"),
            None,
            None,
            SETTINGS,
            errors.MissingCompany,
            "company's name and slug",
        ),
        (
            replace(MARI, sender_mode="bcc"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.InvalidSenderMode,
            "sender mode 'bcc'",
        ),
        (
            MARI,
            None,
            NO_GLOBAL,
            replace(SETTINGS, secret_key=None),
            errors.MissingSecretKey,
            "ERPMAIL_SECRET_KEY is not set",
        ),
        (
            MARI,
            None,
            NO_GLOBAL,
            replace(SETTINGS, relay_tls="tls"),
            errors.InvalidTlsMode,
            "ERPMAIL_RELAY_TLS",
        ),
        (
            replace(MARI_CREDENTIALS_ONLY, password=None, password_problem="key changed"),
            ADMIN,
            COMPANY,
            SETTINGS,
            errors.PasswordUnreadable,
            "key changed",
        ),
        (
            MARI,
            replace(ADMIN, password=None, password_problem="key changed"),
            COMPANY,
            SETTINGS,
            errors.PasswordUnreadable,
            "the global user ADMIN",
        ),
    ],
)
def test_validation_errors_say_what_and_how_to_fix(
    user: UserCard | None,
    global_user: UserCard | None,
    company: CompanySettings | None,
    settings: Settings,
    error: type[errors.ConfigError],
    words: str,
) -> None:
    with pytest.raises(error) as raised:
        run(user, global_user, company, settings)
    assert words in str(raised.value)
    assert raised.value.fix, "every configuration error names its fix"
    assert "Fix: " in str(raised.value)
    assert raised.value.error_class == "config"


def test_an_unreadable_password_that_is_not_used_is_no_error() -> None:
    broken_admin = replace(ADMIN, password=None, password_problem="key changed")
    resolved = run(MARI_CREDENTIALS_ONLY, global_user=broken_admin)
    assert resolved.endpoint.password == "mari-pw"


def test_own_mode_without_verp_needs_no_secret_key() -> None:
    resolved = run(MARI_OWN_SERVER, settings=replace(SETTINGS, secret_key=None))
    assert resolved.envelope_sender == "mari@acme.ee"


def test_the_password_is_not_in_the_resolved_repr() -> None:
    assert "admin-pw" not in repr(run(MARI))


def test_inherited_office365_credentials_with_a_from_the_mailbox_does_not_own_warn() -> None:
    inherited = run(MARI)  # MARI has no login: ADMIN's Office 365 mailbox sends From mari@
    assert inherited.provider == "office365"
    (warning,) = [w for w in inherited.warnings if "Send As" in w]
    assert "MARI sends From mari@acme.ee through the mailbox admin@acme.ee" in warning
    assert "erpmail config set MARI --tenant TENANT --username ADDRESS" in warning
    assert not [w for w in run(MARI_CREDENTIALS_ONLY).warnings if "Send As" in w]
    admin_as_user = replace(MARI, email="admin@acme.ee")
    assert not [w for w in run(admin_as_user).warnings if "Send As" in w]
