"""Resolution from the database: cards loaded, the password decrypted, errors typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemas.tables import UserMailSettings
from schemas.values import SenderMode, TlsMode
from tests.cards import acme_card, acme_with_admin_as_global, store
from workers.config import errors
from workers.config.presets import load_presets
from workers.config.resolved import Source, Tier
from workers.config.secrets import PasswordBox
from workers.config.service import CachedResolution, resolve_for_job
from workers.settings import Settings
from workers.store.engine import session_scope

SETTINGS = Settings(secret_key="db-key", event_domain="events.erpmail.test")
CARDS = UserMailSettings.__table__  # type: ignore[attr-defined]


def test_a_user_with_only_credentials_inherits_the_global_server(engine: Engine) -> None:
    box = PasswordBox(SETTINGS.secret_key)
    store(
        engine,
        acme_with_admin_as_global(),
        acme_card(
            smtp_port=465,
            smtp_tls=TlsMode.SSL,
            smtp_username="admin",
            smtp_password_encrypted=box.encrypt("admin-pw"),
        ),
        UserMailSettings(
            tenant="acme",
            user_code="MARI",
            email="mari@acme.ee",
            sender_mode=SenderMode.REPLY_TO,
            smtp_username="mari",
            smtp_password_encrypted=box.encrypt("mari-pw"),
        ),
        UserMailSettings(tenant="other", user_code="MARI", email="mari@other.ee"),
    )
    with session_scope(engine) as session:
        resolved = resolve_for_job(session, SETTINGS, "acme", "MARI")
    assert resolved.tier == Tier.GLOBAL
    assert (resolved.endpoint.host, resolved.endpoint.port) == ("smtp.acme.ee", 465)
    assert (resolved.endpoint.username, resolved.endpoint.password) == ("mari", "mari-pw")
    assert resolved.sources["password"] == Source.USER
    assert resolved.from_header == "Acme AS <acme@events.erpmail.test>"
    assert resolved.verp  # reply-to mode: the sender makes each job's VERP address


def test_other_tenants_cards_are_not_seen(engine: Engine) -> None:
    store(engine, UserMailSettings(tenant="other", user_code="MARI", email="mari@other.ee"))
    with session_scope(engine) as session, pytest.raises(errors.UserNotFound) as raised:
        resolve_for_job(session, SETTINGS, "acme", "MARI")
    assert "user MARI of tenant acme has no mail settings" in str(raised.value)


def test_a_password_stored_under_another_key_is_a_config_error(engine: Engine) -> None:
    store(
        engine,
        acme_card(
            "MARI",
            smtp_username="mari",
            smtp_password_encrypted=PasswordBox("lost-key").encrypt("pw"),
        ),
    )
    with session_scope(engine) as session, pytest.raises(errors.PasswordUnreadable) as raised:
        resolve_for_job(session, SETTINGS, "acme", "MARI")
    assert "cannot be decrypted" in str(raised.value)
    assert isinstance(raised.value, errors.ConfigError)


def test_a_tls_mode_no_release_knows_is_a_config_error_not_a_crash(engine: Engine) -> None:
    store(
        engine,
        acme_card("MARI"),
    )
    with session_scope(engine) as session:  # written by hand, or by a newer release
        session.execute(sa.text("UPDATE user_mail_settings SET smtp_tls = 'tls'"))
    with session_scope(engine) as session, pytest.raises(errors.InvalidTlsMode):
        resolve_for_job(session, SETTINGS, "acme", "MARI")


def test_the_global_password_is_not_decrypted_for_a_user_with_own_credentials(
    engine: Engine,
) -> None:
    store(
        engine,
        acme_with_admin_as_global(),
        acme_card(
            email=None,
            smtp_username="admin",
            smtp_password_encrypted=PasswordBox("lost-key").encrypt("pw"),
        ),
        UserMailSettings(
            tenant="acme",
            user_code="MARI",
            email="mari@acme.ee",
            smtp_username="mari",
            smtp_password_encrypted=PasswordBox(SETTINGS.secret_key).encrypt("m"),
        ),
        UserMailSettings(tenant="acme", user_code="JURI", email="juri@acme.ee"),
    )
    with session_scope(engine) as session:
        mari = resolve_for_job(session, SETTINGS, "acme", "MARI")
        assert (mari.endpoint.username, mari.endpoint.password) == ("mari", "m")
        with pytest.raises(errors.PasswordUnreadable, match="the global user ADMIN"):
            resolve_for_job(session, SETTINGS, "acme", "JURI")


def store_mari_under_admin(engine: Engine, box: PasswordBox, *more: UserMailSettings) -> None:
    """Acme whose global user ADMIN holds the server and password, MARI a card of her own
    with neither, and ``more`` cards."""
    store(
        engine,
        acme_with_admin_as_global(),
        acme_card(smtp_username="admin", smtp_password_encrypted=box.encrypt("admin-pw")),
        UserMailSettings(tenant="acme", user_code="MARI", email="mari@acme.ee"),
        *more,
    )


def change_admin_password(session: Session, box: PasswordBox, password: str) -> None:
    session.execute(
        sa.update(CARDS)
        .where(CARDS.c.user_code == "ADMIN")
        .values(smtp_password_encrypted=box.encrypt(password))
    )


def test_a_cached_resolution_is_worked_out_again_only_when_its_cards_change(
    engine: Engine,
) -> None:
    """The sender's resolution reads the cards every time but reuses the configuration
    worked out from the same rows; a changed card (the user's or the global user's) or a
    removed one is seen at once, and an error is raised afresh each time."""
    box = PasswordBox(SETTINGS.secret_key)
    store_mari_under_admin(engine, box)
    cached = CachedResolution(SETTINGS, load_presets(None))
    with session_scope(engine) as session:
        first = cached(session, "acme", "MARI")
        assert cached(session, "acme", "MARI") is first
        assert first.endpoint.password == "admin-pw"
    with session_scope(engine) as session:  # the global user's password changes
        change_admin_password(session, box, "new-pw")
    with session_scope(engine) as session:
        second = cached(session, "acme", "MARI")
        assert second.endpoint.password == "new-pw"
        session.execute(
            sa.update(CARDS)
            .where(CARDS.c.user_code == "MARI")
            .values(smtp_host="smtp.mari.ee", smtp_port=465, smtp_tls=TlsMode.SSL)
        )
        third = cached(session, "acme", "MARI")
        assert (third.endpoint.host, third.tier) == ("smtp.mari.ee", Tier.USER)
        session.execute(sa.delete(CARDS).where(CARDS.c.user_code == "MARI"))
        for _ in range(2):
            with pytest.raises(errors.UserNotFound):
                cached(session, "acme", "MARI")


def test_a_batch_reads_its_users_cards_together_and_resolves_each_as_alone(
    engine: Engine,
) -> None:
    """The sender's claim batch: every user's configuration (a global user's server and
    password inherited, another tenant's card of the same code not mixed in) is what a
    resolution of that user alone gives; a user without a card is UserNotFound, raised only
    for that user; and the next batch reads the cards again."""
    box = PasswordBox(SETTINGS.secret_key)
    store_mari_under_admin(
        engine,
        box,
        UserMailSettings(
            tenant="other",
            user_code="JURI",
            email="juri@other.ee",
            smtp_host="smtp.other.ee",
            smtp_port=465,
            smtp_tls=TlsMode.SSL,
        ),
    )
    cached = CachedResolution(SETTINGS, load_presets(None))
    keys = {("acme", "MARI"), ("acme", "ADMIN"), ("other", "JURI"), ("acme", "JURI")}
    with session_scope(engine) as session:
        resolve = cached.for_batch(session, keys)
        for tenant, user in sorted(keys - {("acme", "JURI")}):
            assert resolve(tenant, user) == resolve_for_job(session, SETTINGS, tenant, user)
        assert resolve("acme", "MARI").endpoint.password == "admin-pw"
        assert resolve("other", "JURI").endpoint.host == "smtp.other.ee"
        with pytest.raises(errors.UserNotFound, match="user JURI of tenant acme"):
            resolve("acme", "JURI")
        change_admin_password(session, box, "new-pw")
    with session_scope(engine) as session:
        resolve = cached.for_batch(session, keys)
        changed = resolve("acme", "MARI")
        assert changed.endpoint.password == "new-pw"
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *call: statements.append(call[2]))
    with session_scope(engine) as session:  # no card changed: none is read
        resolve = cached.for_batch(session, {("acme", "MARI")})
        assert resolve("acme", "MARI") is changed
    assert len(statements) == 1 and "card_changes" in statements[0]
