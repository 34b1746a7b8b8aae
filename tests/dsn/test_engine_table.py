"""The engine table holds together: every marker can name its engine."""

from __future__ import annotations

import pytest

from workers.dsn.engines.table import ENGINES


@pytest.mark.parametrize("kind", ["sender", "subject", "headers", "body"])
def test_no_marker_holds_an_earlier_engines_marker(kind: str) -> None:
    """The first engine of the table with a marker found wins: a marker that holds an earlier
    engine's marker of the same kind is never the one that decides."""
    shadowed = [
        (engine.name, marker, earlier.name)
        for place, engine in enumerate(ENGINES)
        for marker in getattr(engine, kind)
        for earlier in ENGINES[:place]
        if any(theirs in marker for theirs in getattr(earlier, kind))
    ]
    assert shadowed == []
