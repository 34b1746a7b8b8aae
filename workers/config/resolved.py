"""What resolution hands to the sender: the effective SMTP configuration of one mail.

This is the contract between the resolver (``workers.config``) and the sender worker
(``workers.sender``): the resolver fills it, the sender only reads it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from enum import StrEnum

from workers.smtp.endpoint import SmtpEndpoint


class Source(StrEnum):
    """Where a resolved field came from."""

    USER = "user"  # the sending user's own card
    GLOBAL = "global"  # the user named by the system setting *mail sending user code*
    DEFAULT = "default"  # the platform relay of the deployment
    DERIVED = "derived"  # computed (e.g. the VERP envelope sender)
    SYSTEM = "system"  # the tenant's system settings (company name and slug)
    PRESET = "preset"  # the provider preset matching the server (e.g. its rate limit)


class Tier(StrEnum):
    """Which of the three resolution rules applied."""

    USER = "user"
    GLOBAL = "global"
    DEFAULT = "default"


@dataclass(frozen=True)
class RateLimit:
    """A configuration's sending limits (None: none): messages a minute and a day, recipients
    a day (each counted every time a message goes to them), one message per so many seconds.
    A minute and a day slide (a day is the last 24 hours), as the providers count them."""

    per_minute: int | None = None
    per_day: int | None = None
    min_interval_seconds: float | None = None
    recipients_per_day: int | None = None


@dataclass(frozen=True)
class ResolvedConfig:
    """The effective configuration of one mail, and for each field where it came from."""

    tier: Tier
    endpoint: SmtpEndpoint
    from_header: str  # e.g. "Acme AS <acme@events.example.com>" or "mari@acme.ee"
    reply_to: str | None  # the user's address in reply-to mode
    # MAIL FROM where it is fixed (the user's own address on the user's own server); None
    # where erpmail controls the return path: the sender makes each job's VERP address
    envelope_sender: str | None
    rate_limit: RateLimit
    sources: dict[str, Source]  # field name -> source, e.g. {"host": Source.GLOBAL, ...}
    provider: str | None = None  # preset name, when the host matches one
    warnings: tuple[str, ...] = ()  # e.g. "TLS mode none sends the password in plain text"

    @property
    def verp(self) -> bool:
        """The envelope sender is the job's VERP address (``workers.correlation``)."""
        return self.envelope_sender is None

    @functools.cached_property
    def source_json(self) -> str:
        """The tier and where each field came from, as JSON (the job's ``config_source``):
        made once per configuration, which the sender reuses for every claim of its user."""
        return json.dumps(
            {"tier": str(self.tier), **{k: str(v) for k, v in self.sources.items()}},
            sort_keys=True,
        )
