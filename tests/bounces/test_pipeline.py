"""One mail → its records in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from schemas.tables import Event, MailMessage, MailStatus, RawBounce, Suppression
from schemas.values import utc_now
from tests.bounces import mails
from workers.bounces.disposition import MailKind
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import Destination, FetchedMessage, MessageRef
from workers.correlation import recipient_digests
from workers.logging import configure_logging
from workers.settings import BounceSettings
from workers.store.engine import session_scope
from workers.store.suppressions import active_suppressions

SETTINGS = BounceSettings(
    soft_bounce_limit=3, soft_bounce_window_days=30, soft_bounce_min_spread_days=2
)


def pipeline(engine: Engine, settings: BounceSettings = SETTINGS) -> BouncePipeline:
    return BouncePipeline(engine, settings, mails.SECRET)


def fetched(raw: bytes) -> FetchedMessage:
    return FetchedMessage(MessageRef("1", len(raw)), raw)


def add_job(
    engine: Engine,
    tenant: str = "acme",
    status: MailStatus = MailStatus.SENT,
    to: Sequence[str] = ("juri@example.ee",),
    job_id: str | None = None,
    key: bytes = mails.SECRET.encode(),
) -> str:
    """A job as the sender records it: sent to ``to``, whose digests under ``key`` it keeps."""
    job_id = job_id or str(uuid.uuid4())
    with session_scope(engine) as session:
        session.add(
            MailMessage(
                job_id=job_id,
                tenant=tenant,
                user_code="MARI",
                kind="invoice",
                status=status,
                recipient_digests=recipient_digests(job_id, to, key),
            )
        )
    return job_id


def events(engine: Engine) -> list[Event]:
    with session_scope(engine) as session:
        return list(session.exec(select(Event).order_by(Event.id)))  # type: ignore[arg-type]


def job_status(engine: Engine, job_id: str) -> MailStatus:
    with session_scope(engine) as session:
        job = session.get(MailMessage, job_id)
        assert job is not None
        return job.status


def test_a_hard_bounce_for_our_job_is_recorded_marks_the_job_and_suppresses(
    engine: Engine,
) -> None:
    job_id = add_job(engine)
    raw = mails.dsn(job_id, "Juri@Example.ee")
    handled = pipeline(engine).record(fetched(raw))
    assert (handled.kind, handled.destination, handled.job_id) == (
        MailKind.BOUNCE,
        Destination.PROCESSED,
        job_id,
    )
    [event] = events(engine)
    assert (event.job_id, event.tenant, event.verified) == (job_id, "acme", True)
    assert (event.recipient, event.status, event.reason, event.bounce_type) == (
        "juri@example.ee",
        "5.1.1",
        "userunknown",
        "hard",
    )
    assert event.action == "failed" and event.remote_mta and event.bounce_message_id
    assert event.published_at is None
    assert job_status(engine, job_id) is MailStatus.BOUNCED
    with session_scope(engine) as session:
        raw_row = session.get(RawBounce, event.raw_bounce_id)
        assert raw_row is not None and raw_row.content == raw
        found = active_suppressions(session, "acme", ["juri@example.ee"])
    suppression = found["juri@example.ee"]
    assert (suppression.reason, suppression.event_id, suppression.expires_at) == (
        "userunknown",
        event.id,
        None,
    )
    assert suppression.detail and "5.1.1" in suppression.detail


def test_a_bounces_log_lines_carry_its_job_and_tenant(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = add_job(engine)
    configure_logging("json", "info")
    pipeline(engine).record(fetched(mails.dsn(job_id, "juri@example.ee")))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (recorded,) = [line for line in lines if line["event"] == "bounce recorded"]
    assert (recorded["job_id"], recorded["tenant"], recorded["reasons"]) == (
        job_id,
        "acme",
        ["userunknown"],
    )


def test_a_bounce_forged_for_another_tenants_job_is_recorded_uncorrelated(
    engine: Engine,
) -> None:
    victim = add_job(engine, tenant="other")
    pipeline(engine).record(fetched(mails.dsn(victim, "boss@other.example", tag_key="guess")))
    [event] = events(engine)
    assert (event.job_id, event.tenant, event.verified) == (None, None, False)
    assert job_status(engine, victim) is MailStatus.SENT
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Suppression)).one() == 0


def test_the_same_bounce_twice_yields_one_set_of_events(engine: Engine) -> None:
    job_id = add_job(engine)
    raw = mails.dsn(job_id, "juri@example.ee")
    first = pipeline(engine).record(fetched(raw))
    second = pipeline(engine).record(fetched(raw))
    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.destination is Destination.PROCESSED
    assert len(events(engine)) == 1


def test_soft_bounces_suppress_once_there_are_enough_spread_over_the_window(
    engine: Engine,
) -> None:
    now = utc_now()
    spread = [now - timedelta(days=4), now - timedelta(days=2), now]
    for when in spread:
        job_id = add_job(engine, to=["full@example.ee"])
        pipeline(engine).record(fetched(mails.soft_dsn(job_id, "full@example.ee")), now=when)
        assert job_status(engine, job_id) is MailStatus.SOFT_BOUNCED
    for minutes in (0, 10, 20):
        job_id = add_job(engine, to=["burst@example.ee"])
        pipeline(engine).record(
            fetched(mails.soft_dsn(job_id, "burst@example.ee")),
            now=now - timedelta(minutes=minutes),
        )
    with session_scope(engine) as session:
        found = active_suppressions(session, "acme", ["full@example.ee", "burst@example.ee"])
    assert list(found) == ["full@example.ee"]
    suppression = found["full@example.ee"]
    assert suppression.reason == "mailboxfull"
    assert suppression.expires_at == now + timedelta(days=SETTINGS.soft_suppression_days)


def test_a_delivery_report_marks_the_job_delivered_and_suppresses_nothing(
    engine: Engine,
) -> None:
    job_id = add_job(engine)
    pipeline(engine).record(fetched(mails.delivered_dsn(job_id, "juri@example.ee")))
    assert job_status(engine, job_id) is MailStatus.DELIVERED
    [event] = events(engine)
    assert event.reason == "delivered" and event.published_at is not None
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Suppression)).one() == 0


def test_garbage_is_kept_with_an_undefined_event(engine: Engine) -> None:
    raw = mails.binary_garbage()
    handled = pipeline(engine).record(fetched(raw))
    assert handled.destination is Destination.UNPARSED
    [event] = events(engine)
    assert (event.reason, event.recipient, event.bounce_type) == ("undefined", "", "undetermined")
    with session_scope(engine) as session:
        raw_row = session.get(RawBounce, event.raw_bounce_id)
        assert raw_row is not None and raw_row.content == raw


def test_ordinary_mail_writes_nothing(engine: Engine) -> None:
    handled = pipeline(engine).record(fetched(mails.human_reply()))
    assert (handled.kind, handled.destination) == (MailKind.NOT_BOUNCE, Destination.NOT_BOUNCES)
    assert events(engine) == []
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(RawBounce)).one() == 0


def test_text_a_database_would_refuse_is_cleaned(engine: Engine) -> None:
    raw = mails.dsn(None, "nul@example.ee", diagnostic="smtp; 550 5.1.1 bad\x00byte MARK")
    pipeline(engine).record(fetched(raw.replace(b"MARK", b"\xff\xfe")))
    [event] = events(engine)
    assert event.diagnostic is not None and "\x00" not in event.diagnostic
