"""The parser never raises and stays fast, whatever bytes it is given."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dsn.mails import dsn, plain
from workers.dsn import ReportKind, parse_bounce
from workers.dsn.report import BounceReport

WORST_SECONDS = 2.0

HEADERS = b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\n"
# Fragments that exercise every regex and parser path; hypothesis repeats and mixes them.
FRAGMENTS = [
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"(",
    b")",
    b"<",
    b">",
    b"@",
    b".",
    b":",
    b";",
    b"=",
    b"--",
    b'"',
    b"5.1.1",
    b"550 ",
    b"550-",
    b"5.",
    b"1.",
    b"user@example.org",
    b"Final-Recipient: rfc822; ",
    b"Status: ",
    b"Diagnostic-Code: smtp; ",
    b"Content-Type: multipart/report; boundary=",
    b"Content-Type: message/rfc822\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"=?utf-8?B?",
    b"?=",
    b"=C3=",
    b"\xff\xfe",
    b"\x00",
    b"Received: ",
    b">>> RCPT TO:<",
    b"<<< 550 ",
    b"This is a copy of the message",
    b'charset="x-unknown"',
]


def _check(raw: bytes) -> BounceReport:
    started = time.perf_counter()
    report = parse_bounce(raw)
    assert time.perf_counter() - started < WORST_SECONDS
    assert isinstance(report, BounceReport)
    assert isinstance(report.to_json(), dict)
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 3000)), max_size=12))
def test_adversarial_repetitions_never_raise_nor_backtrack(pieces: list[tuple[bytes, int]]) -> None:
    # Long runs of spaces, nested parentheses, repeated header-like lines, huge lines...
    _check(HEADERS + b"\n" + b"".join(fragment * count for fragment, count in pieces))


def test_empty_and_degenerate_inputs() -> None:
    for raw in (b"", b"\n", b"\r\n\r\n", b"\x00" * 1000, b"From: x\n", b":" * 10000):
        report = _check(raw)
        assert not report.is_bounce or report.recipients


def test_a_truncated_report_keeps_what_can_be_read() -> None:
    raw = dsn([("gone@example.org", "5.1.1", "550 5.1.1 User unknown")])
    for cut in range(0, len(raw), 97):
        _check(raw[:cut])


def test_broken_base64_and_quoted_printable_and_unknown_charsets() -> None:
    for encoding, body in (
        (b"base64", b"!!!not base64 at all==="),
        (b"quoted-printable", b"=ZZ=\n=3"),
    ):
        raw = (
            b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
            b'Content-Type: text/plain; charset="x-no-such-charset"\n'
            b"Content-Transfer-Encoding: " + encoding + b"\n\n" + body
        )
        _check(raw)


def test_a_multipart_without_boundary_falls_back_and_keeps_the_text() -> None:
    raw = (
        b"From: postmaster@mx.example\nSubject: Undeliverable: hi\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/report; report-type=delivery-status\n\n"
        b"<gone@example.org>: 550 5.1.1 User unknown\n"
    )
    report = _check(raw)
    assert report.is_bounce and report.recipients[0].address == "gone@example.org"


def test_thousands_of_parts_and_megabytes_of_text_are_bounded() -> None:
    parts = b"".join(
        b"--B\nContent-Type: text/plain\n\nline <x%d@example.org>\n" % i for i in range(5000)
    )
    raw = (
        b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="B"\n\n' + parts + b"--B--\n"
    )
    _check(raw)
    _check(plain("x" * 3_000_000 + "\n" + ("<a@b.example>: 550 " * 50_000)))
    _check(plain(" " * 2_000_000 + "(" * 100_000 + ")" * 100_000))


def test_what_cannot_be_understood_is_undefined_and_the_text_is_kept() -> None:
    report = _check(
        plain("Something went wrong with your mail to kim@example.org.\n", subject="Undeliverable")
    )
    assert report.kind == ReportKind.PLAINTEXT
    (recipient,) = report.recipients
    assert recipient.reason in ("undefined", "onhold")
    assert "Something went wrong" in recipient.diagnostic
