"""``WordScan``: the words a text holds, as looking for each word in turn finds them, and the
patterns it is written with (``literal``) matching their text only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.dsn import reasons
from workers.dsn.reasons import _WORDING_SCAN, STEP_TABLES, held_words
from workers.dsn.scan import WordScan, literal

# (the source, not the module: a compiled build has none beside it)
REASONS_SOURCE = Path(__file__).resolve().parents[2] / "workers" / "dsn" / "reasons.py"
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


def test_the_classifier_scan_finds_every_word_of_the_steps_tables() -> None:
    # A word the pass does not look for would never be held: its step would not see it.
    for table in STEP_TABLES:
        for word in table:
            assert word in held_words(f"550 5.7.1 {word} (see our notes)"), word


def _step_consults(tree: ast.AST) -> list[ast.expr]:
    """What the steps look for in a diagnostic's held words: the table of each
    ``_holds_any(held, TABLE)``, the word of each ``WORD in r.held``."""
    consulted: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_holds_any":
            consulted.append(node.args[1])
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and getattr(node.comparators[0], "attr", "") == "held"
        ):
            consulted.append(node.left)
    return consulted


def test_the_steps_consult_only_tables_the_scan_looks_for() -> None:
    # A table a step asks the held words about must be one the pass looks for: otherwise
    # the step would find none of its words, whatever the text.
    consulted = _step_consults(ast.parse(REASONS_SOURCE.read_text(encoding="utf-8")))
    assert len(consulted) >= 10
    for expression in consulted:
        assert isinstance(expression, ast.Name), ast.unparse(expression)
        value = getattr(reasons, expression.id)
        table = (value,) if isinstance(value, str) else value
        assert any(table == known for known in STEP_TABLES), expression.id


def test_no_step_reads_the_diagnostic_per_word_of_a_table() -> None:
    # ``any(map(r.needle.__contains__, TABLE))`` reads the text again for each word: the
    # step asks the held words instead (``_holds_any``).
    assert "r.needle.__contains__" not in REASONS_SOURCE.read_text(encoding="utf-8")
