"""Text from outside is stored alike on SQLite and PostgreSQL (issue 12, point 3).

PostgreSQL refuses a NUL character in a string ("A string literal cannot contain NUL") and a
value longer than its VARCHAR; SQLite takes both. A NUL in a bounce's Message-ID lost a real
bounce on PostgreSQL (filed ``undefined`` in Unparsed, nothing suppressed). Every text column
is cleaned in one place, its column type: NUL removed, cut to the column's length.
"""

from __future__ import annotations

import random

from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas.tables import Event, MailMessage, MailStatus, Suppression, clean_for_store
from tests.bounces import mails
from tests.bounces.test_pipeline import add_job
from tests.events import hard_bounce
from workers.bounces.disposition import MailKind, decide
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import FetchedMessage, MessageRef
from workers.dsn import parse_bounce
from workers.settings import BounceSettings
from workers.store.engine import session_scope


def test_the_cleaning_rule() -> None:
    assert clean_for_store("a\x00b", None) == "ab"
    assert clean_for_store("x" * 20, 16) == "x" * 16
    assert clean_for_store("\ud800z", None) == "?z"  # a lone surrogate no driver encodes
    assert clean_for_store("Jüri\x00", 4) == "Jüri"


def test_a_row_with_nul_and_overlong_text_is_stored_alike_on_both_databases(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        session.add(
            hard_bounce(
                bounce_key="mid:<a\x00b@mx>#0123",
                recipient="jüri\x00@example.ee",
                status="5.1.1" + "9" * 40,
                diagnostic="550\x00 user unknown",
                reporting_mta="r" * 600,
                bounce_message_id="<a\x00b@mx>",
            )
        )
        session.add(Suppression(tenant="acme", address="x\x00@example.ee", reason="x" * 50))
    with session_scope(engine) as session:
        [event] = session.exec(select(Event)).all()
        assert event.bounce_key == "mid:<ab@mx>#0123"
        assert event.recipient == "jüri@example.ee"
        assert event.status == ("5.1.1" + "9" * 40)[:16]
        assert event.diagnostic == "550 user unknown"
        assert event.reporting_mta == "r" * 255
        assert event.bounce_message_id == "<ab@mx>"
        # a lookup is cleaned the same way, so it finds what was stored
        found = session.exec(select(Event.id).where(Event.recipient == "jüri\x00@example.ee"))
        assert found.one() == event.id
        [suppression] = session.exec(select(Suppression)).all()
        assert (suppression.address, suppression.reason) == ("x@example.ee", "x" * 32)


def test_a_bounce_whose_message_id_holds_a_nul_is_recorded_as_a_bounce(engine: Engine) -> None:
    """The fuzzed case of the issue: a valid userunknown bounce, a NUL in its Message-ID."""
    job_id = add_job(engine, to=["juri@example.ee"])
    raw = mails.dsn(job_id, "juri@example.ee", message_id="<fuzz\x00ed@mx.example.net>")
    pipeline = BouncePipeline(engine, BounceSettings(), mails.SECRET)
    handled = pipeline.record(FetchedMessage(MessageRef("1", len(raw)), raw))
    assert handled.kind is MailKind.BOUNCE and handled.job_id == job_id
    assert handled.suppressed == ("juri@example.ee",)
    with session_scope(engine) as session:
        [event] = session.exec(select(Event)).all()
        assert (event.reason, event.bounce_message_id) == ("userunknown", "<fuzzed@mx.example.net>")
        job = session.get(MailMessage, job_id)
        assert job is not None and job.status is MailStatus.BOUNCED


def _with_nuls(raw: bytes, rng: random.Random) -> bytes:
    """``raw`` with NUL bytes put into its Message-ID and into some other header lines."""
    lines = raw.split(b"\n")
    for index, line in enumerate(lines[:60]):
        if line.lower().startswith(b"message-id:") or (b":" in line and rng.random() < 0.2):
            cut = rng.randrange(line.index(b":") + 1, len(line) + 1)
            lines[index] = line[:cut] + b"\x00" + line[cut:]
    return b"\n".join(lines)


def test_fuzzed_corpus_mails_are_filed_as_their_clean_selves_on_both_databases(
    engine: Engine,
) -> None:
    """NULs sprinkled into the headers of servers' bounces change nothing about where a mail goes: a
    bounce is still a bounce (before, a NUL lost it on PostgreSQL as ``undefined``)."""
    rng = random.Random(12)
    pipeline = BouncePipeline(engine, BounceSettings(), mails.SECRET)
    chosen = mails.server_mails()
    for name, raw in chosen:
        fuzzed = _with_nuls(raw, rng)
        expected = decide(parse_bounce(fuzzed), fuzzed).kind
        handled = pipeline.record(FetchedMessage(MessageRef(name, len(fuzzed)), fuzzed))
        assert handled.kind is expected, name
    with session_scope(engine) as session:
        stored = session.exec(select(Event.bounce_key, Event.recipient)).all()
        assert stored and all("\x00" not in key + recipient for key, recipient in stored)
