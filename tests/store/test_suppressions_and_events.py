"""The suppression list and Event records on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from schemas.tables import Event
from schemas.values import utc_now
from workers.store.engine import session_scope
from workers.store.events import record_events, smtp_bounce_key
from workers.store.suppressions import active_suppressions, lift, suppress, suppression_reasons


def test_a_suppressed_address_is_found_case_insensitively(engine: Engine) -> None:
    with session_scope(engine) as session:
        suppress(session, "acme", "Juri@Example.ee", "userunknown", detail="550 5.1.1")
    with session_scope(engine) as session:
        found = active_suppressions(session, "acme", ["juri@example.EE", "mari@example.ee"])
    assert list(found) == ["juri@example.ee"]
    assert found["juri@example.ee"].reason == "userunknown"


def test_suppressions_belong_to_one_tenant(engine: Engine) -> None:
    with session_scope(engine) as session:
        suppress(session, "acme", "juri@example.ee", "userunknown")
    with session_scope(engine) as session:
        assert active_suppressions(session, "other", ["juri@example.ee"]) == {}


def test_an_expired_suppression_no_longer_applies(engine: Engine) -> None:
    with session_scope(engine) as session:
        suppress(session, "acme", "a@example.ee", "mailboxfull", expires_at=utc_now())
        suppress(
            session, "acme", "b@example.ee", "mailboxfull", expires_at=utc_now() + timedelta(1)
        )
    with session_scope(engine) as session:
        assert list(active_suppressions(session, "acme", ["a@example.ee", "b@example.ee"])) == [
            "b@example.ee"
        ]


def test_suppressing_again_updates_and_lift_removes(engine: Engine) -> None:
    with session_scope(engine) as session:
        suppress(session, "acme", "a@example.ee", "mailboxfull")
        suppress(session, "acme", "a@example.ee", "userunknown")
    with session_scope(engine) as session:
        assert active_suppressions(session, "acme", ["a@example.ee"])["a@example.ee"].reason == (
            "userunknown"
        )
        assert lift(session, "acme", "a@example.ee") is True
        assert lift(session, "acme", "a@example.ee") is False
        assert active_suppressions(session, "acme", ["a@example.ee"]) == {}


def test_recording_the_same_event_twice_keeps_one_row(engine: Engine) -> None:
    def event() -> Event:
        return Event(
            source="smtp",
            bounce_key=smtp_bounce_key("job-1", 1),
            job_id="job-1",
            recipient="a@example.ee",
            status="5.1.1",
            reply_code="550",
            reason="userunknown",
            bounce_type="hard",
        )

    with session_scope(engine) as session:
        first = record_events(session, [event()])
    with session_scope(engine) as session:
        second = record_events(session, [event()])
        count = session.exec(select(func.count()).select_from(Event)).one()
    assert count == 1
    assert first[0].id == second[0].id


def test_the_senders_batch_read_of_suppressions_agrees_with_the_lists_own(engine: Engine) -> None:
    """suppression_reasons (the sender's read of a batch's addresses, written past
    SQLAlchemy's statements) finds what active_suppressions finds, tenant by tenant: expiries
    a microsecond either side of now (SQLite compares the stored text), none, another
    tenant's, an address asked in capitals."""
    now = utc_now().replace(microsecond=500_000)
    expiries = {
        "gone@example.ee": now - timedelta(microseconds=1),
        "now@example.ee": now,
        "later@example.ee": now + timedelta(microseconds=1),
        "never@example.ee": None,
    }
    with session_scope(engine) as session:
        for address, expires_at in expiries.items():
            suppress(session, "acme", address, "mailboxfull", expires_at=expires_at)
        suppress(session, "other", "only-other@example.ee", "userunknown")
    asked = [*expiries, "Never@Example.EE", "only-other@example.ee", "free@example.ee"]
    with session_scope(engine) as session:
        found = suppression_reasons(
            session.connection(), [(t, a) for t in ("acme", "other", "third") for a in asked], now
        )
        expected = {
            tenant: {
                address: row.reason
                for address, row in active_suppressions(session, tenant, asked, now).items()
            }
            for tenant in ("acme", "other", "third")
        }
    assert found == expected
    assert found == {
        "acme": {"later@example.ee": "mailboxfull", "never@example.ee": "mailboxfull"},
        "other": {"only-other@example.ee": "userunknown"},
        "third": {},
    }
