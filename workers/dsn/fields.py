"""Small helpers to read RFC 822-style fields and addresses out of report text."""

from __future__ import annotations

import re
from bisect import bisect_right

from workers.dsn.mime import header_lines
from workers.terminal import BEYOND_C0, DIRECTIONAL_MARKS

# A bare address: a local part of up to 128 of these characters, "@", a domain. Found from its
# "@" (the regex engine looks for a literal at C speed), the local part read backwards from
# there (on the text before it, reversed): a pattern that starts with the local part's class
# is tried at every position of the text, and reads each word up to its end.
_LOCAL_PART_BACKWARDS_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,128}")
_AT_DOMAIN_RE = re.compile(r"@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,10}")
_ANGLE_RE = re.compile(r"<([^<>\s]{1,254}@[^<>\s]{1,254})>")
# What no address holds: RFC 5321 (4.1.2) allows no control character in a mailbox, not
# even quoted; nor does RFC 6531's UTF-8. C0 but the blanks between words, DEL, C1, and the
# bidirectional marks a terminal obeys (a bounce's words may be shown to an operator).
_CONTROL_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{BEYOND_C0}]")
# Not \S: str takes \x1c-\x1f and \x85 for blanks. A directional mark (LRM, RLM, ALM) ends a
# word: a Hebrew or Arabic report puts one on each side of an address written left to right
# (Unicode's bidi algorithm, UAX #9); like a zero-width space, it shows and reorders nothing.
_WORD_RE = re.compile(f"[^ \t\r\n{DIRECTIONAL_MARKS}]+")


def address_span(text: str, start: int = 0) -> tuple[int, int] | None:
    """Where the first bare address in ``text`` from ``start`` on begins and ends (``None``:
    there is none): the longest local part before an "@" (not before ``start``), the domain
    after it."""
    at = _AT_DOMAIN_RE.search(text, start)
    while at is not None:
        begin = at.start()
        local = _LOCAL_PART_BACKWARDS_RE.match(text[max(start, begin - 128) : begin][::-1])
        if local is not None:
            return begin - local.end(), at.end()
        # (no domain holds an "@": the next one is past this one's domain)
        at = _AT_DOMAIN_RE.search(text, at.end())
    return None


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character no address holds (so it is no address)."""
    # Every such character is unprintable (str.isprintable): most texts (an address, a
    # header's value) are told by that C loop, without a regex search's set-up.
    if text.isprintable():
        return False
    if text.isascii():
        # In ASCII the unprintable are C0 and DEL: those but the blanks between words.
        return not text.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable()
    return _CONTROL_RE.search(text) is not None


class GluedWords:
    """The words of a text (runs between blanks or directional marks) that hold a control
    character.

    An address found inside one is not what the text names: read as the part after an
    escape, ``attacker<ESC>victim@example.com`` named victim@example.com, whom a hostile
    bounce could so have suppressed. A text without a control costs one search."""

    def __init__(self, text: str) -> None:
        self._spans: list[tuple[int, int]] = []
        if has_control(text):
            self._spans = [w.span() for w in _WORD_RE.finditer(text) if has_control(w.group())]
        self._starts = [start for start, _ in self._spans]

    def __contains__(self, position: int) -> bool:
        """Whether the character at ``position`` is in such a word."""
        index = bisect_right(self._starts, position) - 1
        return index >= 0 and position < self._spans[index][1]


def field_blocks(text: str) -> list[dict[str, str]]:
    """Blank-line separated blocks of ``Name: value`` fields (names lower-cased, first wins)."""
    blocks: list[dict[str, str]] = []
    for chunk in text.split("\n\n"):
        if not chunk.strip():
            continue
        fields: dict[str, str] = {}
        for name, value in header_lines(chunk.strip("\n")):
            fields.setdefault(name.lower(), value)
        if fields:
            blocks.append(fields)
    return blocks


def typed_value(value: str) -> str:
    """``rfc822; user@host`` -> ``user@host``; ``dns; mx.host`` -> ``mx.host``."""
    _, sep, rest = value.partition(";")
    return (rest if sep else value).strip()


def clean_address(value: str) -> str:
    """The bare address in ``value`` (angle brackets, quotes and comments removed); none
    when ``value`` holds a control character (see :class:`GluedWords`)."""
    if has_control(value):
        return ""
    found = _ANGLE_RE.search(value)
    if found:
        candidate = found.group(1)
    else:
        plain = address_span(value)
        candidate = value[plain[0] : plain[1]] if plain else value.strip()
    return candidate.strip("<>\"'()[]:;,. \t").lower() if "@" in candidate else candidate.strip()


def find_addresses(text: str) -> list[str]:
    """Every address in ``text``, in order, lower-cased, without duplicates; none glued to a
    control character (see :class:`GluedWords`)."""
    if "@" not in text:  # the pattern would try every position of the text in vain
        return []
    seen: dict[str, None] = {}
    glued = GluedWords(text)
    span = address_span(text)
    while span is not None:
        begin, end = span
        if begin not in glued:
            address = text[begin:end].strip(".-").lower()
            if "." in address.rpartition("@")[2]:
                seen.setdefault(address, None)
        span = address_span(text, end)
    return list(seen)
