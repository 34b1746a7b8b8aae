"""Syntax-only e-mail address checks (RFC 5322 mailboxes; no MX/DNS look-up).

The full parser is the standard library's (``email.headerregistry``): maintained with Python
itself, so every Python the project admits reads addresses alike. flanker, used before, has
had no release since 2019 and no longer imports on Python 3.13 (it needs ``imghdr``)."""

from __future__ import annotations

import functools
import re
from email import errors as email_errors
from email.headerregistry import AddressHeader, HeaderRegistry

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
        return _parse_full(value)
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


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_HEADERS = HeaderRegistry()
# Defects that still leave one clear address: an obsolete but unambiguous display name
# (``J. R. Tamm``) and a UTF-8 local part (sent with SMTPUTF8).
_TOLERATED = (email_errors.ObsoleteHeaderDefect, email_errors.NonASCIILocalPartDefect)


def _parse_full(value: str) -> tuple[str, str]:
    """Any RFC 5322 mailbox (quoted names, comments, address literals), strictly: a string the
    parser had to repair is refused."""
    if _URL.match(value.strip()):
        raise AddressError(f"is not an e-mail address: {value!r}")
    try:
        header = _HEADERS("To", value)
        assert isinstance(header, AddressHeader)  # what the registry makes of a To field
        groups, defects = header.groups, header.defects
    except Exception as error:  # the parser fails on some broken input (e.g. 'a@' on 3.11)
        raise AddressError(f"is not a valid e-mail address: {value!r}") from error
    if any(not isinstance(defect, _TOLERATED) for defect in defects):
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    mailboxes = [mailbox for group in groups for mailbox in group.addresses]
    if len(mailboxes) > 1:
        raise AddressError(f"holds {len(mailboxes)} addresses; give one per list item")
    if not mailboxes or any(group.display_name is not None for group in groups):
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    (mailbox,) = mailboxes
    if not mailbox.username or not mailbox.domain:
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    # The parser drops what it takes for white space (a no-break space inside a domain, say)
    # without a defect: the address must stand in the value as written.
    if mailbox.username not in value or f"@{mailbox.domain}" not in value:
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    return mailbox.display_name, f"{mailbox.addr_spec.rpartition('@')[0]}@{mailbox.domain.lower()}"
