"""Agreement with the corpus' expected answers (dev/, and dev/ with dev-more/).

``REACHED`` is what this version achieves: falling below it is a regression and fails.
``FLOORS`` are the product's targets: falling below any of them fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dsn.score import (
    FLOORS,
    METRICS,
    REACHED,
    REACHED_ALL,
    Score,
    score_directories,
    score_directory,
)


@pytest.fixture(scope="module")
def score(corpus: Path) -> Score:
    return score_directory(corpus)


@pytest.fixture(scope="module")
def score_all(corpora: list[Path]) -> Score:
    return score_directories(corpora)


def _below(score: Score, floors: dict[str, float]) -> dict[str, str]:
    return {
        m: f"{score.rate(m):.2%} < {floors[m]:.0%}" for m in METRICS if score.rate(m) < floors[m]
    }


@pytest.mark.slow
def test_no_regression_below_the_agreement_reached(score: Score) -> None:
    below = _below(score, REACHED)
    assert not below, f"regression: {below}; misses: {score.misses_by_engine()}"


@pytest.mark.slow
def test_the_product_floors_are_met(score: Score) -> None:
    below = _below(score, FLOORS)
    assert not below, f"below the product floors: {below}; misses: {score.misses_by_engine()}"


@pytest.mark.slow
def test_no_regression_on_dev_and_dev_more(score_all: Score) -> None:
    below = _below(score_all, REACHED_ALL)
    assert not below, f"regression: {below}; misses: {score_all.misses_by_engine()}"
