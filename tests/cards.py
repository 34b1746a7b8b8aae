"""The configuration rows tests store: tenant acme, whose ADMIN is the global user."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from schemas.tables import SystemSettings, UserMailSettings
from schemas.values import TlsMode
from workers.store.engine import session_scope


def store(engine: Engine, *rows: object) -> None:
    with session_scope(engine) as session:
        for row in rows:
            session.add(row)


def acme_with_admin_as_global() -> SystemSettings:
    """Tenant acme, whose *mail sending user code* names ADMIN."""
    return SystemSettings(
        tenant="acme", company_name="Acme AS", company_slug="acme", mail_sending_user_code="ADMIN"
    )


def acme_card(user_code: str = "ADMIN", **fields: Any) -> UserMailSettings:
    """A user's card at acme with a server of its own (smtp.acme.ee, STARTTLS); ``fields``
    change or add columns."""
    return UserMailSettings(
        **{
            "tenant": "acme",
            "user_code": user_code,
            "email": f"{user_code.lower()}@acme.ee",
            "smtp_host": "smtp.acme.ee",
            "smtp_port": 587,
            "smtp_tls": TlsMode.STARTTLS,
            **fields,
        }
    )
