"""Small helpers to read RFC 822-style fields and addresses out of report text."""

from __future__ import annotations

import re

from workers.dsn.mime import header_lines

_ADDRESS_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,128}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,10}"
)
_ANGLE_RE = re.compile(r"<([^<>\s]{1,254}@[^<>\s]{1,254})>")


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
    """The bare address in ``value`` (angle brackets, quotes and comments removed)."""
    found = _ANGLE_RE.search(value)
    if found:
        candidate = found.group(1)
    else:
        plain = _ADDRESS_RE.search(value)
        candidate = plain.group(0) if plain else value.strip()
    return candidate.strip("<>\"'()[]:;,. \t").lower() if "@" in candidate else candidate.strip()


def find_addresses(text: str) -> list[str]:
    """Every address in ``text``, in order, lower-cased, without duplicates."""
    if "@" not in text:  # the pattern would try every position of the text in vain
        return []
    seen: dict[str, None] = {}
    for found in _ADDRESS_RE.finditer(text):
        address = found.group(0).strip(".-").lower()
        if "." in address.rpartition("@")[2]:
            seen.setdefault(address, None)
    return list(seen)
