"""The demo's steps: configure, publish, send, bounce back, read the records.

Every part is the real one: RabbitMQ, the database, `erpmail worker send` and
`erpmail worker bounces` as processes, an SMTP server on loopback standing in for the
recipients' servers, and the Dovecot event mailbox.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from imapclient import IMAPClient
from sqlmodel import col, select

from schemas.job import JobRejected, parse_job
from schemas.tables import Event, MailMessage, MailStatus, Suppression
from workers.bounces.imap import log_in
from workers.bounces.imap_url import parse_imap_url
from workers.broker import names
from workers.broker.connection import connect
from workers.broker.publisher import ConfirmingPublisher, job_properties
from workers.broker.topology import build_topology, declare
from workers.config.presets import load_presets
from workers.config.store import save_system_settings, save_user_settings
from workers.demo import scenario
from workers.demo.local import LOCAL_IMAP_URL, local_imap_ca, vhost_of
from workers.demo.mta import DemoMta
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import queue_depth, read_each
from workers.logging import quieted
from workers.settings import Settings, load_settings
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

FINAL = {MailStatus.SENT, MailStatus.DEAD, MailStatus.SUPPRESSED}
Say = Callable[[str], None]


@dataclass
class DemoRun:
    """What the demo did and saw, for the report."""

    env: dict[str, str]
    workdir: Path
    mta: DemoMta
    jobs: list[scenario.DemoJob] = field(default_factory=list)
    poison_id: str = ""
    refused: str = ""
    messages: dict[str, MailMessage] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    bounce_summary: str = ""
    metrics: list[str] = field(default_factory=list)  # the sender's /metrics, before it stopped

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)


def demo_environment(
    workdir: Path, mta_port: int, folder: str, rabbitmq_url: str | None = None
) -> dict[str, str]:
    """The environment of the demo's processes: the caller's, pointed at the demo's parts."""
    env = dict(os.environ)
    if rabbitmq_url:
        env["RABBITMQ_URL"] = rabbitmq_url
    env.setdefault("ERPMAIL_SECRET_KEY", "erpmail-demo-key-" + uuid.uuid4().hex)
    env.setdefault("EVENT_DOMAIN", "events.demo-trading.example")
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'erpmail-demo.db'}"
    env["ERPMAIL_RELAY_HOST"] = "127.0.0.1"
    env["ERPMAIL_RELAY_PORT"] = str(mta_port)
    env["ERPMAIL_RELAY_TLS"] = "none"
    env["ERPMAIL_RETRY_LADDER"] = "1,2"
    env["ERPMAIL_LOG_FORMAT"] = "json"
    imap_url = env.get("IMAP_URL") or LOCAL_IMAP_URL
    if not env.get("IMAP_URL"):
        env["IMAP_CA_FILE"] = str(local_imap_ca())
    parts = urlsplit(imap_url)
    env["IMAP_URL"] = urlunsplit(parts._replace(path="/" + quote(folder)))
    return env


def _imap(env: dict[str, str]) -> IMAPClient:
    return log_in(parse_imap_url(env["IMAP_URL"]), env.get("IMAP_CA_FILE") or None)


class DemoRefused(RuntimeError):
    """The demo cannot run here as it is; the message says what to change."""


