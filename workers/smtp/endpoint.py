"""Where and how to connect to one SMTP server: what the SMTP client needs of a configuration.

The configuration's resolver (``workers.config``) fills it; the pool, the probe and the
failure diagnosis read it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from schemas.values import TlsMode


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to connect. ``password`` is the decrypted secret: never log this object's
    fields one by one; its ``repr`` masks the password."""

    host: str
    port: int
    tls: TlsMode
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_certificate: bool = True
    timeout_seconds: float = 30.0
    # connections the server allows one login at once (a provider's limit, from its preset);
    # None: the pool's own size
    max_connections: int | None = None

    @functools.cached_property  # asked for every mail; the endpoint never changes
    def pool_key(self) -> str:
        """Equal for endpoints that may share a pooled connection (same server, same login)."""
        secret = hashlib.sha256((self.password or "").encode()).hexdigest()[:16]
        parts = (self.host.lower(), self.port, self.tls, self.username or "", secret)
        return "|".join(str(part) for part in parts) + f"|verify={self.verify_certificate}"
