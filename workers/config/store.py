"""Writing SMTP settings: a user's card, a tenant's system settings, key rotation.

Every write is validated the way resolution will read it, so that a card that would only
fail at sending time is refused when it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from schemas.addresses import AddressError, has_control_character, parse_mailbox
from schemas.job import CODE_RULE, is_code
from schemas.tables import SystemSettings, UserMailSettings
from schemas.values import SenderMode, TlsMode, utc_now
from workers.config.errors import (
    ConfigError,
    InvalidEmail,
    InvalidPort,
    InvalidSenderMode,
    InvalidTlsMode,
    UnknownProvider,
)
from workers.config.presets import PresetBook
from workers.config.resolved import Source
from workers.config.resolver import check_card, server_warnings_of_card
from workers.config.secrets import PasswordBox
from workers.config.service import card_from_row, load_company_row, load_user_row
from workers.settings import Settings

CLEAR = object()  # a change that empties the field

SETTABLE = (
    "email",
    "sender_mode",
    "provider",
    "host",
    "port",
    "tls",
    "username",
    "password",
    "verify_certificate",
    "rate_per_minute",
    "rate_per_day",
    "rate_recipients_per_day",
)
RATE_SETTINGS = ("rate_per_minute", "rate_per_day", "rate_recipients_per_day")
_COLUMN = {
    "host": "smtp_host",
    "port": "smtp_port",
    "tls": "smtp_tls",
    "username": "smtp_username",
}
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_USERS = UserMailSettings.__table__  # type: ignore[attr-defined]
_COMPANY_NAME_LENGTH = SystemSettings.__table__.c.company_name.type.length  # type: ignore[attr-defined]


class InvalidSetting(ConfigError):
    """A value given to `config set` or `config system` that cannot be stored."""


def check_code(value: str, what: str) -> None:
    """Refuse a tenant or user code no mail job could carry: its card could never be used."""
    if not is_code(value):
        raise InvalidSetting(
            f"{what} {value!r} is not a code a mail job can carry", fix=f"use {CODE_RULE}"
        )


def _one_line(name: str, value: str, limit: int) -> str:
    """``value`` when it is one line of printable text that fits its column."""
    if has_control_character(value):
        raise InvalidSetting(f"{name} must not hold control characters or line breaks: {value!r}")
    if len(value) > limit:
        raise InvalidSetting(f"{name} is {len(value)} characters long, over the limit of {limit}")
    return value


@dataclass(frozen=True)
class SaveResult:
    row: UserMailSettings
    created: bool
    warnings: tuple[str, ...]


def _coerce(name: str, value: Any) -> Any:
    """The stored form of one setting, or :class:`ConfigError` naming the problem."""
    if value is CLEAR or value is None or value == "":
        return None
    if name == "port":
        try:
            port = int(value)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            raise InvalidPort(
                f"port must be a number from 1 to 65535, not {value!r}",
                fix="--port 587 (or 465, 25)",
            )
        return port
    if name == "tls":
        try:
            return TlsMode(str(value).strip().lower())
        except ValueError:
            raise InvalidTlsMode(
                f"TLS mode {value!r} is not none, ssl or starttls",
                fix="--tls starttls (or ssl, none)",
            ) from None
    if name == "sender_mode":
        try:
            return SenderMode(str(value).strip().lower().replace("-", "_"))
        except ValueError:
            raise InvalidSenderMode(
                f"sender mode {value!r} is not own or reply_to",
                fix="--sender-mode own (or reply_to)",
            ) from None
    if name == "email":
        try:
            parse_mailbox(str(value))
        except AddressError as exc:
            raise InvalidEmail(f"the e-mail address {exc}", fix="--email name@example.ee") from None
        return _one_line(name, str(value).strip(), _USERS.c.email.type.length)
    if name in RATE_SETTINGS:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if number <= 0:
            raise InvalidSetting(
                f"{name} must be a positive whole number, not {value!r}",
                fix=f"--{name.replace('_', '-')} 30",
            )
        return number
    if name == "verify_certificate":
        if not isinstance(value, bool):
            raise InvalidSetting(
                f"verify_certificate must be true or false, not {value!r}",
                fix="--verify-certificate or --no-verify-certificate",
            )
        return value
    text = _one_line(name, str(value).strip(), _USERS.c[_COLUMN.get(name, name)].type.length)
    if name == "host" and len(text.split()) != 1:
        raise InvalidSetting(f"host must be one name without spaces, not {text!r}")
    return text


def apply_provider(changes: Mapping[str, Any], presets: PresetBook) -> dict[str, Any]:
    """``changes`` with a provider preset's host, port and TLS mode filled in where the
    changes do not give them."""
    result = dict(changes)
    key = changes.get("provider")
    if key in (None, CLEAR, ""):
        return result
    preset = presets.get(str(key))
    if preset is None:
        known = ", ".join(p.key for p in presets) or "none"
        raise UnknownProvider(
            f"there is no provider preset {key!r} (known: {known})",
            fix="erpmail config presets lists them; an admin adds one "
            "in the file named by ERPMAIL_PRESETS_FILE",
        )
    result["provider"] = preset.key
    result.setdefault("host", preset.host)
    result.setdefault("port", preset.port)
    result.setdefault("tls", str(preset.tls))
    return result


def save_user_settings(
    session: Session,
    settings: Settings,
    tenant: str,
    user_code: str,
    changes: Mapping[str, Any],
    presets: PresetBook,
) -> SaveResult:
    """Apply ``changes`` (setting name -> value, or :data:`CLEAR`) to a user's card.

    Refuses (raising :class:`ConfigError`) a card that resolution would refuse; the password
    is encrypted before it is stored, and never returned.
    """
    check_code(tenant, "the tenant")
    check_code(user_code, "the user code")
    unknown = set(changes) - set(SETTABLE)
    if unknown:
        raise InvalidSetting(
            f"unknown setting(s): {', '.join(sorted(unknown))}",
            fix=f"the settings are {', '.join(SETTABLE)}",
        )
    changes = apply_provider(changes, presets)
    row = load_user_row(session, tenant, user_code)
    created = row is None
    if row is None:
        row = UserMailSettings(tenant=tenant, user_code=user_code)
    for name, value in changes.items():
        if name == "password":
            continue
        stored = _coerce(name, value)
        if name == "sender_mode" and stored is None:
            stored = SenderMode.OWN
        if name == "verify_certificate" and stored is None:
            stored = True
        setattr(row, _COLUMN.get(name, name), stored)
    if "password" in changes:
        password = changes["password"]
        if password is CLEAR or password is None or password == "":
            row.smtp_password_encrypted = None
        else:
            row.smtp_password_encrypted = PasswordBox(settings.secret_key).encrypt(str(password))
    card = card_from_row(row, settings, decrypt=False, tenant=row.tenant)
    check_card(card, Source.USER)
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    return SaveResult(row, created, tuple(server_warnings_of_card(card, presets)))


def save_system_settings(
    session: Session,
    tenant: str,
    company_name: str | None,
    company_slug: str | None,
    mail_sending_user_code: str | None,
) -> tuple[SystemSettings, tuple[str, ...]]:
    """Create or change a tenant's system settings; ``None`` leaves a field as it is, and
    ``mail_sending_user_code=""`` clears the setting. Returns the row and warnings."""
    check_code(tenant, "the tenant")
    if mail_sending_user_code:
        check_code(mail_sending_user_code, "the mail sending user code")
    row = load_company_row(session, tenant)
    if row is None:
        if not company_name or not company_slug:
            raise InvalidSetting(
                f"tenant {tenant} has no system settings yet: give the company name and slug",
                fix=f"erpmail config system --tenant {tenant} --company-name NAME "
                "--company-slug SLUG",
            )
        row = SystemSettings(tenant=tenant, company_name=company_name, company_slug=company_slug)
    if company_name is not None:
        if (
            not company_name.strip()
            or has_control_character(company_name)
            or len(company_name.strip()) > _COMPANY_NAME_LENGTH
        ):
            raise InvalidSetting(
                f"the company name must be one non-empty line of at most "
                f"{_COMPANY_NAME_LENGTH} characters",
                fix="--company-name 'Acme AS'",
            )
        row.company_name = company_name.strip()
    if company_slug is not None:
        if not _SLUG_RE.match(company_slug):
            raise InvalidSetting(
                f"the company slug {company_slug!r} cannot be the local part of an address: "
                "use lower-case letters, digits, dot, hyphen or underscore",
                fix="--company-slug acme",
            )
        row.company_slug = company_slug
    warnings: list[str] = []
    if mail_sending_user_code == "":
        row.mail_sending_user_code = None
    elif mail_sending_user_code is not None:
        row.mail_sending_user_code = mail_sending_user_code
        named = load_user_row(session, tenant, mail_sending_user_code)
        if named is None:
            warnings.append(
                f"{mail_sending_user_code} has no mail settings yet: users without "
                "their own server cannot send until it has a complete server"
            )
        elif not (named.smtp_host and named.smtp_port and named.smtp_tls):
            warnings.append(
                f"{mail_sending_user_code} has no complete SMTP server yet: users "
                "without their own server cannot send until it has one"
            )
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    return row, tuple(warnings)


def rotate_passwords(
    session: Session,
    settings: Settings,
    progress: Callable[[UserMailSettings, str], None] | None = None,
) -> dict[str, int]:
    """Re-encrypt every stored password under the first key of ERPMAIL_SECRET_KEY.

    Returns counts: ``rotated``, ``current`` (already under the first key), ``unreadable``
    (under none of the keys: left as they are, reported through ``progress``).
    """
    box = PasswordBox(settings.secret_key)
    counts = {"rotated": 0, "current": 0, "unreadable": 0}
    rows = session.exec(
        select(UserMailSettings).where(UserMailSettings.smtp_password_encrypted.is_not(None))  # type: ignore[union-attr]
    ).all()
    for row in rows:
        token = row.smtp_password_encrypted
        assert token is not None
        if box.is_current(token):
            outcome = "current"
        else:
            try:
                row.smtp_password_encrypted = box.rotate(token)
            except ConfigError:
                outcome = "unreadable"
            else:
                row.updated_at = utc_now()
                session.add(row)
                outcome = "rotated"
        counts[outcome] += 1
        if progress is not None:
            progress(row, outcome)
    session.flush()
    return counts
