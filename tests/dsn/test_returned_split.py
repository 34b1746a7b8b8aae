"""Where a report in prose ends: the line that begins the returned copy of the message."""

from __future__ import annotations

import pytest

from workers.dsn.plaintext import RETURNED_MARKERS, split_returned

REPORT = "The mail system could not deliver your message.\n<anna@example.org>: 550 User unknown\n"
COPY = "From: sender@example.com\nSubject: hello\n"


@pytest.mark.parametrize("marker", RETURNED_MARKERS)
def test_every_marker_begins_the_returned_copy(marker: str) -> None:
    """Each marker, written as servers do (capitals, a rule around it, words after it),
    splits the text at its line: a marker left out of the lines' look-up would leave the
    returned message in the report."""
    line = f"------ {marker.upper()} (headers only) ------"
    assert split_returned(f"{REPORT}\n{line}\n{COPY}") == (f"{REPORT}\n", COPY)


def test_a_line_that_only_starts_like_a_marker_begins_nothing() -> None:
    text = f"{REPORT}The original mess was cleaned up.\n{COPY}"
    assert split_returned(text) == (text, "")
