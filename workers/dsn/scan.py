"""Many words looked for in one text: the parser's tables (phrases, engine markers) hold
dozens of words that most texts lack."""

from __future__ import annotations

import re


class WordScan:
    """Every one of many words a text holds, found in one pass: the words are the
    alternatives of one regular expression shaped as a trie (their common starts written
    once), so the regex engine reads the text once, following at each position only the
    branch its next character leads into, where looking for each word in turn reads the text
    once per word."""

    __slots__ = ("_chains", "_pattern")

    def __init__(self, words: list[str]) -> None:
        ordered = sorted({word for word in words if word})
        self._pattern = re.compile(_trie(ordered)) if ordered else None
        # At a position the expression matches the longest word starting there; the shorter
        # ones starting there are its prefixes: each word is given with the words it starts
        # with. (Sorted, a word's prefixes come before it and every word between them starts
        # with them too: the prefixes of the word at hand are a stack.)
        self._chains: dict[str, tuple[str, ...]] = {}
        stack: list[str] = []
        for word in ordered:
            while stack and not word.startswith(stack[-1]):
                stack.pop()
            stack.append(word)
            self._chains[word] = tuple(stack)

    def found(self, text: str) -> set[str]:
        """The words ``text`` holds."""
        held: set[str] = set()
        if self._pattern is None:
            return held
        search = self._pattern.search
        match = search(text)
        while match is not None:
            held.update(self._chains[match.group()])
            # (words overlap: the next one may start inside this one)
            match = search(text, match.start() + 1)
        return held


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` (sorted, distinct; ``""`` where a word ends) with their
    common starts factored out: at each branch the alternatives start with distinct
    characters, so a match is the longest word there (a word that ends makes the rest
    optional)."""
    ends = bool(words) and words[0] == ""
    rest = words[1:] if ends else words
    alternatives: list[str] = []
    start = 0
    while start < len(rest):
        stop = start + 1
        while stop < len(rest) and rest[stop][0] == rest[start][0]:
            stop += 1
        group = rest[start:stop]
        # (sorted: what the first and the last share, all share)
        first, last = group[0], group[-1]
        shared = 0
        while shared < min(len(first), len(last)) and first[shared] == last[shared]:
            shared += 1
        common = first[:shared]
        alternatives.append(literal(common) + _trie([word[len(common) :] for word in group]))
        start = stop
    if not alternatives:
        return ""
    if len(alternatives) == 1 and not ends:
        return alternatives[0]
    return f"(?:{'|'.join(alternatives)})" + ("?" if ends else "")


def first_held(text: str, words: tuple[str, ...], places: tuple[int, ...], below: int) -> int:
    """The first of ``places`` (ascending, one for each of ``words``) below ``below`` whose
    word is in ``text``; ``below`` when there is none."""
    # A plain loop: it stops at the first word held or at ``below``, where the iterators of
    # a loop run in C (islice, compress, map) cost more to build than they saved.
    for word, place in zip(words, places, strict=False):
        if place >= below:
            break
        if word in text:
            return place
    return below


# Characters with a meaning of their own in a pattern (outside a character class).
_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")


def literal(text: str) -> str:
    """``text`` as a pattern matching itself: only the characters with a meaning outside a
    character class escaped. (``re.escape`` escapes spaces, hyphens and more besides, each
    escape parsed at a cost of its own when the pattern is compiled, at every start.)"""
    if _SPECIAL.isdisjoint(text):
        return text
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def required_words(pattern: str) -> tuple[str, ...]:
    """Words one of which every match of ``pattern`` holds (``()`` when none is known): the
    longest run of plain characters at the pattern's top level, or a top-level group of plain
    alternatives (``(?:rejected|refused)``), whichever has the longer shortest word. A regular
    expression search costs far more than looking for a word, and most texts lack the word.

    Read conservatively: anything not plain (an escape, a class, a quantified character or
    group, a lookaround, an alternation at the top, inline flags) only ends a run."""
    if pattern.startswith("(?") and pattern[2:3].isalpha():  # inline flags (?i), (?x)...
        return ()
    candidates: list[tuple[str, ...]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            candidates.append(("".join(run),))
            run.clear()

    position, length = 0, len(pattern)
    while position < length:
        char = pattern[position]
        quantified = position + 1 < length and pattern[position + 1] in _QUANTIFIERS
        if char == "|":  # an alternation at the top: no word is required
            return ()
        if char == "(" or char == "[":
            end = _closing(pattern, position)
            if end < 0:
                return ()
            inner = pattern[position + 3 : end] if pattern.startswith("(?:", position) else ""
            words = tuple(inner.split("|")) if inner else ()
            end_run()
            quantified = end + 1 < length and pattern[end + 1] in _QUANTIFIERS
            if (
                char == "("
                and not quantified
                and words
                and all(word and not _SPECIAL.intersection(word) for word in words)
            ):
                candidates.append(words)
            position = end + 1
            continue
        if char == "{":  # a repeat count (or, read as one, a literal brace): skipped whole
            end_run()
            close = pattern.find("}", position)
            position = close + 1 if close > 0 else position + 1
            continue
        if char in _SPECIAL or quantified:
            # An escape (\d, \., ...) or any other sign, or a character that may be absent or
            # repeated: the run ends before it (and a quantifier is skipped as one).
            end_run()
            position += 2 if char == "\\" else 1
            continue
        run.append(char)
        position += 1
    end_run()
    best = max(candidates, key=lambda words: min(map(len, words)), default=())
    return best if best and min(map(len, best)) >= 3 else ()


def _closing(pattern: str, start: int) -> int:
    """Where the group or class opened at ``start`` closes (-1 when it does not)."""
    depth = 0
    position = class_start = start
    in_class = False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if in_class:
            # A "]" right after "[" or "[^" is a member, not the end.
            member = position == class_start + 1 or pattern[class_start + 1 : position] == "^"
            if char == "]" and not member:
                in_class = False
                if depth == 0:
                    return position
        elif char == "[":
            in_class, class_start = True, position
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return -1
