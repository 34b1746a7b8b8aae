"""A configuration's rate limits as the shared windows count them: which rules, on which
account (pure). The counts are in the database (``workers.store.rate_limits``), one row per
account for every sender process, and a mail over a limit waits in a retry queue: it is
neither failed nor counted as an attempt.
"""

from __future__ import annotations

import functools

from workers.config.resolved import RateLimit
from workers.smtp.endpoint import SmtpEndpoint
from workers.store.rate_windows import Rule, Unit

MINUTE = 60.0
DAY = 86400.0
RATE_LIMITED = "rate_limited"  # the error class of a job waiting for a window (not a failure)


@functools.cache  # asked for every mail of a limited configuration; few distinct limits
def rules_for(limit: RateLimit, scale: float = 1.0) -> tuple[Rule, ...]:
    """The windows of ``limit``; ``scale`` shortens them (``ERPMAIL_RATE_WINDOW_SCALE``:
    tests only, production counts real minutes and days). None: no limit."""
    rules = []
    if limit.per_minute:
        rules.append(Rule(MINUTE * scale, limit.per_minute))
    if limit.per_day:
        rules.append(Rule(DAY * scale, limit.per_day))
    if limit.recipients_per_day:
        rules.append(Rule(DAY * scale, limit.recipients_per_day, Unit.RECIPIENTS))
    if limit.min_interval_seconds:
        rules.append(Rule(limit.min_interval_seconds * scale, 1))
    return tuple(rules)


def account_of(endpoint: SmtpEndpoint) -> str:
    """What a provider counts sends against: the login on the server (a mailbox is the same
    whatever port or TLS mode it is reached by); the server alone without a login."""
    host = endpoint.host.strip().lower().rstrip(".")
    return f"{(endpoint.username or '').strip().lower()}|{host}"
