"""`erpmail job show`: a job that failed, was replayed from the dead-letter queue, was sent
and bounced, told in time order — the failure before the replay kept."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session

from schemas.tables import JobHistory, JobStep, MailMessage, MailStatus
from schemas.values import utc_now
from tests.events import hard_bounce
from tests.jobs import make_job
from tests.sender.harness import TENANT, Harness
from tests.sender.servers import Behaviour, SmtpServer
from workers.cli.main import cli
from workers.job.story import read_story, timeline
from workers.store.events import record_events
from workers.store.suppressions import suppress

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]


def test_job_show_tells_a_failed_replayed_sent_and_bounced_job_in_order(
    make_harness: MakeHarness,
    smtp_server: StartServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(Behaviour(fail_first=1))
    harness = make_harness(server.port, max_attempts=1)
    job = make_job(to=["gone@example.ee"])
    job_id = job["job_id"]
    harness.publish_jobs([job])
    harness.run_until(lambda: harness.statuses().get(job_id) == "dead")

    monkeypatch.setenv("RABBITMQ_URL", harness.settings.rabbitmq_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    replayed = CliRunner().invoke(cli, ["dlq", "replay", "--job", job_id[:8]])
    assert replayed.exit_code == 0, replayed.output
    harness.run_until(lambda: harness.statuses().get(job_id) == "sent", timeout=30)

    with Session(harness.engine) as session:
        (event,) = record_events(
            session,
            [
                hard_bounce(
                    bounce_key="<bounce-1@mx.example.ee>",
                    job_id=job_id,
                    tenant=TENANT,
                    verified=True,
                    recipient="gone@example.ee",
                    status="5.1.1",
                    diagnostic="550 5.1.1 <gone@example.ee>: \x1b[31mUser unknown",
                    received_at=utc_now(),
                )
            ],
        )
        suppress(session, TENANT, "gone@example.ee", "hard", event_id=event.id)
        session.commit()

    shown = CliRunner().invoke(cli, ["job", "show", job_id[:8], "--json"])
    assert shown.exit_code == 0, shown.output
    story = json.loads(shown.stdout)
    assert story["job"]["status"] == "sent" and story["job"]["replayed"] == 1
    steps = [
        (step["what"], step["detail"].get("attempt"), step["detail"].get("replay"))
        for step in story["timeline"]
    ]
    assert steps == [
        ("queued", None, None),
        ("started", 1, 0),
        ("dead", 1, 0),
        ("replayed", 0, 1),
        ("started", 1, 1),
        ("sent", 1, 1),
        ("event", None, None),
        ("suppressed", None, None),
    ]
    dead = story["timeline"][2]["detail"]
    assert dead["error_class"] in {"deferred", "connection"}  # the failure before the replay
    assert story["timeline"][1]["detail"]["smtp_host"].endswith(f":{server.port}")
    assert story["timeline"][6]["detail"]["reason"] == "userunknown"
    assert [s["at"] for s in story["timeline"]] == sorted(s["at"] for s in story["timeline"])

    table = CliRunner().invoke(cli, ["job", "show", job_id])
    assert table.exit_code == 0, table.output
    assert "replayed from the dead-letter queue (replay 1)" in table.stdout
    assert "gone@example.ee: hard bounce, userunknown" in table.stdout
    assert "attempt 1 of replay 1 sent" in table.stdout


def test_job_show_says_when_there_is_no_such_job_or_several(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    missing = CliRunner().invoke(cli, ["job", "show", "3cfda759"])
    assert missing.exit_code == 3
    assert "no job '3cfda759'" in missing.stderr
    with Session(engine) as session:
        for job_id in (
            "3cfda759-1111-4000-8000-000000000001",
            "3cfda759-2222-4000-8000-00000000000a",
        ):
            session.add(MailMessage(job_id=job_id, tenant=TENANT, user_code="MARI", kind="invoice"))
        session.commit()
    ambiguous = CliRunner().invoke(cli, ["job", "show", "3CFDA759"])
    assert ambiguous.exit_code == 2
    assert "is the start of several job ids" in ambiguous.output
    found = CliRunner().invoke(cli, ["job", "show", "3cfda759-2", "--json"])
    assert json.loads(found.stdout)["job"]["job_id"].endswith("00000000000a")


def test_a_sending_is_told_once_whether_its_row_or_a_history_row_says_it(engine: Engine) -> None:
    """The sender no longer writes a ``sent`` history row (the job's row says it); a job sent
    by an older sender has one, and its story still tells the sending once."""
    sent_at = utc_now()
    with Session(engine) as session:
        for job_id in (
            "5e1d0000-0000-4000-8000-000000000001",
            "5e1d0000-0000-4000-8000-000000000002",
        ):
            session.add(
                MailMessage(
                    job_id=job_id,
                    tenant=TENANT,
                    user_code="MARI",
                    kind="invoice",
                    status=MailStatus.SENT,
                    attempts=2,
                    replayed=1,
                    smtp_response="250 2.0.0 queued",
                    sent_at=sent_at,
                )
            )
        session.add(
            JobHistory(
                job_id="5e1d0000-0000-4000-8000-000000000002",
                at=sent_at,
                step=JobStep.SENT,
                attempt=2,
                replay=1,
                smtp_response="250 2.0.0 queued",
            )
        )
        session.commit()
        for job_id in (
            "5e1d0000-0000-4000-8000-000000000001",
            "5e1d0000-0000-4000-8000-000000000002",
        ):
            sent = [
                (step.at, step.summary, step.detail)
                for step in timeline(read_story(session, job_id))
                if step.what == "sent"
            ]
            assert sent == [
                (
                    sent_at,
                    "attempt 2 of replay 1 sent: 250 2.0.0 queued",
                    {"attempt": 2, "replay": 1, "smtp_response": "250 2.0.0 queued"},
                )
            ]
