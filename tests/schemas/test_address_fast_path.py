"""The quick path of ``parse_mailbox`` gives exactly what the full parser (the stdlib's) gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.addresses import (
    _BARE,
    _NAMED,
    AddressError,
    _parse_full,
    has_control_character,
    parse_mailbox,
)

EXAMPLES = [
    "juri@example.ee",
    "  Juri.Tamm+arved@Sub.Example.EE ",
    "Jüri Tamm <juri@example.ee>",
    "Иван Петров <ivan@example.ru>",
    "O'Brien <o.brien@example.ie>",
    "J-P Sartre <jp@example.fr>",
    "Tamm  Jüri <j@example.ee>",
    "<j@example.ee>",
    "12 34 <a@b.ee>",
]


@pytest.mark.parametrize("value", EXAMPLES)
def test_the_quick_path_takes_the_common_shapes_and_agrees(value: str) -> None:
    assert _BARE.fullmatch(value) or _NAMED.fullmatch(value)
    assert parse_mailbox(value) == _parse_full(value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.from_regex(_BARE, fullmatch=True), st.from_regex(_NAMED, fullmatch=True)))
def test_whatever_the_quick_path_accepts_the_full_parser_accepts_alike(value: str) -> None:
    assert parse_mailbox(value) == _parse_full(value)


@pytest.mark.parametrize(
    "value", ['"Tamm, Jüri" <j@example.ee>', "J. R. Tamm <j@example.ee>", "x@localhost"]
)
def test_other_shapes_still_go_through_the_full_parser(value: str) -> None:
    assert not (_BARE.fullmatch(value) or _NAMED.fullmatch(value))
    assert parse_mailbox(value) == _parse_full(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mari@example.ee", False),
        ("Mari Õun <mari@õun.ee>", False),
        ("mari@example.ee\r\nRCPT TO:<x@y.z>", True),
        ("mari@example.ee\n", True),
        ("mari\x00@example.ee", True),
        ("mari\t@example.ee", True),
        ("mari\x7f@example.ee", True),
        ("mari\x80@example.ee", False),  # a C1 control is not ASCII: refused elsewhere
    ],
)
def test_control_characters_are_found(value: str, expected: bool) -> None:
    assert has_control_character(value) is expected


def test_a_remembered_address_reads_the_same_and_a_bad_one_is_refused_every_time() -> None:
    first = parse_mailbox("Mari Tamm <Mari@Example.EE>")
    assert parse_mailbox("Mari Tamm <Mari@Example.EE>") == first == ("Mari Tamm", "Mari@example.ee")
    for _ in range(2):
        with pytest.raises(AddressError):
            parse_mailbox("mari@example.ee, jaan@example.ee")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"Tamm, Jüri" <j@Example.EE>', ("Tamm, Jüri", "j@example.ee")),
        ("J. R. Tamm <j@example.ee>", ("J. R. Tamm", "j@example.ee")),
        ('"a b"@example.ee', ("", '"a b"@example.ee')),
        ("a@[192.0.2.1]", ("", "a@[192.0.2.1]")),
        ("j@example.ee (Jüri)", ("", "j@example.ee")),
    ],
)
def test_the_full_parser_reads_every_mailbox_form(value: str, expected: tuple[str, str]) -> None:
    assert parse_mailbox(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("not an address", "is not a valid e-mail address"),
        ("a..b@example.ee", "is not a valid e-mail address"),
        ("a@", "is not a valid e-mail address"),
        ("@example.ee", "is not a valid e-mail address"),
        ("Mari <a@example.ee> extra", "is not a valid e-mail address"),
        ("Mari <a@example.ee", "is not a valid e-mail address"),
        ("Team: a@example.ee;", "is not a valid e-mail address"),
        ("a@example.ee, b@example.ee", "holds 2 addresses"),
        ("http://example.ee", "is not an e-mail address"),
    ],
)
def test_the_full_parser_refuses_what_it_would_have_to_repair(value: str, problem: str) -> None:
    with pytest.raises(AddressError, match=problem):
        parse_mailbox(value)


def test_what_the_parser_would_silently_drop_is_refused() -> None:
    # the stdlib parser takes a no-break space for white space and drops it, without a defect
    with pytest.raises(AddressError):
        _parse_full("mari@a\u00a0b.ee")