def prepare(run: DemoRun, say: Say) -> None:
    settings = run.settings
    connection = connect(settings.rabbitmq_url, "erpmail-demo")
    try:
        channel = connection.channel()
        declare(channel, build_topology(settings.retry_ladder, settings.send_shards))
        others = channel.queue_declare(names.SEND_QUEUE, passive=True).method.consumer_count
    finally:
        connection.close()
    if others:
        # Another sender would take the demo's jobs and the demo would wait in vain.
        raise DemoRefused(
            f"{names.SEND_QUEUE} in RabbitMQ vhost {vhost_of(settings.rabbitmq_url)!r} already "
            f"has {others} consumer(s): another sender would take the demo's jobs; point "
            "RABBITMQ_URL at a vhost of its own (rabbitmqctl add_vhost), or stop that sender"
        )
    say("topology declared: exchanges and quorum queues")
    with quieted("alembic", logging.WARNING):  # its progress, a line a migration; ours says it
        migrate.upgrade(settings.database_url)
    say(f"database ready in {run.workdir}")
    engine = make_engine(settings.database_url)
    presets = load_presets(settings.presets_file)
    with session_scope(engine) as session:
        save_system_settings(
            session, scenario.TENANT, scenario.COMPANY_NAME, scenario.COMPANY_SLUG, None
        )
        for user_code, email, mode in scenario.USERS:
            save_user_settings(
                session,
                settings,
                scenario.TENANT,
                user_code,
                {"email": email, "sender_mode": mode},
                presets,
            )
    engine.dispose()
    say(
        f"tenant {scenario.TENANT!r} configured: "
        + ", ".join(f"{user} ({mode})" for user, _, mode in scenario.USERS)
        + f"; both send through the platform relay, here 127.0.0.1:{run.mta.port}"
    )
    folder = parse_imap_url(run.env["IMAP_URL"]).folder
    client = _imap(run.env)
    client.create_folder(folder)
    client.logout()
    say(f"event mailbox folder {folder!r} created")


def publish(run: DemoRun, say: Say) -> None:
    run.jobs = scenario.demo_jobs()
    with ConfirmingPublisher.open(run.settings.rabbitmq_url, "erpmail-demo") as publisher:
        for demo_job in run.jobs:
            raw = json.dumps(demo_job.job, ensure_ascii=False).encode()
            parse_job(raw)
            publisher.publish_job(demo_job.job_id, raw)
            say(f"published {demo_job.job_id[:8]}: {demo_job.label}")
        try:
            parse_job(json.dumps(scenario.refused_job()).encode())
        except JobRejected as rejected:
            run.refused = str(rejected)
            say(f"refused before publishing: {rejected}")
        run.poison_id = f"poison-{uuid.uuid4().hex[:8]}"
        publisher.publish(
            names.JOBS_EXCHANGE,
            names.JOB_ROUTING_KEY,
            scenario.POISON,
            job_properties(run.poison_id),
        )
        say(f"published {run.poison_id}: a broken job from a producer that skipped validation")


def _worker(run: DemoRun, *args: str, **env: str) -> subprocess.Popen[bytes]:
    log = (run.workdir / f"worker-{args[0]}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "workers.cli.main", "worker", *args],
        env={**run.env, **env},
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )


