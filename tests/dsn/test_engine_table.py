"""The engine table holds together: every marker can name its engine."""

from __future__ import annotations

import pytest

from workers.dsn.engines import detect_engine
from workers.dsn.engines.table import ENGINES
from workers.dsn.mime import Headers


@pytest.mark.parametrize("kind", ["sender", "subject", "headers", "body"])
def test_no_marker_holds_an_earlier_engines_marker(kind: str) -> None:
    """The first engine of the table with a marker found wins: a marker that holds an earlier
    engine's marker of the same kind is never the one that decides."""
    shadowed = [
        (engine.name, marker, earlier.name)
        for place, engine in enumerate(ENGINES)
        for marker in getattr(engine, kind)
        for earlier in ENGINES[:place]
        if any(theirs in marker for theirs in getattr(earlier, kind))
    ]
    assert shadowed == []


def test_no_body_marker_holds_an_at_sign() -> None:
    """detect_engine reads a body's addresses as "@" only where a marker is found without:
    that takes markers away and adds none only while no marker holds an "@"."""
    assert [marker for engine in ENGINES for marker in engine.body if "@" in marker] == []


def test_a_name_in_an_address_is_no_engine_mark() -> None:
    """A local part is a name someone chose: a Postfix report about
    <opensmtpd-test@...> is not OpenSMTPD's, nor one about <team@googlegroups.com> Google
    Groups' own."""
    headers = Headers([("From", "MAILER-DAEMON@mx.example (Mail Delivery System)")])
    about = "<opensmtpd-test@shop.example>: host mx.shop.example said: 550 Invalid recipient"
    assert detect_engine(headers, about) is None
    assert detect_engine(headers, "said by an OpenSMTPD server") is not None
    assert detect_engine(headers, "<team@googlegroups.com>: host said: 550 no such group") is None
    group = detect_engine(headers, "your post to the Google Groups team was refused")
    assert group is not None and group.name == "GoogleGroups"
