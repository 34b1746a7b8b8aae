"""The parser agrees with the dev corpus' expected answers at least as often as the floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.dsn.score import FLOORS, METRICS, score_directory


@pytest.mark.slow
def test_agreement_with_the_dev_corpus_holds_the_floors(corpus: Path) -> None:
    score = score_directory(corpus)
    rates = {metric: score.rate(metric) for metric in METRICS}
    below = {m: f"{rates[m]:.2%} < {FLOORS[m]:.0%}" for m in METRICS if rates[m] < FLOORS[m]}
    assert not below, f"below the floor: {below}; misses: {score.misses_by_engine()}"
