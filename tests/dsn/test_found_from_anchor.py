"""Patterns searched from a character they must hold (an "@", an IP literal's first digit or
bracket) rather than from the start of what they match: the same matches as the plain
pattern, which the regex engine would try at every position of the text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.dsn.fields import address_span, find_addresses
from workers.dsn.reasons import read_ips_as_ip

# The plain patterns the anchored searches stand for.
PLAIN_IP_LITERAL = re.compile(
    r" ?/?(?:\[ipv6:[0-9a-f:.]{2,45}\]|[\[(]?\d{1,3}(?:\.\d{1,3}){3}[\])]?)"
)
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,128}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,10}"
)


def _spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    span = address_span(text)
    while span is not None:
        spans.append(span)
        span = address_span(text, span[1])
    return spans


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="0123456789..[]()/ :abcfipv6x\u0663", max_size=40))
def test_ips_read_as_the_plain_pattern_reads_them(text: str) -> None:
    assert read_ips_as_ip(text) == PLAIN_IP_LITERAL.sub(" ip", text)


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ab1.-@ <>x+\u00e9", max_size=60))
def test_addresses_found_as_the_plain_pattern_finds_them(text: str) -> None:
    assert _spans(text) == [found.span() for found in PLAIN_ADDRESS.finditer(text)]


def test_a_local_part_longer_than_the_limit_is_cut_as_the_plain_pattern_cuts_it() -> None:
    text = "x" * 200 + "@example.org and " + "y" * 129 + "@example.net"
    assert _spans(text) == [found.span() for found in PLAIN_ADDRESS.finditer(text)]


def test_addresses_and_ips_in_a_reply() -> None:
    text = "550 5.7.1 <bob@example.org>: client host [192.0.2.1] from /10.0.0.1 blocked"
    assert find_addresses(text) == ["bob@example.org"]
    assert read_ips_as_ip(text) == "550 5.7.1 <bob@example.org>: client host ip from ip blocked"
