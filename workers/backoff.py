"""Reconnect delays: exponential with full jitter, capped (pure)."""

from __future__ import annotations

import random
from collections.abc import Iterator


def backoff_delays(
    first: float = 1.0, cap: float = 60.0, rng: random.Random | None = None
) -> Iterator[float]:
    """Endless delays in seconds: each drawn from [ceiling/2, ceiling], the ceiling doubling
    from ``first`` up to ``cap``, so that many workers do not reconnect in step."""
    rng = rng or random.Random()
    ceiling = first
    while True:
        yield rng.uniform(ceiling / 2, ceiling)
        ceiling = min(cap, ceiling * 2)
