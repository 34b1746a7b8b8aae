"""Running the real `erpmail worker bounces` process against a test's mailbox and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlmodel import func, select

from schemas.tables import Event, RawBounce
from tests.bounces.conftest import ImapBox
from tests.bounces.mails import SECRET
from tests.bounces.test_pipeline import SETTINGS, fetched
from workers.bounces.pipeline import BouncePipeline
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

ERPMAIL = [sys.executable, "-m", "workers.cli.main"]


def worker_env(box: ImapBox, database_url: str, rabbitmq_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        **box.env(),
        "DATABASE_URL": database_url,
        "RABBITMQ_URL": rabbitmq_url,
        "ERPMAIL_LOG_FORMAT": "json",
        **extra,
    }
    return env


def run_once(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ERPMAIL, "worker", "bounces", "--once", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


def start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [*ERPMAIL, "worker", "bounces", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def wait_until(check: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll ``check`` until it holds; fail the test when it does not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout:.0f}s: {what}")
        time.sleep(0.05)


def table_count(database_url: str, model: type[Event] | type[RawBounce]) -> int:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        engine.dispose()


EventKey = tuple[str, str, str, str | None]


def stored_events(database_url: str) -> Counter[EventKey]:
    """Every Event as (bounce key, recipient, reason, job), counted."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.exec(
                select(Event.bounce_key, Event.recipient, Event.reason, Event.job_id)
            )
            return Counter((key, rcpt, reason, job) for key, rcpt, reason, job in rows)
    finally:
        engine.dispose()


def reference_events(raws: Iterable[bytes], tmp: Path) -> Counter[EventKey]:
    """The events an uninterrupted run writes for ``raws``, on a scratch SQLite database."""
    url = f"sqlite:///{tmp}/reference.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        pipeline = BouncePipeline(engine, SETTINGS, SECRET)
        for raw in raws:
            pipeline.record(fetched(raw))
    finally:
        engine.dispose()
    return stored_events(url)
