"""LF, CRLF and CR line endings give the same answers, on the suite's own mails and on every
mail of the corpus (when it is there)."""

from __future__ import annotations

import pytest

from tests.bounces.mails import server_mails
from workers.dsn import parse_bounce
from workers.dsn.report import BounceReport


def _answers(report: BounceReport) -> object:
    return (
        report.is_bounce,
        report.kind,
        report.job_id,
        [
            (r.address, r.status, r.reply_code, r.reason, r.bounce_type, r.action)
            for r in report.recipients
        ],
    )


def _differ(mails: list[tuple[str, bytes]], ending: bytes) -> list[str]:
    differ = []
    for name, raw in mails:
        lf = raw.replace(b"\r\n", b"\n")
        if _answers(parse_bounce(lf)) != _answers(parse_bounce(lf.replace(b"\n", ending))):
            differ.append(name)
    return differ


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_line_endings_do_not_change_any_answer_on_server_layouts(ending: bytes) -> None:
    assert _differ(server_mails(), ending) == []


@pytest.mark.slow
@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_line_endings_do_not_change_any_answer(
    corpus_mails: list[tuple[str, bytes]], ending: bytes
) -> None:
    assert _differ(corpus_mails, ending) == []
