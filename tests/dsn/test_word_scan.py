"""``WordScan``: the words a text holds, as looking for each word in turn finds them, and the
patterns it is written with (``literal``) matching their text only."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.dsn.reasons import _WORDING_SCAN
from workers.dsn.scan import WordScan, literal

# Words that overlap, start one another, and hold every character a pattern gives a meaning.
WORDS = [
    "user unknown",
    "user",
    "unknown user",
    "no such user",
    "a.b",
    "a+b",
    "(x|y)",
    "[z]",
    "*?{2}",
    "^start$",
    "back\\slash",
    "non-existent",
    "it's",
    " at ",
]


@pytest.mark.parametrize(
    "text",
    [
        "no such user unknown user",
        "axb a.b a+b aab (x|y) x [z] z *?{2} ^start$ back\\slash",
        "a non-existent mailbox, it's gone; found at last",
        "",
    ],
)
def test_found_is_every_word_held(text: str) -> None:
    assert WordScan(WORDS).found(text) == {word for word in WORDS if word in text}


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="auser nkowh.+b(x|y)[z]*?{2}^$\\-'t", max_size=60))
def test_found_is_every_word_held_in_any_text(text: str) -> None:
    assert WordScan(WORDS).found(text) == {word for word in WORDS if word in text}


@settings(max_examples=200, deadline=None)
@given(word=st.text(min_size=1, max_size=12))
def test_literal_matches_its_text_only(word: str) -> None:
    pattern = re.compile(literal(word))
    assert pattern.fullmatch(word)
    assert pattern.pattern == word or any(char in ".^$*+?{}[]\\|()" for char in word)


def test_the_classifier_scan_finds_its_phrases() -> None:
    text = "550 5.1.1 <@>: recipient address rejected: user unknown in virtual mailbox table"
    held = _WORDING_SCAN.found(text)
    assert "user unknown" in held
    assert all(word in text for word in held)
