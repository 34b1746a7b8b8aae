"""Rate limits hand out send times; a wait too long is refused without reserving."""

from __future__ import annotations

from workers.config.resolved import RateLimit
from workers.sender.ratelimit import Limiter, Limiters


def test_no_limit_never_waits() -> None:
    limiter = Limiter(RateLimit())
    assert [limiter.admit(0.0, 1.0) for _ in range(100)] == [0.0] * 100


def test_per_minute_spaces_the_sends_evenly() -> None:
    limiter = Limiter(RateLimit(per_minute=60))
    assert [limiter.admit(10.0, 60.0) for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]
    assert limiter.admit(20.0, 60.0) == 0.0


def test_a_wait_over_the_maximum_reserves_nothing() -> None:
    limiter = Limiter(RateLimit(per_minute=1))
    assert limiter.admit(0.0, 5.0) == 0.0
    assert limiter.admit(0.0, 5.0) is None
    assert limiter.admit(0.0, 5.0) is None
    assert limiter.admit(60.0, 5.0) == 0.0


def test_per_day_counts_a_rolling_day() -> None:
    limiter = Limiter(RateLimit(per_day=2))
    assert limiter.admit(0.0, 10.0) == 0.0
    assert limiter.admit(100.0, 10.0) == 0.0
    assert limiter.admit(200.0, 10.0) is None
    assert limiter.admit(86400.0 - 5, 10.0) == 5.0


def test_min_interval_applies() -> None:
    limiter = Limiter(RateLimit(min_interval_seconds=2.5))
    assert [limiter.admit(0.0, 10.0) for _ in range(3)] == [0.0, 2.5, 5.0]


def test_each_configuration_has_its_own_limiter() -> None:
    limiters = Limiters()
    one = limiters.get("a", RateLimit(per_minute=1))
    assert limiters.get("a", RateLimit(per_minute=1)) is one
    assert limiters.get("b", RateLimit(per_minute=1)) is not one
    assert limiters.get("a", RateLimit(per_minute=2)) is not one
