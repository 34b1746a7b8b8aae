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
    return _parse_with_flanker(value)


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
