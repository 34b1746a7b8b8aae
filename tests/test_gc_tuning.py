"""A long-running worker hides its startup objects from the collector and collects its
young generation less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from workers.gc_tuning import YOUNG_GENERATION_THRESHOLD, freeze_startup_objects


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_startup_objects_are_frozen_and_the_young_generation_waits_longer() -> None:
    _young, middle, old = gc.get_threshold()
    freeze_startup_objects()
    assert gc.get_freeze_count() > 1000  # at least what the imports built
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, middle, old)


class Node:
    partner: Node | None = None


def test_garbage_cycles_made_after_the_freeze_are_still_collected_on_their_own() -> None:
    freeze_startup_objects()
    first, second = Node(), Node()
    first.partner, second.partner = second, first
    gone = weakref.ref(first)
    del first, second
    # allocations enough for the collector to run on its own; no gc.collect() here
    kept: list[list[int]] = [[] for _ in range(3 * YOUNG_GENERATION_THRESHOLD)]
    assert gone() is None
    assert len(kept) == 3 * YOUNG_GENERATION_THRESHOLD
