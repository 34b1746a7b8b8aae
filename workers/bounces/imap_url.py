"""``IMAP_URL`` → where and how to connect: ``imaps://user:pass@host:993/INBOX`` (implicit TLS)
or ``imap://user:pass@host:143/INBOX`` (STARTTLS, always required: never plain text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote, urlsplit


class ImapUrlError(ValueError):
    """IMAP_URL cannot be used; the message says what is wrong."""


class ImapTls(StrEnum):
    IMPLICIT = "implicit"
    STARTTLS = "starttls"


DEFAULT_PORTS = {ImapTls.IMPLICIT: 993, ImapTls.STARTTLS: 143}


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    tls: ImapTls
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    def describe(self) -> str:
        """The target without the password, for logs."""
        scheme = "imaps" if self.tls is ImapTls.IMPLICIT else "imap"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapTarget:
    parts = urlsplit(url)
    schemes = {"imaps": ImapTls.IMPLICIT, "imap": ImapTls.STARTTLS}
    if parts.scheme not in schemes:
        raise ImapUrlError(
            f"IMAP_URL must start with imaps:// (TLS) or imap:// (STARTTLS), not {parts.scheme!r}"
        )
    tls = schemes[parts.scheme]
    if not parts.hostname:
        raise ImapUrlError("IMAP_URL names no host")
    if not parts.username or parts.password is None:
        raise ImapUrlError("IMAP_URL needs a user and a password: imaps://user:pass@host/INBOX")
    try:
        port = parts.port or DEFAULT_PORTS[tls]
    except ValueError:
        raise ImapUrlError("IMAP_URL has a port that is not a number") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username),
        password=unquote(parts.password),
        folder=folder,
    )
