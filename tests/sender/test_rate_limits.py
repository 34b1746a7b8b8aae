"""Rate limits hold across worker processes and restarts: the counts are in the database.

Three ``erpmail worker send`` processes share one configuration limited to N mails a minute
(the windows shortened by ``ERPMAIL_RATE_WINDOW_SCALE``: a "minute" of 6 s, counted as
production counts minutes); the aiosmtpd server's own clock says how many arrived in any
window. A restarted worker still knows the day's count.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from schemas.tables import JobHistory, JobStep, RateLimitUsage
from tests.jobs import make_job
from tests.sender.harness import TENANT, USER, Harness, seed_user
from tests.sender.servers import SmtpServer
from tests.sender.test_reliability import queues_empty, stop, wait_for, worker_process
from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher, job_properties
from workers.config.presets import load_presets
from workers.config.store import save_user_settings
from workers.store.engine import session_scope

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]

PER_MINUTE = 4
SCALE = 0.1  # a minute of 6 s
WINDOW = 60.0 * SCALE
JOBS = 14


def limit_card(harness: Harness, **limits: int) -> None:
    """Give the sending user's card rate limits, as ``erpmail config set`` stores them."""
    with session_scope(harness.engine) as session:
        save_user_settings(session, harness.settings, TENANT, USER, limits, load_presets())


def limited_harness(
    make_harness: MakeHarness, smtp_server: StartServer, **limits: int
) -> tuple[SmtpServer, Harness]:
    """A stand-in SMTP server, and a harness sending to it whose user's card has ``limits``."""
    server = smtp_server()
    harness = make_harness(server.port)
    limit_card(harness, **limits)
    return server, harness


def most_in_any_window(times: list[float], window: float) -> int:
    """The most mails that arrived within ``window`` seconds of one another."""
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


