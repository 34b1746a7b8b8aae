"""What a bounce does to its job and to the suppression list (pure).

- Job status: ``bounced`` (hard) is final; ``delivered`` beats a soft mark; a soft bounce
  marks ``soft_bounced`` unless the job is already bounced or delivered.
- Suppression: a hard bounce or a complaint suppresses the address (a hard one for
  ``hard_suppression_days``, 0 meaning for good); soft bounces suppress once there are
  ``soft_bounce_limit`` of them within ``soft_bounce_window_days`` spread over at least
  ``soft_bounce_min_spread_days``, for ``soft_suppression_days``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.tables import MailStatus
from workers.dsn import BounceType, Reason
from workers.settings import BounceSettings


class Effect(StrEnum):
    """What a recipient's Event does to its job and address."""

    HARD = "hard"
    SOFT = "soft"
    DELIVERED = "delivered"
    COMPLAINT = "complaint"
    NONE = "none"


def effect_of(reason: Reason, bounce_type: BounceType) -> Effect:
    if reason is Reason.DELIVERED:
        return Effect.DELIVERED
    if reason is Reason.FEEDBACK:
        return Effect.COMPLAINT
    if not reason.is_failure:  # an auto-reply
        return Effect.NONE
    if bounce_type is BounceType.HARD:
        return Effect.HARD
    if bounce_type is BounceType.SOFT:
        return Effect.SOFT
    return Effect.NONE


_FINAL = {MailStatus.BOUNCED}


def next_status(current: MailStatus, effect: Effect) -> MailStatus:
    if current in _FINAL:
        return current
    if effect is Effect.HARD:
        return MailStatus.BOUNCED
    if effect is Effect.DELIVERED:
        return MailStatus.DELIVERED
    if effect is Effect.SOFT and current is not MailStatus.DELIVERED:
        return MailStatus.SOFT_BOUNCED
    return current


@dataclass(frozen=True)
class SuppressionDecision:
    expires_at: datetime | None
    detail: str


def _expiry(now: datetime, days: int) -> datetime | None:
    return now + timedelta(days=days) if days > 0 else None


def immediate_suppression(
    effect: Effect, settings: BounceSettings, now: datetime
) -> SuppressionDecision | None:
    """A hard bounce or a complaint suppresses at once."""
    if effect is Effect.HARD:
        return SuppressionDecision(_expiry(now, settings.hard_suppression_days), "hard bounce")
    if effect is Effect.COMPLAINT:
        return SuppressionDecision(None, "complaint (feedback report)")
    return None


def soft_window_start(settings: BounceSettings, now: datetime) -> datetime:
    return now - timedelta(days=settings.soft_bounce_window_days)


def soft_suppression(
    soft_bounce_times: Sequence[datetime], settings: BounceSettings, now: datetime
) -> SuppressionDecision | None:
    """Suppress after enough soft bounces in the window, spread far enough apart.

    ``soft_bounce_times``: the address's soft bounces, this one included."""
    start = soft_window_start(settings, now)
    times = sorted(t for t in soft_bounce_times if start <= t <= now)
    if settings.soft_bounce_limit <= 0 or len(times) < settings.soft_bounce_limit:
        return None
    spread = times[-1] - times[0]
    if spread < timedelta(days=settings.soft_bounce_min_spread_days):
        return None
    return SuppressionDecision(
        _expiry(now, settings.soft_suppression_days),
        f"{len(times)} soft bounces in {spread.days} days",
    )


def keeps_existing(existing_expiry: datetime | None, new_expiry: datetime | None) -> bool:
    """An active suppression that lasts at least as long as a new one is left as it is."""
    if existing_expiry is None:
        return True
    return new_expiry is not None and existing_expiry >= new_expiry
