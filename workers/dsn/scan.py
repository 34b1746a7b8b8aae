"""Many words looked for in one text, the loop over the words run by ``map`` (in C): the
parser's tables (phrases, engine markers) hold dozens of words that most texts lack, and a
Python loop spent more on itself than on the searches."""

from __future__ import annotations

from bisect import bisect_left
from itertools import compress, islice


def first_held(text: str, words: tuple[str, ...], places: tuple[int, ...], below: int) -> int:
    """The first of ``places`` (ascending, one for each of ``words``) below ``below`` whose
    word is in ``text``; ``below`` when there is none."""
    tried = islice(words, bisect_left(places, below))
    return next(compress(places, map(text.__contains__, tried)), below)