def log_events(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def rate_limited_steps(harness: Harness) -> int:
    with Session(harness.engine) as session:
        return len(
            session.exec(
                select(JobHistory)
                .where(col(JobHistory.step) == JobStep.RETRYING)
                .where(col(JobHistory.error_class) == "rate_limited")
            ).all()
        )


@pytest.mark.timeout(600)
def test_three_worker_processes_send_at_most_the_limit_in_any_minute(
    make_harness: MakeHarness, smtp_server: StartServer, tmp_path: Path
) -> None:
    server, harness = limited_harness(make_harness, smtp_server, rate_per_minute=PER_MINUTE)
    jobs = [make_job(to=[f"customer{n}@example.ee"]) for n in range(JOBS)]
    env = {"ERPMAIL_RATE_WINDOW_SCALE": str(SCALE), "ERPMAIL_LOG_LEVEL": "info"}
    names_ = [f"rate-{n}" for n in range(3)]
    with (
        worker_process(harness, tmp_path, names_[0], **env) as first,
        worker_process(harness, tmp_path, names_[1], **env) as second,
        worker_process(harness, tmp_path, names_[2], **env) as third,
    ):
        # the three consume before the jobs come: each gets a share of them at once
        wait_for(lambda: harness.consumers(names.SEND_QUEUE) == 3, 60, "three consumers")
        started = time.time()
        harness.publish_jobs(jobs)
        wait_for(
            lambda: list(harness.statuses().values()).count("sent") == JOBS,
            300,
            "every job sent",
        )
        took = time.time() - started
        wait_for(lambda: queues_empty(harness), 30, "the queues to drain")
        assert [stop(process) for process in (first, second, third)] == [0, 0, 0]

    arrivals = [received.at for received in server.received]
    most = most_in_any_window(arrivals, WINDOW)
    handled = {
        name: [
            event["event"]
            for event in log_events(tmp_path / f"{name}.log")
            if event.get("event") in ("sent", "deferred")
        ]
        for name in names_
    }
    sent_by = {name: events.count("sent") for name, events in handled.items()}
    print(
        f"\n{JOBS} jobs, 3 worker processes, limit {PER_MINUTE} a minute of {WINDOW:g} s: "
        f"received {len(arrivals)} in {took:.1f} s, at most {most} in any {WINDOW:g} s; "
        f"sent by process {sent_by}; deferred (rate_limited) {rate_limited_steps(harness)}"
    )
    assert most <= PER_MINUTE
    assert sorted(server.message_id_counts().values()) == [1] * JOBS  # each once
    assert sum(sent_by.values()) == JOBS
    assert all(handled.values()), "each process took jobs: the limit was shared, not divided"
    # held back, not failed: one attempt each, nothing dead-lettered
    rows = harness.rows()
    assert {row.status for row in rows.values()} == {"sent"}
    assert {row.attempts for row in rows.values()} == {1}
    assert rate_limited_steps(harness) >= JOBS - PER_MINUTE
    assert harness.queue_depth(names.DEAD_QUEUE) == 0
    # the whole run cannot be shorter than the windows it needed
    assert max(arrivals) - min(arrivals) >= (JOBS - 1) // PER_MINUTE * WINDOW


@pytest.mark.timeout(300)
def test_a_restarted_worker_keeps_the_day_s_count(
    make_harness: MakeHarness, smtp_server: StartServer, tmp_path: Path
) -> None:
    server, harness = limited_harness(make_harness, smtp_server, rate_per_day=3)
    before = [make_job() for _ in range(3)]
    harness.publish_jobs(before)
    with worker_process(harness, tmp_path, "day-before") as worker:
        wait_for(lambda: server.accepted() == 3, 120, "the day's three mails")
        wait_for(lambda: set(harness.statuses().values()) == {"sent"}, 60, "three jobs sent")
        assert stop(worker) == 0

    after = [make_job() for _ in range(2)]
    harness.publish_jobs(after)
    with worker_process(harness, tmp_path, "day-after") as worker:
        wait_for(
            lambda: rate_limited_steps(harness) >= 4,  # each of the two deferred twice
            120,
            "the new jobs held back by the day's count",
        )
        assert stop(worker) == 0

    assert server.accepted() == 3
    rows = harness.rows()
    waiting = [rows[job["job_id"]] for job in after]
    assert [(row.status, row.error_class, row.attempts) for row in waiting] == [
        ("retrying", "rate_limited", 0)
    ] * 2
    assert all("over the rate limit" in (row.error_text or "") for row in waiting)
    assert harness.queue_depth(names.DEAD_QUEUE) == 0


def test_a_limited_configuration_waits_while_the_others_are_sent_without_a_database_row(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server, harness = limited_harness(make_harness, smtp_server, rate_per_day=1)
    seed_user(harness.engine, "JAAN", "jaan@acme.ee")  # no limits
    limited = [make_job() for _ in range(3)]
    free = [make_job(user_code="JAAN") for _ in range(20)]
    harness.publish_jobs([*limited, *free])

    def done() -> bool:
        statuses = harness.statuses()
        return all(statuses.get(job["job_id"]) == "sent" for job in free) and sorted(
            statuses.get(job["job_id"], "") for job in limited
        ) == ["retrying", "retrying", "sent"]

    harness.run_until(done, timeout=60)
    assert server.accepted() == len(free) + 1
    with Session(harness.engine) as session:
        accounts = [row.account for row in session.exec(select(RateLimitUsage))]
    assert accounts == ["|127.0.0.1"]  # MARI's limit; JAAN's mail never asked the database


def test_a_deferred_job_keeps_its_priority_headers_and_properties(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    """A job held back by a rate limit goes to a retry queue as the producer sent it: its
    priority, correlation id, app id and headers; only the expiration is the retry's."""
    server, harness = limited_harness(make_harness, smtp_server, rate_per_day=1)
    first, second = make_job(), make_job()
    produced = job_properties(second["job_id"], {"x-producer": "invoicing"})
    produced.priority = 5
    produced.correlation_id = "invoice-2026-0042"
    produced.app_id = "erp"
    with ConfirmingPublisher.open(harness.settings.rabbitmq_url, "erpmail-tests") as publisher:
        for job, properties in ((first, job_properties(first["job_id"])), (second, produced)):
            body = json.dumps(job).encode()
            publisher.publish(names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, body, properties)
    harness.run_until(
        lambda: (
            harness.statuses().get(second["job_id"]) == "retrying"
            and harness.statuses().get(first["job_id"]) == "sent"
        )
    )
    # Stopped: the deferred copy comes back from its retry queue to mail.send.
    wait_for(lambda: harness.queue_depth(names.SEND_QUEUE) == 1, 60, "the deferred job back")
    [(properties, body)] = harness.drain(names.SEND_QUEUE)
    assert json.loads(body)["job_id"] == second["job_id"]
    assert properties.message_id == second["job_id"]
    assert (properties.priority, properties.correlation_id, properties.app_id) == (
        5,
        "invoice-2026-0042",
        "erp",
    )
    assert (properties.content_type, properties.delivery_mode) == ("application/json", 2)
    assert (properties.headers or {})["x-producer"] == "invoicing"
    assert server.accepted() == 1
