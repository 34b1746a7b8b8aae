"""The worker on the real Dovecot: server bounces among stray, hostile and forged mail."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlmodel import col, select

from schemas.tables import Event, MailMessage, MailStatus, RawBounce, Suppression
from tests.bounces import mails
from tests.bounces.conftest import ImapBox, make_box, starttls_url
from tests.bounces.running import (
    run_once,
    stored_events,
    table_count,
    wait_until,
    worker_env,
)
from tests.bounces.test_pipeline import SETTINGS, add_job
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.worker import BounceWorker
from workers.broker import names
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

MAX_BYTES = 1024 * 1024


def queued_events(broker: BlockingChannel) -> int:
    return int(broker.queue_declare(names.EVENTS_QUEUE, passive=True).method.message_count)


def test_server_bounces_among_stray_hostile_and_forged_mail(
    imap_box: ImapBox, database_url: str, rabbitmq_url: str, broker: BlockingChannel
) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    ours = add_job(engine, tenant="acme")
    theirs = add_job(engine, tenant="other")
    bounces = [raw for _, raw in mails.server_mails()]
    stray = [mails.human_reply(), mails.newsletter(), mails.huge_mail(3 * MAX_BYTES)]
    hostile = [
        mails.binary_garbage(),
        mails.malformed_mime(),
        b"\r\n",
        mails.dsn(theirs, "ceo@other.example", tag_key="guessed-key"),
        mails.dsn(None, "long@example.ee", message_id="<" + "x" * 3000 + "@mx>"),
    ]
    verified = mails.dsn(ours, "Juri@Example.ee")
    everything = [*bounces, *stray, *hostile, verified]
    imap_box.append(*everything)

    env = worker_env(imap_box, database_url, rabbitmq_url, ERPMAIL_BOUNCE_MAX_BYTES=str(MAX_BYTES))
    first = run_once(env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "mails handled" in first.stdout and "reason: userunknown" in first.stdout

    counts = imap_box.counts()
    assert counts["source"] == 0
    assert counts["processed"] + counts["unparsed"] + counts["not_bounces"] == len(everything)
    assert counts["not_bounces"] >= len(stray) + 3  # + the three auto-replies
    assert counts["unparsed"] >= 3  # garbage, broken MIME, the blank mail

    with session_scope(engine) as session:
        job = session.get(MailMessage, ours)
        victim = session.get(MailMessage, theirs)
        assert job is not None and job.status is MailStatus.BOUNCED
        assert victim is not None and victim.status is MailStatus.SENT
        suppressions = session.exec(select(Suppression)).all()
        assert [(s.tenant, s.address, s.reason) for s in suppressions] == [
            ("acme", "juri@example.ee", "userunknown")
        ]
        forged = session.exec(select(Event).where(Event.recipient == "ceo@other.example")).one()
        assert (forged.job_id, forged.tenant, forged.verified) == (None, None, False)
        undefined = session.exec(select(Event).where(Event.reason == "undefined")).all()
        assert len(undefined) >= 3
        for event in undefined:
            kept = session.get(RawBounce, event.raw_bounce_id)
            assert kept is not None and kept.size >= len(kept.content)
        publishable = session.exec(
            select(Event).where(col(Event.reason).not_in(("vacation", "delivered")))
        ).all()
        unpublished = session.exec(select(Event).where(col(Event.published_at).is_(None))).all()
    engine.dispose()
    assert unpublished == []
    assert queued_events(broker) == len(publishable)

    events_before = stored_events(database_url)
    imap_box.append(*bounces, verified)  # the same bounces delivered again
    second = run_once(env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert imap_box.counts()["source"] == 0
    assert stored_events(database_url) == events_before
    assert queued_events(broker) == len(publishable)


def test_starttls_login_and_certificate_are_checked(
    imap_server: tuple[str, Path | None], imap_box: ImapBox, sqlite_url: str, rabbitmq_url: str
) -> None:
    url, ca = imap_server
    plain = starttls_url(url)
    if plain is None:
        pytest.skip("the STARTTLS port is known only for the local Dovecot")
    migrate.upgrade(sqlite_url)
    box = make_box(plain, ca, imap_box.folder)
    box.append(mails.dsn(None, "a@example.ee"))
    env = worker_env(box, sqlite_url, rabbitmq_url)
    result = run_once(env, "--no-publish")
    assert result.returncode == 0, result.stderr[-3000:]
    assert box.counts()["processed"] == 1

    box.append(mails.dsn(None, "b@example.ee"))
    unverified = run_once({k: v for k, v in env.items() if k != "IMAP_CA_FILE"}, "--no-publish")
    assert unverified.returncode == 2
    assert "did not verify" in unverified.stderr and "IMAP_CA_FILE" in unverified.stderr
    wrong = env["IMAP_URL"].replace(":events-password@", ":wrong@")
    refused = run_once({**env, "IMAP_URL": wrong}, "--no-publish")
    assert refused.returncode == 2 and "refused the login" in refused.stderr
    assert "wrong" not in refused.stderr
    assert box.counts()["source"] == 1


def test_a_folder_that_does_not_exist_is_refused_plainly(
    imap_server: tuple[str, Path | None], sqlite_url: str, rabbitmq_url: str
) -> None:
    url, ca = imap_server
    migrate.upgrade(sqlite_url)
    box = make_box(url, ca, f"missing-{uuid.uuid4().hex[:8]}")
    result = run_once(worker_env(box, sqlite_url, rabbitmq_url), "--no-publish")
    assert result.returncode == 2
    assert box.folder in result.stderr and "events-password" not in result.stderr


def test_idle_brings_new_mail_without_waiting_for_the_poll(
    imap_box: ImapBox, sqlite_url: str
) -> None:
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    source = imap_box.source()
    worker = BounceWorker(
        source,
        BouncePipeline(engine, SETTINGS, mails.SECRET),
        engine,
        None,
        poll_seconds=3600,
        max_message_bytes=MAX_BYTES,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: source.supports_idle, "the worker is connected and idle", 30)
        imap_box.append(mails.dsn(None, f"{uuid.uuid4().hex}@example.ee"))
        wait_until(lambda: table_count(sqlite_url, Event) == 1, "the new bounce is recorded", 60)
        wait_until(lambda: imap_box.counts()["processed"] == 1, "the bounce is moved", 30)
    finally:
        worker.stop()
        thread.join(30)
        engine.dispose()
    assert not thread.is_alive()


def test_whether_the_server_idles_is_read_without_a_word_to_it(
    imap_box: ImapBox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread (the worker's health, a test) may ask while the worker's thread talks
    to the server: a CAPABILITY sent then would take the reply the worker waits for."""
    source = imap_box.source()
    assert not source.supports_idle  # not connected
    source.connect()
    try:
        sent: list[bytes] = []
        client = source._client
        assert client is not None
        monkeypatch.setattr(client._imap, "send", sent.append)
        assert source.supports_idle  # Dovecot offers IDLE
        assert sent == []
    finally:
        monkeypatch.undo()
        source.close()
