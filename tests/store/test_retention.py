"""`erpmail db prune`: old records go, what is still needed stays, on both databases, while
a worker writes."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas.tables import Event, MailMessage, MailStatus, RawBounce, Suppression
from schemas.values import utc_now
from tests.jobs import job_row
from workers.cli.main import cli
from workers.settings import Retention
from workers.store import migrate, retention
from workers.store.engine import make_engine, session_scope
from workers.store.retention import prune

NOW = utc_now()
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=2)
KEEP = Retention(raw_bounce_days=30, event_days=365, job_days=180)


def add_raw(engine: Engine, received_at: datetime, *events: dict[str, object]) -> int:
    """A raw bounce and its Events (each a dict of fields over a published DSN Event)."""
    with session_scope(engine) as session:
        raw = RawBounce(
            bounce_key=str(uuid.uuid4()), content=b"x" * 1000, size=1000, received_at=received_at
        )
        session.add(raw)
        session.flush()
        for n, fields in enumerate(events):
            values: dict[str, object] = {
                "source": "dsn",
                "bounce_key": raw.bounce_key,
                "recipient": f"r{n}@example.ee",
                "reason": "userunknown",
                "bounce_type": "hard",
                "raw_bounce_id": raw.id,
                "received_at": received_at,
                "published_at": received_at,
                **fields,
            }
            session.add(Event.model_validate(values))
        assert raw.id is not None
        return raw.id


def add_job(engine: Engine, status: MailStatus, updated_at: datetime) -> str:
    row = job_row(status, updated_at=updated_at)
    with session_scope(engine) as session:
        session.add(row)
    return row.job_id


def contents(engine: Engine) -> dict[int, bytes]:
    with session_scope(engine) as session:
        return {row.id: row.content for row in session.exec(select(RawBounce)) if row.id}


def event_recipients(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return {f"{row.bounce_key}:{row.recipient}" for row in session.exec(select(Event))}


def job_ids(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.exec(select(MailMessage.job_id)))


def test_prune_removes_what_retention_no_longer_keeps_and_nothing_else(engine: Engine) -> None:
    gone = add_raw(engine, OLD, {}, {"source": "smtp", "published_at": None})
    outbox = add_raw(engine, OLD, {"published_at": None})  # never confirmed: stays
    cited = add_raw(engine, OLD, {})
    recent = add_raw(engine, RECENT, {})
    month_old = add_raw(engine, NOW - timedelta(days=40), {})
    with session_scope(engine) as session:
        (cited_event,) = session.exec(select(Event).where(Event.raw_bounce_id == cited))
        session.add(
            Suppression(tenant="acme", address="a@example.ee", reason="x", event_id=cited_event.id)
        )
    old_jobs = {status: add_job(engine, status, OLD) for status in MailStatus}
    recent_sent = add_job(engine, MailStatus.SENT, RECENT)
    before_events = event_recipients(engine)

    counted = prune(engine, KEEP, now=NOW, dry_run=True)
    assert event_recipients(engine) == before_events and len(contents(engine)) == 5
    pruned = prune(engine, KEEP, now=NOW)

    assert pruned == counted
    assert pruned.as_json() == {
        "raw_bounces_emptied": 4,
        "raw_bounces_deleted": 1,
        "events_deleted": 2,
        "jobs_deleted": 4,
    }
    assert contents(engine) == {outbox: b"", cited: b"", recent: b"x" * 1000, month_old: b""}
    assert gone not in contents(engine)
    kept_statuses = {MailStatus.QUEUED, MailStatus.CLAIMED, MailStatus.SENDING}
    kept_statuses |= {MailStatus.RETRYING}
    kept_statuses |= {MailStatus.DEAD, MailStatus.SUPPRESSED}
    assert job_ids(engine) == {old_jobs[s] for s in kept_statuses} | {recent_sent}
    assert prune(engine, KEEP, now=NOW).as_json() == dict.fromkeys(pruned.as_json(), 0)


def test_zero_days_keeps_that_kind_for_good(engine: Engine) -> None:
    add_raw(engine, OLD, {})
    add_job(engine, MailStatus.SENT, OLD)
    pruned = prune(engine, Retention(raw_bounce_days=0, event_days=0, job_days=0), now=NOW)
    assert pruned.as_json() == dict.fromkeys(pruned.as_json(), 0)


def test_prune_while_a_worker_writes_loses_nothing_new(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches interleave with a writer's transactions: every old row goes, every
    row written meanwhile stays (SQLite's single writer and PostgreSQL's row locks alike)."""
    monkeypatch.setattr(retention, "BATCH", 7)
    for _ in range(60):
        add_raw(engine, OLD, {}, {})
        add_job(engine, MailStatus.SENT, OLD)
    written: list[str] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set() or len(written) < 20:
            written.append(add_job(engine, MailStatus.SENT, utc_now()))
            add_raw(engine, utc_now(), {})

    writer = threading.Thread(target=worker)
    writer.start()
    try:
        pruned = prune(engine, KEEP)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert (pruned.events_deleted, pruned.raw_bounces_deleted, pruned.jobs_deleted) == (
        120,
        60,
        60,
    )
    assert job_ids(engine) == set(written)
    assert len(contents(engine)) == len(written)


def test_the_command_prints_counts_and_refuses_to_forget_counting_soft_bounces(
    erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = erpmail_env["DATABASE_URL"]
    migrate.upgrade(url)
    engine = make_engine(url)
    add_raw(engine, OLD, {})
    add_job(engine, MailStatus.DELIVERED, OLD)
    runner = CliRunner()

    dry = runner.invoke(cli, ["db", "prune", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["jobs_deleted"] == 1
    done = runner.invoke(cli, ["db", "prune"])
    assert done.exit_code == 0, done.output
    assert "       1 jobs were deleted" in done.stdout.splitlines()
    assert job_ids(engine) == set()

    monkeypatch.setenv("ERPMAIL_RETAIN_EVENT_DAYS", "30")
    refused = runner.invoke(cli, ["db", "prune"])
    assert refused.exit_code == 2
    assert "soft bounce window" in refused.output
