"""The sender worker end to end: real RabbitMQ, a real SMTP server, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
import uvloop
from click.testing import CliRunner
from sqlmodel import Session

from schemas.tables import MailMessage, MailStatus
from schemas.values import utc_now
from tests.jobs import make_job
from tests.sender.harness import TENANT, Harness
from tests.sender.servers import Behaviour, SmtpServer
from workers.broker import names
from workers.cli.main import cli
from workers.config.resolved import RateLimit, ResolvedConfig
from workers.config.secrets import signing_key
from workers.config.service import resolve_for_job
from workers.correlation import envelope_sender, message_id_for
from workers.settings import load_settings
from workers.store.suppressions import suppress

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]


def test_jobs_are_sent_recorded_announced_and_acked(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    jobs = [make_job(subject=f"Arve {n}") for n in range(20)]
    harness.publish_jobs(jobs)

    # Wait for the records, not the server: a mail is accepted before its row says sent.
    harness.run_until(lambda: list(harness.statuses().values()) == ["sent"] * 20)

    assert sorted(server.message_id_counts()) == sorted(
        message_id_for(job["job_id"], "events.erpmail.test") for job in jobs
    )
    assert set(server.message_id_counts().values()) == {1}
    assert set(harness.statuses().values()) == {"sent"}
    first = next(r for r in server.received if r.job_id == jobs[0]["job_id"])
    key = signing_key("test-secret-key")
    assert first.mail_from == envelope_sender(jobs[0]["job_id"], "events.erpmail.test", key)
    assert first.recipients == ["juri@example.ee"]
    sent = [n for n in harness.notices() if n["type"] == names.EVENT_SENT]
    assert sorted(n["job_id"] for n in sent) == sorted(job["job_id"] for job in jobs)
    assert harness.queue_depth(names.SEND_QUEUE) == 0


def test_the_worker_is_driven_on_the_loop_production_runs(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    """A sender process runs on uvloop (ERPMAIL_EVENT_LOOP's default): the in-process tests
    drive the worker on it too (ERPMAIL_EVENT_LOOP=asyncio runs them on the other), so what
    they check is what production runs; they ran on asyncio's loop only."""
    expected = os.environ.get("ERPMAIL_EVENT_LOOP", load_settings({}).event_loop)
    server = smtp_server()
    harness = make_harness(server.port)
    assert harness.settings.event_loop == expected
    job = make_job()
    harness.publish_jobs([job])
    loops: list[type] = []

    def sent() -> bool:
        loops.append(type(asyncio.get_running_loop()))
        return harness.statuses().get(job["job_id"]) == "sent"

    harness.run_until(sent)
    assert loops
    assert all(issubclass(loop, uvloop.Loop) == (expected == "uvloop") for loop in loops), loops


def test_a_jobs_log_lines_carry_its_id_and_tenant(
    make_harness: MakeHarness, smtp_server: StartServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    jobs = [make_job(subject=f"Arve {n}") for n in range(3)]
    harness.publish_jobs(jobs)

    # Three rows exist once the jobs are claimed; wait until all three are sent.
    harness.run_until(
        lambda: list(harness.statuses().values()) == ["sent"] * 3, log=("json", "info")
    )

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    sent = [line for line in lines if line["event"] == "sent"]
    assert sorted(line["job_id"] for line in sent) == sorted(job["job_id"] for job in jobs)
    assert {line["tenant"] for line in sent} == {TENANT}
    assert all(line["attempt"] == 1 for line in sent)
    worker_lines = [line for line in lines if "job_id" not in line]
    assert {"broker_connected", "sender_stopped"} <= {line["event"] for line in worker_lines}


@pytest.mark.parametrize(
    ("stored", "notices"),
    [
        (MailStatus.SENT, [names.EVENT_SENT]),  # mail.sent again: the first may have been lost
        # reported on since (mail.bounced): a mail.sent now would undo what the ERP was told
        (MailStatus.BOUNCED, []),
        (MailStatus.DELIVERED, []),
    ],
)
def test_a_job_already_sent_is_not_sent_again(
    make_harness: MakeHarness, smtp_server: StartServer, stored: MailStatus, notices: list[str]
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    job = make_job()
    harness.run_job(job, "sent")
    harness.notices()
    with Session(harness.engine) as session:
        row = session.get(MailMessage, job["job_id"])
        assert row is not None
        row.status = stored
        session.add(row)
        session.commit()

    harness.publish_jobs([job])
    worker = harness.run_until(
        lambda: (
            harness.worker is not None
            and harness.worker.stats.duplicates >= 1
            and harness.queue_depth(names.SEND_QUEUE) == 0
        )
    )

    assert server.message_id_counts()[message_id_for(job["job_id"], "events.erpmail.test")] == 1
    assert worker.stats.duplicates == 1
    assert [n["type"] for n in harness.notices()] == notices
    assert harness.statuses()[job["job_id"]] == stored


def test_invalid_jobs_are_dead_lettered_with_their_reason_and_good_ones_sent(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    good = [make_job() for _ in range(3)]
    injection = make_job(subject="Arve\r\nBcc: victim@example.com")
    huge = make_job(text="x" * (49 * 1024 * 1024))
    wrong_version = make_job(schema_version=7)
    harness.publish(
        [
            ("not-json", b"\x00\x01 this is not JSON"),
            (injection["job_id"], json.dumps(injection).encode()),
            (wrong_version["job_id"], json.dumps(wrong_version).encode()),
            (huge["job_id"], json.dumps(huge).encode()),
        ]
    )
    harness.publish_jobs(good)

    harness.run_until(lambda: server.accepted() >= 3 and harness.queue_depth(names.DEAD_QUEUE) >= 4)

    dead = harness.drain(names.DEAD_QUEUE)
    by_id = {properties.message_id: properties.headers for properties, _ in dead}
    assert set(by_id) == {"not-json", injection["job_id"], wrong_version["job_id"], huge["job_id"]}
    assert {headers[names.HEADER_ERROR_CLASS] for headers in by_id.values()} == {"invalid"}
    assert "not JSON" in by_id["not-json"][names.HEADER_ERROR_TEXT]
    assert "line break" in by_id[injection["job_id"]][names.HEADER_ERROR_TEXT]
    assert "schema_version" in by_id[wrong_version["job_id"]][names.HEADER_ERROR_TEXT]
    assert "over the limit" in by_id[huge["job_id"]][names.HEADER_ERROR_TEXT]
    for headers in by_id.values():
        assert headers[names.HEADER_WORKER] == "test-sender"
        assert headers[names.HEADER_ATTEMPT] == 0
        assert headers[names.HEADER_FIRST_FAILURE] and headers[names.HEADER_LAST_FAILURE]
    assert server.accepted() == 3
    assert b"victim@example.com" not in b"".join(r.data for r in server.received)


def test_suppressed_recipients_are_skipped_and_an_all_suppressed_job_ends_suppressed(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    with Session(harness.engine) as session:
        suppress(session, TENANT, "juri@example.ee", "userunknown")
        session.commit()
    partly = make_job(to=["juri@example.ee", "kati@example.ee"])
    wholly = make_job(to=["Jüri <JURI@example.ee>"])
    harness.publish_jobs([partly, wholly])

    harness.run_until(
        lambda: (
            len(set(harness.statuses().values()) - {"claimed", "sending"}) == 2
            and len(harness.statuses()) == 2
        )
    )

    assert harness.statuses() == {partly["job_id"]: "sent", wholly["job_id"]: "suppressed"}
    assert [r.recipients for r in server.received] == [["kati@example.ee"]]
    failed = [n for n in harness.notices() if n["type"] == names.EVENT_FAILED]
    assert [(n["job_id"], n["data"]["status"], n["data"]["suppressed"]) for n in failed] == [
        (wholly["job_id"], "suppressed", ["juri@example.ee"])
    ]


def test_a_4xx_answer_is_retried_through_the_retry_queue_until_sent(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(fail_first=2))
    harness = make_harness(server.port)
    job = make_job()
    harness.run_job(job, "sent", timeout=30)

    row = harness.rows()[job["job_id"]]
    assert row.attempts == 3
    assert server.transactions == 3
    assert server.accepted() == 1


def test_a_5xx_answer_dead_letters_at_once_with_the_reply(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(reject_data="554 5.7.1 Message rejected as spam"))
    harness = make_harness(server.port)
    job = make_job()
    harness.run_job(job, "dead")

    ((properties, body),) = harness.drain(names.DEAD_QUEUE)
    assert json.loads(body)["job_id"] == job["job_id"]
    assert properties.headers[names.HEADER_ERROR_CLASS] == "rejected"
    assert "554 5.7.1 Message rejected as spam" in properties.headers[names.HEADER_ERROR_TEXT]
    assert properties.headers[names.HEADER_ATTEMPT] == 1
    row = harness.rows()[job["job_id"]]
    assert row.error_class == "rejected"
    failed = [n for n in harness.notices() if n["type"] == names.EVENT_FAILED]
    assert [n["job_id"] for n in failed] == [job["job_id"]]


def test_refused_recipients_become_smtp_events_and_the_others_get_the_mail(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(
        Behaviour(refuse={"gone@example.ee": "550 5.1.1 <gone@example.ee>: User unknown"})
    )
    harness = make_harness(server.port)
    job = make_job(to=["juri@example.ee", "gone@example.ee"])
    harness.run_job(job, "sent")

    assert [r.recipients for r in server.received] == [["juri@example.ee"]]
    (event,) = harness.events()
    assert (event.source, event.job_id, event.recipient) == (
        "smtp",
        job["job_id"],
        "gone@example.ee",
    )
    assert (event.status, event.reply_code, event.reason, event.bounce_type) == (
        "5.1.1",
        "550",
        "userunknown",
        "hard",
    )
    sent = [n for n in harness.notices() if n["type"] == names.EVENT_SENT]
    assert sent[0]["data"]["refused"] == ["gone@example.ee"]


def test_every_recipient_refused_is_a_permanent_failure_with_events(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(
        Behaviour(refuse={"juri@example.ee": "550 5.1.1 <juri@example.ee>: User unknown"})
    )
    harness = make_harness(server.port)
    job = make_job()
    harness.run_job(job, "dead")

    ((properties, _),) = harness.drain(names.DEAD_QUEUE)
    assert properties.headers[names.HEADER_ERROR_CLASS] == "recipients_refused"
    assert [e.reason for e in harness.events()] == ["userunknown"]
    assert server.accepted() == 0


def test_a_connection_dropped_mid_data_is_retried_on_a_new_connection(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(drop_first=1))
    harness = make_harness(server.port)
    job = make_job()
    harness.run_job(job, "sent", timeout=30)

    assert server.accepted() == 1
    assert server.connections >= 2
    assert harness.rows()[job["job_id"]].attempts == 2


def test_attempts_run_out_and_the_job_is_dead_lettered_with_its_history(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(fail_first=100))
    harness = make_harness(server.port, max_attempts=3)
    job = make_job()
    harness.run_job(job, "dead", timeout=40)

    ((properties, _),) = harness.drain(names.DEAD_QUEUE)
    headers = properties.headers
    assert headers[names.HEADER_ATTEMPT] == 3
    assert headers[names.HEADER_ERROR_CLASS] == "deferred"
    assert "gave up after 3 attempts" in headers[names.HEADER_ERROR_TEXT]
    assert headers[names.HEADER_FIRST_FAILURE] <= headers[names.HEADER_LAST_FAILURE]
    assert server.transactions == 3


def _interrupted(
    harness: Harness,
    job: dict[str, object],
    seconds_ago: float,
    status: MailStatus = MailStatus.SENDING,
) -> None:
    """The row a worker killed mid-send (``claimed``: before it held a connection) leaves."""
    with Session(harness.engine) as session:
        session.add(
            MailMessage(
                job_id=str(job["job_id"]),
                tenant=TENANT,
                user_code="MARI",
                kind="invoice",
                status=status,
                attempts=1,
                sending_started_at=utc_now() - timedelta(seconds=seconds_ago),
            )
        )
        session.commit()


@pytest.mark.parametrize(
    ("left", "resend_interrupted", "flagged"),
    [
        (MailStatus.SENDING, True, True),  # it held a connection: it may have been delivered
        (MailStatus.CLAIMED, True, False),  # it never did: nothing was on the wire
        (MailStatus.CLAIMED, False, False),  # at most once holds: it was never sent
    ],
    ids=["sending", "claimed", "claimed-at-most-once"],
)
def test_a_job_interrupted_is_resent_flagged_only_when_it_held_a_connection(
    make_harness: MakeHarness,
    smtp_server: StartServer,
    left: MailStatus,
    resend_interrupted: bool,
    flagged: bool,
) -> None:
    server = smtp_server()
    harness = make_harness(server.port, resend_interrupted=resend_interrupted)
    job = make_job()
    _interrupted(harness, job, seconds_ago=60, status=left)
    harness.run_job(job, "sent")

    assert server.accepted() == 1
    assert harness.rows()[job["job_id"]].possible_duplicate is flagged
    (sent,) = [n for n in harness.notices() if n["type"] == names.EVENT_SENT]
    assert sent["data"]["possible_duplicate"] is flagged
    assert harness.drain(names.DEAD_QUEUE) == []


def test_at_most_once_dead_letters_a_job_interrupted_mid_send_until_replayed_knowingly(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port, resend_interrupted=False)
    job = make_job()
    _interrupted(harness, job, seconds_ago=60)
    harness.run_job(job, "dead")

    ((properties, body),) = harness.drain(names.DEAD_QUEUE)
    assert properties.headers[names.HEADER_ERROR_CLASS] == "interrupted"
    assert server.accepted() == 0

    # The operator replays it knowingly (`erpmail dlq replay --may-duplicate`): it is sent,
    # flagged as a possible duplicate in its row and its notice.
    harness.publish(
        [(job["job_id"], body)],
        headers={names.HEADER_REPLAYED: 1, names.HEADER_POSSIBLE_DUPLICATE: 1},
    )
    harness.run_until(lambda: harness.statuses().get(job["job_id"]) == "sent", timeout=30)
    assert harness.rows()[job["job_id"]].possible_duplicate is True
    (sent,) = [n for n in harness.notices() if n["type"] == names.EVENT_SENT]
    assert sent["data"]["possible_duplicate"] is True
    assert server.accepted() == 1


def test_a_job_another_attempt_holds_waits_for_the_lease_instead_of_being_sent_twice(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    # the other attempt holds the job for the lease from the row written below: the worker
    # must start and claim it within that, which a loaded machine can make take seconds
    harness = make_harness(server.port, sending_lease_seconds=10)
    job = make_job()
    _interrupted(harness, job, seconds_ago=0)
    worker = harness.run_job(job, "sent", timeout=60)

    assert worker.stats.deferred >= 1
    assert server.accepted() == 1


def test_a_stalled_server_times_out_and_the_job_is_retried(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(stall_seconds=3, stall_first=1))
    harness = make_harness(server.port)
    job = make_job()

    def impatient(session: Session, tenant: str, user: str) -> ResolvedConfig:
        config = resolve_for_job(session, harness.settings, tenant, user)
        return replace(config, endpoint=replace(config.endpoint, timeout_seconds=1.0))

    harness.publish_jobs([job])
    harness.run_until(
        lambda: harness.statuses().get(job["job_id"]) == "sent", timeout=30, resolve=impatient
    )

    row = harness.rows()[job["job_id"]]
    assert row.attempts == 2
    assert server.accepted() >= 1


def test_over_a_rate_limit_a_job_is_delayed_not_failed(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    jobs = [make_job(), make_job()]

    def one_a_day(session: Session, tenant: str, user: str) -> ResolvedConfig:
        config = resolve_for_job(session, harness.settings, tenant, user)
        return replace(config, rate_limit=RateLimit(per_day=1))

    harness.publish_jobs(jobs)
    worker = harness.run_until(
        lambda: sorted(harness.statuses().values()) == ["retrying", "sent"],
        timeout=30,
        resolve=one_a_day,
    )

    rows = harness.rows()
    (waiting,) = [row for row in rows.values() if row.status == "retrying"]
    assert waiting.error_class == "rate_limited"
    assert waiting.attempts == 0
    assert worker.stats.deferred >= 1
    assert server.accepted() == 1
    assert harness.queue_depth(names.DEAD_QUEUE) == 0


def test_a_refused_login_is_dead_lettered_at_once_with_the_fix(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(login_refusal="535 5.7.8 Username and Password not accepted"))
    harness = make_harness(server.port)
    job = make_job()

    def with_login(session: Session, tenant: str, user: str) -> ResolvedConfig:
        config = resolve_for_job(session, harness.settings, tenant, user)
        endpoint = replace(config.endpoint, username="mari@acme.ee", password="wrong-password")
        return replace(config, endpoint=endpoint)

    harness.publish_jobs([job])
    harness.run_until(
        lambda: harness.statuses().get(job["job_id"]) == "dead", timeout=30, resolve=with_login
    )

    ((properties, _),) = harness.drain(names.DEAD_QUEUE)
    text = properties.headers[names.HEADER_ERROR_TEXT]
    assert properties.headers[names.HEADER_ERROR_CLASS] == "auth"
    assert "535 5.7.8" in text
    assert "app password" in text
    assert "wrong-password" not in text
    assert server.accepted() == 0


def test_a_job_replayed_from_the_dead_letter_queue_is_sent_afresh_and_counted(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server(Behaviour(fail_first=1))
    harness = make_harness(server.port, max_attempts=2)
    job = make_job()
    with Session(harness.engine) as session:
        session.add(
            MailMessage(
                job_id=job["job_id"],
                tenant=TENANT,
                user_code="MARI",
                kind="invoice",
                status=MailStatus.DEAD,
                attempts=8,
                error_class="connection",
            )
        )
        session.commit()
    long_ago = "2020-01-01T00:00:00+00:00"
    harness.publish(
        [(job["job_id"], json.dumps(job).encode())],
        headers={names.HEADER_REPLAYED: 1, names.HEADER_FIRST_FAILURE: long_ago},
    )

    harness.run_until(lambda: harness.statuses().get(job["job_id"]) == "sent", timeout=30)

    row = harness.rows()[job["job_id"]]
    assert (row.replayed, row.attempts) == (1, 2)  # a failure after the replay was retried
    assert server.accepted() == 1


def test_a_replayed_job_dead_again_carries_no_undo_of_the_failure_before(
    make_harness: MakeHarness, smtp_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay's copy carries its letter's failure aside (the replay undo, for a copy that
    comes back parked) and the walk's stamp. Once a sender has it, neither is true any more:
    a new dead letter of it that kept them showed the failure before the replay beside its
    own (``dlq show``, ``dlq export``) until the next replay."""
    server = smtp_server(Behaviour(fail_first=2))
    harness = make_harness(server.port, max_attempts=1)
    job = make_job()
    job_id = job["job_id"]
    harness.run_job(job, "dead")
    monkeypatch.setenv("RABBITMQ_URL", harness.settings.rabbitmq_url)
    replayed = CliRunner().invoke(cli, ["dlq", "replay", "--job", job_id])
    assert replayed.exit_code == 0, replayed.output

    def dead_again() -> bool:
        row = harness.rows().get(job_id)
        return row is not None and row.replayed == 1 and row.status == "dead"

    harness.run_until(lambda: dead_again() and harness.queue_depth(names.DEAD_QUEUE) == 1)
    [(properties, _)] = harness.drain(names.DEAD_QUEUE)
    headers = properties.headers
    assert headers[names.HEADER_REPLAYED] == 1  # the replay is counted ...
    assert names.HEADER_REPLAY_UNDO not in headers  # ... but not undone later
    assert names.HEADER_WALK not in headers
    assert server.accepted() == 0
