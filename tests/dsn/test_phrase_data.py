"""The wording data holds together: the phrases that rank others are phrases the matcher
knows, and no phrase is listed twice for one reason."""

from __future__ import annotations

from collections import Counter

import pytest

from workers.dsn import phrases

KNOWN = {phrase for _reason, listed in phrases.PHRASES for phrase in listed}


@pytest.mark.parametrize("name", ["DEFINITE_EXPIRY", "BARE_REFUSALS", "TELLING_PHRASES"])
def test_a_ranking_list_names_only_phrases_the_matcher_knows(name: str) -> None:
    assert [phrase for phrase in getattr(phrases, name) if phrase not in KNOWN] == []


def test_no_phrase_is_listed_twice_for_one_reason() -> None:
    counts = Counter((reason, phrase) for reason, listed in phrases.PHRASES for phrase in listed)
    assert [entry for entry, count in counts.items() if count > 1] == []
