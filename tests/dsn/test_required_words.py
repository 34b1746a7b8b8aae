"""``required_words``: the words that let a pattern search be skipped are in every match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.dsn.phrases import PATTERNS
from workers.dsn.scan import required_words

HAND_WRITTEN = (
    r"failed \d{1,4} attempts",
    r"(?<![a-z])ip(?: address)? (?:is )?(?:rejected|refused|denied)",
    r"banned sender ?\[[0-9a-f:.]{2,45}\]",
    r"x[]ab|c]yyyy(?:zz|ww)?",
    r"zz[^]]www\.ex",
    r"a{2}bcd",
    r"foo{bar",
    r"abc\dxyz",
    r"q(?:abcd|ef(?:g|h))",
    r"(abcd)efg",
)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"failed \d{1,4} attempts", (" attempts",)),
        (
            r"(?<![a-z])ip(?: address)? (?:is )?(?:rejected|refused|denied)",
            ("rejected", "refused", "denied"),
        ),
        (r"banned sender ?\[[0-9a-f:.]{2,45}\]", ("banned sender",)),
        (r"x[]ab|c]yyyy(?:zz|ww)?", ("yyyy",)),  # a "]" first in a class is a member
        (r"zz[^]]www\.ex", ("www",)),  # an escape ends a run
        (r"a{2}bcd", ("bcd",)),  # a repeated character is not required as written
        (r"abcd?", ("abc",)),
        (r"q(?:abcd|ef(?:g|h))", ()),  # a nested group is not read
        (r"(?:abc|def)+efg", ("efg",)),  # a repeated group is not read
        (r"abc|defgh", ()),  # an alternation at the top requires neither side
        (r"(?i)abcdef", ()),  # inline flags change what matches
        (r"ab", ()),  # too short to be worth looking for
    ],
)
def test_required_words(pattern: str, words: tuple[str, ...]) -> None:
    assert required_words(pattern) == words


@pytest.mark.parametrize("pattern", [pattern for _, pattern in PATTERNS] + list(HAND_WRITTEN))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_match_holds_a_required_word(pattern: str, data: st.DataObject) -> None:
    words = required_words(pattern)
    text = data.draw(st.from_regex(re.compile(pattern), fullmatch=True))
    assert not words or any(word in text for word in words)
