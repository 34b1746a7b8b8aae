"""header_lines: where a header block ends and how its fields are unfolded."""

from __future__ import annotations

from workers.dsn.mime import header_lines


def test_folded_lines_are_joined_with_one_space() -> None:
    text = "Subject: delivery\n   failed \n\tfor good\nTo: a@b.example\n"
    assert header_lines(text) == [("Subject", "delivery failed for good"), ("To", "a@b.example")]


def test_crlf_gives_the_same_fields_as_lf() -> None:
    lf = "Subject: delivery\n failed\nTo: a@b.example\n\nX-Body: not a field\n"
    crlf = lf.replace("\n", "\r\n")
    expected = [("Subject", "delivery failed"), ("To", "a@b.example")]
    assert header_lines(lf) == expected
    assert header_lines(crlf) == expected


def test_a_line_without_colon_ends_the_block_unless_lenient() -> None:
    text = "From: a@b.example\nnot a header line\nTo: c@d.example\n"
    assert header_lines(text) == [("From", "a@b.example")]
    assert header_lines(text, lenient=True) == [("From", "a@b.example"), ("To", "c@d.example")]


def test_a_name_with_a_space_or_too_long_is_not_a_field() -> None:
    assert header_lines("From: a\nNot A Field: x\nTo: b") == [("From", "a")]
    assert header_lines("From: a\n" + "X" * 77 + ": x\nTo: b") == [("From", "a")]
    assert header_lines("From: a\n" + "X" * 76 + ": x") == [("From", "a"), ("X" * 76, "x")]


def test_an_empty_value_is_kept() -> None:
    assert header_lines("X-Empty:\nX-Blank:   \nTo: b") == [
        ("X-Empty", ""),
        ("X-Blank", ""),
        ("To", "b"),
    ]


def test_a_blank_line_ends_the_block_and_leading_blank_lines_are_skipped() -> None:
    assert header_lines("\n\nFrom: a\nTo: b\n\nX-Body: c\n") == [("From", "a"), ("To", "b")]
    # A line of spaces is blank too: it is a separator, not a continuation.
    assert header_lines("From: a\n \t\n more: c\nTo: b") == [("From", "a")]


def test_the_field_count_is_capped() -> None:
    assert header_lines("A: 1\nB: 2\nC: 3\nD: 4", limit=2) == [("A", "1"), ("B", "2")]
