"""Resolution from the database: load the cards, decrypt the password, resolve."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session, select

from schemas.tables import CardChanges, SystemSettings, UserMailSettings
from workers.config.cards import CompanySettings, UserCard
from workers.config.errors import ConfigError, UserNotFound
from workers.config.presets import PresetBook, load_presets
from workers.config.resolved import ResolvedConfig
from workers.config.resolver import resolve
from workers.config.secrets import PasswordBox
from workers.settings import Settings


def load_user_row(session: Session, tenant: str, user_code: str) -> UserMailSettings | None:
    statement = select(UserMailSettings).where(
        UserMailSettings.tenant == tenant, UserMailSettings.user_code == user_code
    )
    return session.exec(statement).first()


def load_company_row(session: Session, tenant: str) -> SystemSettings | None:
    return session.get(SystemSettings, tenant)


_USERS = UserMailSettings.__table__  # type: ignore[attr-defined]
_COMPANIES = SystemSettings.__table__  # type: ignore[attr-defined]
# The two enumerations are read as the text stored: a value no release knows (written by hand,
# or by a newer release) is then the resolver's clear ConfigError, not a LookupError.
_CARD_COLUMNS = [
    sa.type_coerce(_USERS.c[name], sa.String).label(name)
    if name in ("sender_mode", "smtp_tls")
    else _USERS.c[name]
    for name in (
        "user_code",
        "email",
        "sender_mode",
        "provider",
        "smtp_host",
        "smtp_port",
        "smtp_tls",
        "smtp_username",
        "smtp_password_encrypted",
        "verify_certificate",
        "rate_per_minute",
        "rate_per_day",
        "rate_recipients_per_day",
    )
]
# The sending users' cards with their tenants' company settings, and cards alone (the
# global users'), for many users in one statement each (built once: the sender reads the
# cards of a claim batch's users together). No company: NULL columns. The statements match
# any tenant with any user: the caller keeps the pairs it asked about.
_USERS_AND_COMPANIES = (
    sa.select(
        _USERS.c.tenant.label("card_tenant"),
        *_CARD_COLUMNS,
        _COMPANIES.c.tenant,  # the company's: NULL when the tenant has no company settings
        _COMPANIES.c.company_name,
        _COMPANIES.c.company_slug,
        _COMPANIES.c.mail_sending_user_code,
    )
    .select_from(_USERS.outerjoin(_COMPANIES, _COMPANIES.c.tenant == _USERS.c.tenant))
    .where(
        _USERS.c.tenant.in_(sa.bindparam("tenants", expanding=True)),
        _USERS.c.user_code.in_(sa.bindparam("users", expanding=True)),
    )
)
_CHANGES = CardChanges.__table__  # type: ignore[attr-defined]
# the sum of its slots (PostgreSQL: migration h018), which every write to the cards raises
_CARDS_VERSION = sa.select(sa.func.sum(_CHANGES.c.version))
_CARDS = sa.select(_USERS.c.tenant.label("card_tenant"), *_CARD_COLUMNS).where(
    _USERS.c.tenant.in_(sa.bindparam("tenants", expanding=True)),
    _USERS.c.user_code.in_(sa.bindparam("users", expanding=True)),
)


@functools.lru_cache(maxsize=8)
def _password_box(secret_key: str | None) -> PasswordBox:
    """The box for ``secret_key``: its keys are derived once, not for every resolution."""
    return PasswordBox(secret_key)


# a stored card: the ORM row, or a row of the columns above
CardRow = UserMailSettings | Row[*tuple[Any, ...]]


def _password(row: CardRow, settings: Settings) -> tuple[str | None, ConfigError | None]:
    """``(password, problem)``: the decrypted password, or why it cannot be had."""
    if not row.smtp_password_encrypted:
        return None, None
    try:
        return _password_box(settings.secret_key).decrypt(row.smtp_password_encrypted), None
    except ConfigError as exc:
        return None, exc


def card_from_row(
    row: CardRow, settings: Settings, *, decrypt: bool = True, tenant: str | None = None
) -> UserCard:
    """The resolver's view of a stored card; the password decrypted when ``decrypt``.

    Without ``decrypt`` a stored password is represented by a problem note, so the card
    still counts as having one but no secret is in memory.
    """
    fix = None
    if decrypt:
        password, error = _password(row, settings)
        problem, fix = (error.problem, error.fix) if error is not None else (None, None)
    else:
        password = None
        problem = "not decrypted" if row.smtp_password_encrypted else None
    return UserCard(
        user_code=row.user_code,
        email=row.email,
        tenant=tenant,
        sender_mode=str(row.sender_mode),
        provider=row.provider,
        host=row.smtp_host,
        port=row.smtp_port,
        tls=str(row.smtp_tls) if row.smtp_tls is not None else None,
        username=row.smtp_username,
        password=password,
        password_problem=problem,
        password_fix=fix,
        verify_certificate=row.verify_certificate,
        rate_per_minute=row.rate_per_minute,
        rate_per_day=row.rate_per_day,
        rate_recipients_per_day=row.rate_recipients_per_day,
    )


def company_from_row(row: SystemSettings | Row[*tuple[Any, ...]]) -> CompanySettings:
    return CompanySettings(
        tenant=row.tenant,
        company_name=row.company_name,
        company_slug=row.company_slug,
        mail_sending_user_code=row.mail_sending_user_code or None,
    )


# a user's stored rows: their card with the company's columns, and the global user's card
# where the company names another user as the *mail sending user code*
StoredRows = tuple[Row[*tuple[Any, ...]], Row[*tuple[Any, ...]] | None]


def _cards(
    connection: Connection, statement: Any, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], Row[*tuple[Any, ...]]]:
    if not keys:
        return {}
    parameters = {"tenants": list({t for t, _ in keys}), "users": list({u for _, u in keys})}
    rows = connection.execute(statement, parameters)
    return {key: row for row in rows if (key := (row.card_tenant, row.user_code)) in keys}


def _stored_rows(
    session: Session, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], StoredRows]:
    """The stored rows of each ``(tenant, user_code)`` that has a card, two statements for
    all (one when no company names a global user)."""
    if session.autoflush:
        session.flush()  # as a query through the session would (cheap when nothing is pending)
    connection = session.connection()
    users = _cards(connection, _USERS_AND_COMPANIES, set(keys))
    global_keys = {
        key: (key[0], code)
        for key, row in users.items()
        if row.tenant is not None and (code := row.mail_sending_user_code) and code != key[1]
    }
    global_rows = _cards(connection, _CARDS, set(global_keys.values()))
    return {
        key: (row, global_rows.get(global_keys[key]) if key in global_keys else None)
        for key, row in users.items()
    }


def _user_not_found(tenant: str, user_code: str) -> UserNotFound:
    return UserNotFound(
        f"user {user_code} of tenant {tenant} has no mail settings",
        fix=f"erpmail config set {user_code} --tenant {tenant} --email ADDRESS",
    )


def _stored_rows_of(session: Session, tenant: str, user_code: str) -> StoredRows:
    found = _stored_rows(session, {(tenant, user_code)}).get((tenant, user_code))
    if found is None:
        raise _user_not_found(tenant, user_code)
    return found


def _resolve_rows(
    user_row: Row[*tuple[Any, ...]],
    global_row: Row[*tuple[Any, ...]] | None,
    settings: Settings,
    tenant: str,
    presets: PresetBook,
) -> ResolvedConfig:
    company = company_from_row(user_row) if user_row.tenant is not None else None
    user = card_from_row(user_row, settings, tenant=tenant)
    # the global user's password is used only by a user without server and login of their own
    global_password_used = not user.has_server and not user.username
    return resolve(
        user,
        card_from_row(global_row, settings, decrypt=global_password_used, tenant=tenant)
        if global_row
        else None,
        company,
        settings,
        presets,
    )


def resolve_for_job(
    session: Session,
    settings: Settings,
    tenant: str,
    user_code: str,
    presets: PresetBook | None = None,
) -> ResolvedConfig:
    """The effective SMTP configuration of a job of ``user_code`` in ``tenant``.

    Raises :class:`~workers.config.errors.ConfigError` (a subclass per problem) whose message
    says what is wrong and how to fix it; the sender dead-letters the job with class
    ``config``. Only a password that will be used is decrypted, and one that cannot be
    decrypted is an error only then.
    """
    user_row, global_row = _stored_rows_of(session, tenant, user_code)
    if presets is None:
        presets = load_presets(settings.presets_file)
    return _resolve_rows(user_row, global_row, settings, tenant, presets)


@dataclass
class _Known:
    rows: tuple[Any, ...]  # the values of the rows the configuration came from
    config: ResolvedConfig
    # the cards' version (``card_changes``) read before those rows were last read: while it
    # is unchanged, so are they; None: not known (read by a single resolution)
    checked: int | None = None


class CachedResolution:
    """:func:`resolve_for_job` for a long-running sender: a configuration is worked out again
    (passwords decrypted, presets matched, rules applied) only when the rows it came from
    changed, and a change applies to the next batch. A single resolution reads the user's
    cards; :meth:`for_batch` reads the cards' version (``card_changes``, raised by every
    write to them) and only the cards of users not checked at that version, together.
    A configuration that cannot be resolved is not kept: its error is raised afresh."""

    def __init__(self, settings: Settings, presets: PresetBook, size: int = 10_000) -> None:
        self._settings = settings
        self._presets = presets
        self._size = size
        # (tenant, user) -> what the configuration came from, least recently used first
        self._known: OrderedDict[tuple[str, str], _Known] = OrderedDict()

    def __call__(self, session: Session, tenant: str, user_code: str) -> ResolvedConfig:
        return self._resolved(tenant, user_code, _stored_rows_of(session, tenant, user_code))

    def for_batch(
        self, session: Session, keys: Collection[tuple[str, str]]
    ) -> Callable[[str, str], ResolvedConfig]:
        """The resolution of each of ``keys`` (``(tenant, user_code)``): the cards' version
        read now, and the cards of the users whose configuration is not known at that
        version read together, in two statements for all instead of one or two per user."""
        if session.autoflush:
            session.flush()  # (the session's own card changes count)
        checked = session.connection().execute(_CARDS_VERSION).scalar_one()
        stale = {
            key
            for key in keys
            if (known := self._known.get(key)) is None or known.checked != checked
        }
        stored = _stored_rows(session, stale) if stale else {}

        def resolve(tenant: str, user_code: str) -> ResolvedConfig:
            key = (tenant, user_code)
            known = self._known.get(key) if key not in stale else None
            if known is not None:
                self._known.move_to_end(key)
                return known.config
            rows = stored.get(key) if key in stale else _stored_rows(session, {key}).get(key)
            if rows is None:
                raise _user_not_found(tenant, user_code)
            return self._resolved(tenant, user_code, rows, checked)

        return resolve

    def _resolved(
        self, tenant: str, user_code: str, rows: StoredRows, checked: int | None = None
    ) -> ResolvedConfig:
        user_row, global_row = rows
        values = (tuple(user_row), tuple(global_row) if global_row is not None else None)
        key = (tenant, user_code)
        known = self._known.get(key)
        if known is None or known.rows != values:
            config = _resolve_rows(user_row, global_row, self._settings, tenant, self._presets)
            known = self._known[key] = _Known(values, config)
        known.checked = checked
        self._known.move_to_end(key)
        if len(self._known) > self._size:
            self._known.popitem(last=False)
        return known.config
