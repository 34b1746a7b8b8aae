"""Syntax-only e-mail address checks with flanker (never its MX/DNS validation)."""

from __future__ import annotations

from flanker.addresslib import address as flanker_address


class AddressError(ValueError):
    """A string is not exactly one well-formed e-mail address."""


def parse_mailbox(value: str) -> tuple[str, str]:
    """``(display_name, addr_spec)`` of one mailbox such as ``Mari Tamm <mari@example.ee>``.

    Raises :class:`AddressError` naming the problem: control characters (header injection),
    several addresses, a URL, or a string that is no address at all.
    """
    if "\r" in value or "\n" in value:
        raise AddressError("contains a line break (CR or LF), which could inject headers")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise AddressError("contains a control character")
    if not value.strip():
        raise AddressError("is empty")
    parsed, unparsable = flanker_address.parse_list(value, strict=True, as_tuple=True)
    if unparsable or not parsed:
        raise AddressError(f"is not a valid e-mail address: {value!r}")
    if len(parsed) > 1:
        raise AddressError(f"holds {len(parsed)} addresses; give one per list item")
    mailbox = parsed[0]
    if not isinstance(mailbox, flanker_address.EmailAddress):
        raise AddressError(f"is not an e-mail address: {value!r}")
    return mailbox.display_name or "", mailbox.address
