"""When to try a failed job again, and when to give up (pure).

The ladder (``ERPMAIL_RETRY_LADDER``) gives the wait after the first, second, ... failed
attempt; past its end the last step repeats. Each wait is one of the TTL retry queues
``mail.retry.<N>s``; jitter shortens a message's own expiration by up to ``jitter`` of the
step, so that jobs that failed together do not come back together. A job is given up on
(dead-lettered) when its failure is permanent, when it has had ``max_attempts`` attempts, or
when its first failure is older than ``max_age``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from workers.settings import Settings
from workers.smtp.failures import Failure


@dataclass(frozen=True)
class Retry:
    delay_seconds: int  # the ladder step: the retry queue mail.retry.<N>s
    expiration_ms: int  # the message's own TTL, at most the queue's

    @property
    def routing_key(self) -> str:
        return str(self.delay_seconds)


@dataclass(frozen=True)
class GiveUp:
    reason: str


Decision = Retry | GiveUp


@dataclass(frozen=True)
class RetryPolicy:
    ladder: tuple[int, ...]
    max_attempts: int
    max_age: timedelta
    jitter: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            ladder=settings.retry_ladder,
            max_attempts=settings.max_attempts,
            max_age=timedelta(seconds=settings.retry_max_age_seconds),
            jitter=settings.retry_jitter,
        )

    def step(self, attempt: int) -> int:
        """The ladder step after failed attempt number ``attempt`` (1-based)."""
        return self.ladder[min(max(attempt, 1), len(self.ladder)) - 1]

    def later(self, step: int, rand: float | None = None) -> Retry:
        """A wait of one ``step`` of the ladder, shortened by the jitter."""
        fraction = random.random() if rand is None else rand
        return Retry(step, max(1, round(step * 1000 * (1 - self.jitter * fraction))))

    def decide(
        self,
        failure: Failure,
        attempt: int,
        first_failure: datetime,
        now: datetime,
        rand: float | None = None,
    ) -> Decision:
        """Retry or give up after attempt number ``attempt`` failed with ``failure``."""
        if failure.permanent:
            return GiveUp(f"permanent failure: {failure.text}")
        if attempt >= self.max_attempts:
            return GiveUp(f"gave up after {attempt} attempts; last: {failure.text}")
        if now - first_failure >= self.max_age:
            return GiveUp(
                f"gave up after {now - first_failure} of failures "
                f"(limit {self.max_age}); last: {failure.text}"
            )
        return self.later(self.step(attempt), rand)

    def shortest_step_at_least(self, seconds: float) -> int:
        """The smallest ladder step that waits at least ``seconds`` (else the longest)."""
        fitting = [step for step in sorted(set(self.ladder)) if step >= seconds]
        return fitting[0] if fitting else max(self.ladder)
