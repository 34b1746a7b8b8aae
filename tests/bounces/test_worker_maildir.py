"""The worker over a Maildir: every mail filed once, events published after the commit."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from schemas.tables import Event, RawBounce
from tests.bounces import mails
from tests.bounces.test_pipeline import SETTINGS, add_job, fetched, pipeline
from tests.contracts import check_event
from workers.bounces.maildir import MaildirSource
from workers.bounces.outbox import publish_pending
from workers.bounces.pipeline import BouncePipeline, Handled
from workers.bounces.source import FetchedMessage, SourceRefused
from workers.bounces.summary import Summary
from workers.bounces.worker import BounceWorker
from workers.broker import names
from workers.broker.connection import BrokerUnavailable
from workers.broker.publisher import ConfirmingPublisher
from workers.metrics.http import MonitorServer
from workers.store.engine import session_scope


def make_maildir(root: Path, mails_by_name: dict[str, bytes]) -> Path:
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, raw in mails_by_name.items():
        (root / "new" / name).write_bytes(raw)
    return root


def files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def run_once(engine: Engine, root: Path, publisher_url: str | None = None) -> Summary:
    worker = BounceWorker(
        MaildirSource(root),
        pipeline(engine),
        engine,
        (lambda: ConfirmingPublisher.open(publisher_url)) if publisher_url else None,
        poll_seconds=1,
        max_message_bytes=SETTINGS.max_message_bytes,
    )
    return worker.run(once=True)


def count(engine: Engine, model: type[Event] | type[RawBounce]) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_server_bounces_and_stray_mail_are_each_filed_once(engine: Engine, tmp_path: Path) -> None:
    bounces = dict(mails.server_mails())
    extra = {
        "human.eml": mails.human_reply(),
        "newsletter.eml": mails.newsletter(),
        "garbage.bin": mails.binary_garbage(),
    }
    root = make_maildir(tmp_path / "Maildir", {**bounces, **extra})
    summary = run_once(engine, root)
    assert files(root / "new") == []
    processed = [name.split(":")[0] for name in files(root / "cur")]
    unparsed = [name.split(":")[0] for name in files(root / ".Unparsed" / "cur")]
    not_bounces = [name.split(":")[0] for name in files(root / ".NotBounces" / "cur")]
    assert sorted(processed + unparsed + not_bounces) == sorted({**bounces, **extra})
    assert {"human.eml", "newsletter.eml"} <= set(not_bounces)
    assert "garbage.bin" in unparsed
    assert {name for name in bounces if name.startswith("rfc3834-")} <= set(not_bounces)
    assert summary.seen == len(bounces) + len(extra)
    assert summary.by_kind["not_bounce"] == 2
    assert count(engine, Event) == sum(summary.reasons.values())
    assert count(engine, RawBounce) == summary.seen - 2 - summary.duplicates

    again = run_once(engine, make_maildir(root, bounces))
    assert again.duplicates == again.seen - again.by_kind["not_bounce"] == len(bounces)
    assert count(engine, Event) == sum(summary.reasons.values())


def test_a_mail_committed_but_not_moved_is_moved_without_new_events(
    engine: Engine, tmp_path: Path
) -> None:
    job_id = add_job(engine)
    raw = mails.dsn(job_id, "juri@example.ee")
    root = make_maildir(tmp_path / "Maildir", {"bounce.eml": raw})
    pipeline(engine).record(fetched(raw))  # the worker died here, before the move
    summary = run_once(engine, root)
    assert files(root / "new") == [] and len(files(root / "cur")) == 1
    assert (summary.duplicates, count(engine, Event)) == (1, 1)


@pytest.mark.usefixtures("broker")
def test_committed_events_are_published_once_with_their_fields(
    engine: Engine, tmp_path: Path, rabbitmq_url: str, broker: BlockingChannel
) -> None:
    job_id = add_job(engine, to=["juri@example.ee", "mari@example.ee"])
    root = make_maildir(
        tmp_path / "Maildir",
        {
            "hard.eml": mails.dsn(job_id, "juri@example.ee"),
            "delivered.eml": mails.delivered_dsn(job_id, "mari@example.ee"),
            "arf.eml": dict(mails.server_mails())["arf-01.eml"],
            "vacation.eml": dict(mails.server_mails())["rfc3834-02.eml"],
        },
    )
    summary = run_once(engine, root, rabbitmq_url)
    received = []
    while (got := broker.basic_get(names.EVENTS_QUEUE, auto_ack=True))[0] is not None:
        method, properties, body = got
        received.append((method.routing_key, properties.message_id, check_event(properties, body)))
    assert sorted(key for key, _, _ in received) == [names.EVENT_BOUNCED, names.EVENT_COMPLAINT]
    bounced = next(body for key, _, body in received if key == names.EVENT_BOUNCED)
    assert (bounced["job_id"], bounced["data"]["recipient"], bounced["data"]["reason"]) == (
        job_id,
        "juri@example.ee",
        "userunknown",
    )
    assert {mid for _, mid, _ in received} == {
        f"{body['type']}:event:{body['data']['event_id']}" for *_, body in received
    }
    assert summary.published == 2
    with session_scope(engine) as session:
        unpublished = session.exec(select(Event).where(col(Event.published_at).is_(None))).all()
    assert unpublished == []
    with ConfirmingPublisher.open(rabbitmq_url) as publisher:
        assert publish_pending(engine, publisher) == 0


@pytest.mark.usefixtures("broker")
def test_events_wait_in_the_outbox_while_the_broker_is_away(
    engine: Engine, tmp_path: Path, rabbitmq_url: str, broker: BlockingChannel
) -> None:
    root = make_maildir(tmp_path / "Maildir", {"hard.eml": mails.dsn(None, "a@example.ee")})
    summary = run_once(engine, root, "amqp://guest:guest@127.0.0.1:1/%2F")
    assert summary.published == 0 and files(root / "new") == []
    with pytest.raises(BrokerUnavailable):
        ConfirmingPublisher.open("amqp://guest:guest@127.0.0.1:1/%2F")
    with ConfirmingPublisher.open(rabbitmq_url) as publisher:
        assert publish_pending(engine, publisher) == 1
    method, properties, body = broker.basic_get(names.EVENTS_QUEUE, auto_ack=True)
    assert method is not None
    assert check_event(properties, body)["data"]["recipient"] == "a@example.ee"


def test_a_maildir_that_is_not_one_is_refused(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(SourceRefused, match="not a Maildir"):
        run_once(engine, tmp_path / "missing")


class BrokenOnMarker(BouncePipeline):
    """The real pipeline, except that it fails (like a bug would) on mails with a marker."""

    def record(self, message: FetchedMessage, now: datetime | None = None) -> Handled:
        if b"X-Trigger-Bug: yes" in message.raw:
            raise RuntimeError("a bug in the pipeline")
        return super().record(message, now)


def test_a_mail_the_pipeline_fails_on_is_kept_as_undefined_and_the_worker_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    buggy = b"X-Trigger-Bug: yes\r\n" + mails.dsn(None, "a@example.ee")
    root = make_maildir(
        tmp_path / "Maildir", {"1-buggy.eml": buggy, "2-fine.eml": mails.dsn(None, "b@example.ee")}
    )
    worker = BounceWorker(
        MaildirSource(root),
        BrokenOnMarker(engine, SETTINGS, mails.SECRET),
        engine,
        None,
        poll_seconds=1,
        max_message_bytes=SETTINGS.max_message_bytes,
    )
    summary = worker.run(once=True)
    assert [name.split(":")[0] for name in files(root / ".Unparsed" / "cur")] == ["1-buggy.eml"]
    assert [name.split(":")[0] for name in files(root / "cur")] == ["2-fine.eml"]
    assert summary.reasons == {"undefined": 1, "userunknown": 1}
    with session_scope(engine) as session:
        kept = session.exec(select(Event).where(Event.reason == "undefined")).one()
        assert kept.diagnostic == "worker error: RuntimeError"
        raw = session.get(RawBounce, kept.raw_bounce_id)
        assert raw is not None and raw.content == buggy


def test_a_mail_left_in_new_does_not_end_the_wait_but_a_delivered_one_does(
    tmp_path: Path,
) -> None:
    root = make_maildir(tmp_path / "mail", {"left-after-an-error": b"Subject: x\r\n\r\nx\r\n"})
    source = MaildirSource(root)
    source.connect()
    source.pending()
    started = time.monotonic()
    source.wait(0.3)
    assert time.monotonic() - started >= 0.25  # nothing new: the worker does not spin
    source.pending()
    timer = threading.Timer(0.1, (root / "new" / "delivered").write_bytes, [b"x"])
    timer.start()
    started = time.monotonic()
    source.wait(30)
    timer.join()
    assert time.monotonic() - started < 10


def test_health_and_metrics_follow_the_mailbox_database_and_broker(
    engine: Engine, tmp_path: Path, rabbitmq_url: str, broker: BlockingChannel
) -> None:
    job_id = add_job(engine)
    root = make_maildir(tmp_path / "box", {"b1": mails.dsn(job_id, "juri@example.ee")})
    worker = BounceWorker(
        MaildirSource(root),
        pipeline(engine),
        engine,
        lambda: ConfirmingPublisher.open(rabbitmq_url),
        poll_seconds=1,
        max_message_bytes=SETTINGS.max_message_bytes,
    )
    monitor = MonitorServer(worker.health, "127.0.0.1", 0)
    try:
        assert scrape_status(monitor.port, "/readyz") == 503, "nothing tried yet"
        before = REGISTRY.get_sample_value("erpmail_bounce_events_total", {"reason": "userunknown"})
        worker.run(once=True)
        assert scrape_status(monitor.port, "/readyz") == 200
        assert scrape_status(monitor.port, "/livez") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{monitor.port}/metrics") as answer:
            text = answer.read().decode()
    finally:
        monitor.close()
    assert 'erpmail_bounces_handled_total{kind="bounce"}' in text
    after = REGISTRY.get_sample_value("erpmail_bounce_events_total", {"reason": "userunknown"})
    assert (after or 0) - (before or 0) == 1
    last = REGISTRY.get_sample_value("erpmail_bounces_last_handled_timestamp_seconds")
    assert last is not None and abs(last - time.time()) < 60

    gone = BounceWorker(
        MaildirSource(tmp_path / "missing"),
        pipeline(engine),
        engine,
        None,
        poll_seconds=1,
        max_message_bytes=SETTINGS.max_message_bytes,
    )
    with pytest.raises(SourceRefused):
        gone.run(once=True)
    ready, detail = gone.health.ready()
    assert not ready and "is not a Maildir" in detail["checks"]["mailbox"]


def scrape_status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
