"""Reconnect delays: exponential, jittered, capped — so that workers do not reconnect in step."""

from __future__ import annotations

import itertools
import random

from workers.backoff import backoff_delays


def test_delays_double_within_jitter_up_to_the_cap() -> None:
    delays = list(itertools.islice(backoff_delays(1.0, 8.0, random.Random(7)), 7))
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_two_workers_draw_different_delays() -> None:
    first = list(itertools.islice(backoff_delays(rng=random.Random(1)), 5))
    second = list(itertools.islice(backoff_delays(rng=random.Random(2)), 5))
    assert first != second
