"""Resolution from the database: load the cards, decrypt the password, resolve."""

from __future__ import annotations

from sqlmodel import Session, select

from schemas.tables import SystemSettings, UserMailSettings
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


def _password(row: UserMailSettings, settings: Settings) -> tuple[str | None, str | None]:
    """``(password, problem)``: the decrypted password, or why it cannot be had."""
    if not row.smtp_password_encrypted:
        return None, None
    try:
        return PasswordBox(settings.secret_key).decrypt(row.smtp_password_encrypted), None
    except ConfigError as exc:
        return None, exc.problem


def card_from_row(row: UserMailSettings, settings: Settings, *, decrypt: bool = True) -> UserCard:
    """The resolver's view of a stored card; the password decrypted when ``decrypt``.

    Without ``decrypt`` a stored password is represented by a problem note, so the card
    still counts as having one but no secret is in memory.
    """
    if decrypt:
        password, problem = _password(row, settings)
    else:
        password = None
        problem = "not decrypted" if row.smtp_password_encrypted else None
    return UserCard(
        user_code=row.user_code,
        email=row.email,
        sender_mode=str(row.sender_mode),
        provider=row.provider,
        host=row.smtp_host,
        port=row.smtp_port,
        tls=str(row.smtp_tls) if row.smtp_tls is not None else None,
        username=row.smtp_username,
        password=password,
        password_problem=problem,
        verify_certificate=row.verify_certificate,
        rate_per_minute=row.rate_per_minute,
        rate_per_day=row.rate_per_day,
    )


def company_from_row(row: SystemSettings) -> CompanySettings:
    return CompanySettings(
        tenant=row.tenant,
        company_name=row.company_name,
        company_slug=row.company_slug,
        mail_sending_user_code=row.mail_sending_user_code or None,
    )


def resolve_for_job(
    session: Session,
    settings: Settings,
    tenant: str,
    user_code: str,
    job_id: str,
    presets: PresetBook | None = None,
) -> ResolvedConfig:
    """The effective SMTP configuration of a job of ``user_code`` in ``tenant``.

    Raises :class:`~workers.config.errors.ConfigError` (a subclass per problem) whose message
    says what is wrong and how to fix it; the sender dead-letters the job with class
    ``config``. Only a password that will be used is decrypted, and one that cannot be
    decrypted is an error only then.
    """
    user_row = load_user_row(session, tenant, user_code)
    if user_row is None:
        raise UserNotFound(
            f"user {user_code} of tenant {tenant} has no mail settings",
            fix=f"erpmail config set {user_code} --tenant {tenant} --email ADDRESS",
        )
    company_row = load_company_row(session, tenant)
    company = company_from_row(company_row) if company_row else None
    global_row = None
    if company and company.mail_sending_user_code and company.mail_sending_user_code != user_code:
        global_row = load_user_row(session, tenant, company.mail_sending_user_code)
    user = card_from_row(user_row, settings)
    # the global user's password is used only by a user without server and login of their own
    global_password_used = not user.has_server and not user.username
    return resolve(
        user,
        card_from_row(global_row, settings, decrypt=global_password_used) if global_row else None,
        company,
        settings,
        job_id,
        presets if presets is not None else load_presets(settings.presets_file),
    )
