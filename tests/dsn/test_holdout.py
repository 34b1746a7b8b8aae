"""The holdout benchmark's pure parts: the split and flufl's table (no download here)."""

from __future__ import annotations

from bench.dsn.holdout import expected_addresses, split_of

TABLE = """
import pytest

DETECTORS = [
    ('postfix', 'postfix_01.txt', [b'Gone@Example.org'], False),
    ('groupwise', 'odd_01.txt', [], False),
    ('exchange', 'odd_01.txt', [b'x@example.com'], False),
    ('simplematch', 'none_01.txt', [], False),
]
"""


def test_the_split_is_a_fixed_function_of_the_file_name() -> None:
    names = [f"mail_{n:02}.txt" for n in range(40)]
    first = [split_of(n) for n in names]
    assert first == [split_of(n) for n in names]
    assert set(first) == {"tune", "test"}


def test_expected_addresses_are_read_from_the_table_without_running_it() -> None:
    expected = expected_addresses(TABLE)
    assert expected["postfix_01.txt"] == {"gone@example.org"}
    assert expected["odd_01.txt"] == {"x@example.com"}  # the union over detectors
    assert expected["none_01.txt"] == frozenset()
