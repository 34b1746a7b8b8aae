"""Per-configuration sending rates: a mail over the limit waits, it does not fail (pure).

A :class:`Limiter` holds the limits of one SMTP configuration (messages per minute, per day,
a minimum interval) and hands out send times. :meth:`Limiter.admit` says how long the
caller must wait before sending; when that is longer than the caller will wait, nothing is
reserved and the caller defers the job through a retry queue instead.

The counts are per worker process and start again when it does: with several processes a
configuration may send up to the limit in each of them (nothing divides it yet), and a
restart forgets the day's count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from workers.config.resolved import RateLimit

DAY = 86400.0


@dataclass
class Limiter:
    limit: RateLimit
    _next_minute_slot: float = 0.0
    _next_interval_slot: float = 0.0
    _day: deque[float] = field(default_factory=deque)

    @property
    def unlimited(self) -> bool:
        return not (self.limit.per_minute or self.limit.per_day or self.limit.min_interval_seconds)

    def admit(self, now: float, max_wait: float) -> float | None:
        """Seconds to wait before sending (a slot is reserved), or None when that would be
        longer than ``max_wait`` (nothing reserved)."""
        if self.unlimited:
            return 0.0
        start = now
        if self.limit.per_minute:
            start = max(start, self._next_minute_slot)
        if self.limit.min_interval_seconds:
            start = max(start, self._next_interval_slot)
        if self.limit.per_day:
            while self._day and self._day[0] <= now - DAY:
                self._day.popleft()
            if len(self._day) >= self.limit.per_day:
                start = max(start, self._day[len(self._day) - self.limit.per_day] + DAY)
        wait = start - now
        if wait > max_wait:
            return None
        if self.limit.per_minute:
            self._next_minute_slot = start + 60.0 / self.limit.per_minute
        if self.limit.min_interval_seconds:
            self._next_interval_slot = start + self.limit.min_interval_seconds
        if self.limit.per_day:
            self._day.append(start)
        return wait


@dataclass
class Limiters:
    """One :class:`Limiter` per configuration (pool key)."""

    _limiters: dict[str, Limiter] = field(default_factory=dict)

    def get(self, key: str, limit: RateLimit) -> Limiter:
        limiter = self._limiters.get(key)
        if limiter is None or limiter.limit != limit:
            limiter = self._limiters[key] = Limiter(limit)
        return limiter
