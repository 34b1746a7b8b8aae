"""`erpmail status` against the real broker and database: what waits where, and why."""

from __future__ import annotations

import json
from datetime import timedelta

import pika
import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from schemas.tables import MailStatus, RawBounce
from schemas.values import utc_now
from tests.conftest import TEST_RETRY_LADDER
from tests.events import hard_bounce
from tests.jobs import job_bytes, job_row
from workers.broker import names, topology
from workers.broker.topology import build_topology, declare
from workers.cli.main import cli
from workers.sender.delivery import failed_properties
from workers.store import migrate
from workers.store.engine import make_engine, session_scope


def dead_letter(channel: BlockingChannel, error_class: str) -> None:
    now = utc_now()
    properties = failed_properties(
        pika.BasicProperties(message_id="j", delivery_mode=2),
        attempts=1,
        first_failure=now,
        now=now,
        error_class=error_class,
        error_text="535 5.7.8 no",
        worker="test",
    )
    channel.basic_publish(names.DEAD_EXCHANGE, error_class, job_bytes(), properties)


def test_status_reports_queues_dead_letters_the_oldest_job_and_the_last_bounce(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    url = erpmail_env["DATABASE_URL"]
    migrate.upgrade(url)
    broker.basic_publish(names.JOBS_EXCHANGE, names.JOB_BINDING, job_bytes())
    for error_class in ("auth", "auth", "rejected"):
        dead_letter(broker, error_class)
    now = utc_now()
    with session_scope(make_engine(url)) as session:
        for job_id, status, age in (
            ("00000000-0000-4000-8000-000000000001", MailStatus.SENT, 50),
            ("00000000-0000-4000-8000-000000000002", MailStatus.RETRYING, 30),
            ("00000000-0000-4000-8000-000000000003", MailStatus.QUEUED, 5),
        ):
            session.add(job_row(status, job_id, created_at=now - timedelta(minutes=age)))
        session.add(
            job_row(
                MailStatus.RETRYING,
                "00000000-0000-4000-8000-000000000004",
                created_at=now - timedelta(minutes=10),
                error_class="rate_limited",
                error_text="over the rate limit (mari@acme.ee: 30/minute) for about 41 s",
            )
        )
        raw = RawBounce(bounce_key="k", content=b"x", size=1, received_at=now - timedelta(hours=2))
        session.add(raw)
        session.flush()
        session.add(
            hard_bounce(
                bounce_key="k",
                recipient="a@example.ee",
                raw_bounce_id=raw.id,
            )
        )

    result = CliRunner().invoke(cli, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    queues = {queue["name"]: queue for queue in report["queues"]}
    assert (queues[names.SEND_QUEUE]["messages"], queues[names.SEND_QUEUE]["consumers"]) == (1, 0)
    assert queues[names.DEAD_QUEUE]["messages"] == 3
    assert queues[names.EVENTS_QUEUE]["max_length"] > 0
    assert report["dead_letters"] == {"auth": 2, "rejected": 1}
    assert report["oldest_waiting_job"] == "00000000-0000-4000-8000-000000000002"
    assert report["jobs_by_status"] == {"sent": 1, "retrying": 2, "queued": 1}
    assert report["rate_limited"] == 1
    assert report["last_bounce_at"].startswith(f"{now - timedelta(hours=2):%Y-%m-%dT%H}")
    assert report["outbox_pending"] == 1
    assert report["overflow_refusals"] == []
    assert queues[names.EVENTS_QUEUE]["overflow"] == "reject-publish"
    assert broker.queue_declare(names.DEAD_QUEUE, passive=True).method.message_count == 3

    table = CliRunner().invoke(cli, ["status"])
    assert table.exit_code == 0, table.output
    assert "dead letters by class: auth 2, rejected 1" in table.stdout
    assert "oldest waiting job: 00000000-0000-4000-8000-000000000002 (waiting 30m" in table.stdout
    assert "last bounce handled: " in table.stdout and "(2h 0m ago)" in table.stdout
    assert "events waiting in the outbox: 1" in table.stdout
    assert "jobs waiting for a rate limit: 1" in table.stdout
    assert "overflow refusals: none (no capped queue is full)" in table.stdout


def test_status_shows_a_full_queue_refusing_what_is_published(
    broker: BlockingChannel, erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """mail.events declared with a limit of 2 in the test's vhost (the real one holds a
    million): filled, the broker nacks the next event, and status says so."""
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    broker.queue_delete(names.EVENTS_QUEUE)
    monkeypatch.setattr(topology, "EVENTS_MAX_LENGTH", 2)
    declare(broker, build_topology(TEST_RETRY_LADDER))
    try:
        nacked = False
        for number in range(10):  # a quorum queue may take a message or so past its limit
            try:
                broker.basic_publish(names.EVENTS_EXCHANGE, "mail.sent", f"{number}".encode())
            except pika.exceptions.NackError:  # what every publisher now meets
                nacked = True
                break
        assert nacked
        depth = broker.queue_declare(names.EVENTS_QUEUE, passive=True).method.message_count

        result = CliRunner().invoke(cli, ["status", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["overflow_refusals"] == [names.EVENTS_QUEUE]
        table = CliRunner().invoke(cli, ["status"])
        assert f"{names.EVENTS_QUEUE} full, new messages refused" in table.stdout
        assert f"{depth} of 2, full: refusing" in table.stdout

        for _ in range(depth - 1):  # a consumer makes room
            broker.basic_get(names.EVENTS_QUEUE, auto_ack=True)
        report = json.loads(CliRunner().invoke(cli, ["status", "--json"]).stdout)
        assert report["overflow_refusals"] == []
    finally:
        broker.queue_delete(names.EVENTS_QUEUE)
        monkeypatch.undo()
        declare(broker, build_topology(TEST_RETRY_LADDER))


def test_status_says_what_did_not_answer_and_exits_1(
    erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:broker-secret@127.0.0.1:1/%2F")
    result = CliRunner().invoke(cli, ["status", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["broker_error"].startswith("cannot connect to RabbitMQ")
    assert "broker-secret" not in result.output
    assert report["jobs_by_status"] == {} and report["database_error"] is None
