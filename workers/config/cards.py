"""The resolver's inputs as plain data: a user's card and the tenant's company settings.

``workers.config.service`` builds them from the database rows (decrypting the password);
tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserCard:
    """What one user's card holds. ``password`` is decrypted; ``password_problem`` says why a
    stored password could not be decrypted (it is then ``None``)."""

    user_code: str
    email: str | None = None
    tenant: str | None = None  # for the fix texts: runnable as printed, on this tenant
    sender_mode: str = "own"
    provider: str | None = None
    host: str | None = None
    port: int | None = None
    tls: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_problem: str | None = None
    password_fix: str | None = None  # what to do about the problem (it depends on its cause)
    verify_certificate: bool = True
    rate_per_minute: int | None = None
    rate_per_day: int | None = None
    rate_recipients_per_day: int | None = None

    @property
    def has_password(self) -> bool:
        return self.password is not None or self.password_problem is not None

    @property
    def server_fields(self) -> dict[str, object]:
        return {"host": self.host, "port": self.port, "tls": self.tls}

    @property
    def has_server(self) -> bool:
        """A complete server: host, port and TLS mode all set."""
        return all(value not in (None, "") for value in self.server_fields.values())

    @property
    def has_part_of_server(self) -> bool:
        return any(value not in (None, "") for value in self.server_fields.values())


@dataclass(frozen=True)
class CompanySettings:
    """A tenant's system settings."""

    tenant: str
    company_name: str
    company_slug: str
    mail_sending_user_code: str | None = None