def _statuses(run: DemoRun) -> dict[str, MailMessage]:
    engine = make_engine(run.settings.database_url)
    ids = [job.job_id for job in run.jobs]
    with session_scope(engine) as session:
        rows = session.exec(select(MailMessage).where(col(MailMessage.job_id).in_(ids)))
        found = {row.job_id: row for row in rows}
    engine.dispose()
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int) -> list[str]:
    """The sender's job and event counters (its /metrics, comments and zeros left out)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError as error:
        return [f"(metrics not read: {error})"]
    wanted = ("erpmail_sender_jobs_", "erpmail_events_published_total")
    return [
        line
        for line in text.splitlines()
        if line.startswith(wanted) and "_created" not in line and not line.endswith(" 0.0")
    ]


DUPLICATE_SKIPPED = 'erpmail_sender_jobs_skipped_total{reason="duplicate"}'


def _duplicate_skipped(port: int) -> bool:
    """Whether the sender has acked the job published again as a duplicate. The queue's
    depth cannot tell: it counts only messages no worker has taken yet, and the copy is
    taken at once, then worked on a while."""
    return any(line.startswith(DUPLICATE_SKIPPED) for line in _scrape(port))


def send(run: DemoRun, say: Say, timeout: float = 90.0) -> None:
    port = _free_port()
    worker = _worker(run, "send", ERPMAIL_METRICS_PORT=str(port))
    say(f"erpmail worker send started (pid {worker.pid}, /metrics on port {port})")
    duplicate_sent = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the sender stopped (status {worker.returncode})")
            run.messages = _statuses(run)
            first = run.messages.get(run.jobs[0].job_id)
            if first is not None and first.status == MailStatus.SENT and not duplicate_sent:
                with ConfirmingPublisher.open(run.settings.rabbitmq_url, "erpmail-demo") as p:
                    raw = json.dumps(run.jobs[0].job, ensure_ascii=False).encode()
                    p.publish_job(run.jobs[0].job_id, raw)
                duplicate_sent = True
                say(f"published {run.jobs[0].job_id[:8]} again (a producer's retry)")
            done = len(run.messages) == len(run.jobs) and all(
                row.status in FINAL for row in run.messages.values()
            )
            if done and duplicate_sent and _send_queue_empty(run) and _duplicate_skipped(port):
                break
            time.sleep(0.3)
        else:
            raise RuntimeError("the jobs did not all reach a final state in time")
    finally:
        run.metrics = _scrape(port)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    say(f"erpmail worker send stopped (SIGTERM, exit status {worker.returncode})")


def _send_queue_empty(run: DemoRun) -> bool:
    return queue_depth(run.settings.rabbitmq_url, names.SEND_QUEUE) == 0


def bounce_back(run: DemoRun, say: Say) -> None:
    reports = run.mta.later_bounces()
    folder = parse_imap_url(run.env["IMAP_URL"]).folder
    client = _imap(run.env)
    for report in reports:
        client.append(folder, report)
    client.logout()
    say(f"the recipients' servers sent {len(reports)} delivery report(s) to the event mailbox")
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli.main", "worker", "bounces", "--once"],
        env={**run.env, "COLUMNS": "100"},
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    (run.workdir / "worker-bounces.log").write_bytes(result.stderr)
    run.bounce_summary = result.stdout.decode("utf-8", "replace")
    if result.returncode != 0:
        raise RuntimeError(f"erpmail worker bounces --once failed ({result.returncode})")
    say("erpmail worker bounces --once read the event mailbox")


def collect(run: DemoRun) -> None:
    run.messages = _statuses(run)
    engine = make_engine(run.settings.database_url)
    ids = [job.job_id for job in run.jobs]
    with session_scope(engine) as session:
        run.events = list(
            session.exec(select(Event).where(col(Event.job_id).in_(ids)).order_by(col(Event.id)))
        )
        run.suppressions = list(
            session.exec(select(Suppression).where(Suppression.tenant == scenario.TENANT))
        )
    engine.dispose()
    ours = {run.poison_id, *ids}
    run.dead_letters = []

    def keep_ours(letter: DeadLetter) -> None:
        if letter.job_id in ours:
            run.dead_letters.append(letter)

    read_each(run.settings.rabbitmq_url, keep_ours)


def new_run(rabbitmq_url: str | None = None) -> DemoRun:
    workdir = Path(tempfile.mkdtemp(prefix="erpmail-demo-"))
    mta = DemoMta()
    mta.start()
    folder = f"demo-{uuid.uuid4().hex[:8]}"
    env = demo_environment(workdir, mta.port, folder, rabbitmq_url)
    return DemoRun(env=env, workdir=workdir, mta=mta)


def clean_up(run: DemoRun) -> None:
    """Remove the demo's event mailbox folder (best effort: the demo's result is already
    known, and a mailbox that went away meanwhile leaves nothing to remove)."""
    folder = parse_imap_url(run.env["IMAP_URL"]).folder
    with contextlib.suppress(Exception):
        client = _imap(run.env)
        try:
            if client.folder_exists(folder):
                client.delete_folder(folder)
        finally:
            client.logout()


def message_ids_received(mta: DemoMta) -> dict[str, int]:
    """How many copies of each Message-ID the recipients' servers accepted."""
    counts: dict[str, int] = {}
    for mail in mta.received:
        for line in mail.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                key = line.split(b":", 1)[1].strip().decode()
                counts[key] = counts.get(key, 0) + 1
    return counts
