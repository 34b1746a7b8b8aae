"""Syntax-only e-mail address checks with flanker (never its MX/DNS validation)."""

from __future__ import annotations

import functools
import re

from flanker.addresslib import address as flanker_address

# The common shapes, checked without the full parser (which costs ~0.3 ms an address): a
# dot-atom local part, a domain of LDH labels with an alphabetic top-level label, and an
# optional display name of letters, digits, spaces, apostrophes and hyphens. Whatever
# these accept the full parser accepts with the same result (a test holds them to that).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = rf"({_ATEXT}(?:\.{_ATEXT})*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BARE = re.compile(rf" *{_ADDR_SPEC} *")
_NAMED = re.compile(rf" *((?:[^\W_]|[ '-])*[^\W_])? *<{_ADDR_SPEC}> *")

# The mailbox shape the job schema states, written in the part of regular-expression syntax
# that Python's re, ECMAScript (the u flag, as JSON Schema validators use it) and Rust's
# regex (pydantic) read alike: no \\w or \\d (ASCII in one, Unicode in another), no lookaround,
# no escape above \\xff. A bare address or "Name <address>": a dot-atom local part (ASCII: a
# non-ASCII one needs SMTPUTF8); labels of letters, digits and hyphens, non-ASCII letters
# allowed (an international name, sent in its xn-- form), under a top-level label of letters
# or xn--; a name of words without RFC 5322 specials or control characters (C1 included), or
# a quoted string without quotes or backslashes. Whatever matches it, parse_mailbox accepts.
_P_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_P_LD = r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]"  # letter or digit, ASCII or beyond
_P_LDH = r"[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]"
_P_LABEL = f"{_P_LD}(?:{_P_LDH}{{0,61}}{_P_LD})?"
_P_TLD = r"(?:[^\x00-\x40\x5b-\x60\x7b-\x9f]{2,63}|xn--[A-Za-z0-9-]{1,59})"
_P_ADDR = rf"{_P_ATEXT}(?:\.{_P_ATEXT})*@(?:{_P_LABEL}\.)+{_P_TLD}"
_P_WORD = r'[^\x00-\x20\x7f-\x9f"(),:;<>@\[\\\]]+'
_P_NAME = rf'(?:"[^"\\\x00-\x1f\x7f-\x9f]*"|{_P_WORD}(?: +{_P_WORD})*)'
MAILBOX_PATTERN = f"^ *(?:{_P_ADDR}|(?:{_P_NAME} *)?<{_P_ADDR}>) *$"
_MAILBOX = re.compile(MAILBOX_PATTERN)


class AddressError(ValueError):
    """A string is not exactly one well-formed e-mail address."""


def has_control_character(value: str) -> bool:
    """True when ``value`` holds a C0 control character or DEL (CR and LF among them)."""
    return _CONTROL.search(value) is not None


# A job's addresses are read when it is validated, again for its envelope and again for its
# headers, and the sender's own address is the same for every job of a user: remembered.
# Only addresses that parse are kept (an error is not cached), 4,096 at most.
@functools.lru_cache(maxsize=4096)
def parse_mailbox(value: str) -> tuple[str, str]:
    """``(display_name, addr_spec)`` of one mailbox such as ``Mari Tamm <mari@example.ee>``.

    Raises :class:`AddressError` naming the problem: control characters (header injection),
    several addresses, a URL, or a string that is no address at all.
    """
    if "\r" in value or "\n" in value:
        raise AddressError("contains a line break (CR or LF), which could inject headers")
    if has_control_character(value):
        raise AddressError("contains a control character")
    if not value.strip():
        raise AddressError("is empty")
    simple = _BARE.fullmatch(value)
    if simple is not None:
        return "", f"{simple.group(1)}@{simple.group(2).lower()}"
    named = _NAMED.fullmatch(value)
    if named is not None:
        name = " ".join((named.group(1) or "").split())
        return name, f"{named.group(2)}@{named.group(3).lower()}"
    try:
        return _parse_with_flanker(value)
    except AddressError:
        if _MAILBOX.fullmatch(value) is None:
            raise
        return _split_mailbox(value)


def _split_mailbox(value: str) -> tuple[str, str]:
    """``(display_name, addr_spec)`` of a value that matches MAILBOX_PATTERN."""
    value = value.strip()
    if not value.endswith(">"):
        local, _, domain = value.rpartition("@")
        return "", f"{local}@{domain.lower()}"
    name, _, address = value[:-1].rpartition("<")
    local, _, domain = address.rpartition("@")
    return " ".join(name.strip().strip('"').split()), f"{local}@{domain.lower()}"


def _parse_with_flanker(value: str) -> tuple[str, str]:
    parsed, unparsable = flanker_address.parse_list(value, strict=True, as_tuple=True)
    if unparsable or not parsed:
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    if len(parsed) > 1:
        raise AddressError(f"holds {len(parsed)} addresses; give one per list item")
    mailbox = parsed[0]
    if not isinstance(mailbox, flanker_address.EmailAddress):
        raise AddressError(f"is not an e-mail address: {value!r}")
    return mailbox.display_name or "", mailbox.address
