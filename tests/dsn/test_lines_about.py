"""lines_about: the lines of a report that mention an address, beside its anchor lines."""

from __future__ import annotations

from workers.dsn.plaintext import lines_about

REPORT = """<anna@example.org>: host mx.example.org said: 550 no such user
The mail server could not deliver it to Anna@Example.ORG today.
Retried for anna@example.org for five days (anna@example.org).
Delivery to bob@example.org was put off"""


def test_each_line_that_mentions_it_once_in_order_without_anchors() -> None:
    assert lines_about(REPORT, "anna@example.org") == (
        "The mail server could not deliver it to Anna@Example.ORG today. "
        "Retried for anna@example.org for five days (anna@example.org)."
    )


def test_a_mention_on_the_last_line_and_none_at_all() -> None:
    assert lines_about(REPORT, "bob@example.org") == "Delivery to bob@example.org was put off"
    assert lines_about(REPORT, "carol@example.org") == ""


def test_quoted_reports_are_read_unquoted() -> None:
    quoted = "\n".join("> " + line for line in REPORT.split("\n"))
    assert lines_about(quoted, "bob@example.org") == "Delivery to bob@example.org was put off"
