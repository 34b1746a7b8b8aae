"""Reliability: kill -9 in the middle of a big mailbox, and the IMAP server restarting."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlmodel import col, select

from schemas.tables import Event, RawBounce
from tests import services
from tests.bounces import mails
from tests.bounces.conftest import ImapBox, make_box
from tests.bounces.running import (
    reference_events,
    run_once,
    start,
    stored_events,
    table_count,
    wait_until,
    worker_env,
)
from tests.contracts import check_event
from tests.queues import drain
from tests.smtp_servers import free_port
from workers.broker import names
from workers.demo import local
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

EXTRA_BOUNCES = 400


def drain_message_ids(broker: BlockingChannel) -> Counter[str]:
    found: Counter[str] = Counter()
    for properties, body in drain(broker, names.EVENTS_QUEUE):
        message = check_event(properties, body)
        assert properties.message_id == f"{message['type']}:event:{message['data']['event_id']}"
        found[properties.message_id] += 1
    return found


def test_kill_9_mid_mailbox_then_restart_gives_exactly_one_set_of_events(
    imap_box: ImapBox,
    database_url: str,
    rabbitmq_url: str,
    broker: BlockingChannel,
    tmp_path: Path,
) -> None:
    migrate.upgrade(database_url)
    raws = [raw for _, raw in mails.server_mails()]
    raws += [mails.dsn(None, f"user{n}@example.ee") for n in range(EXTRA_BOUNCES)]
    raws += [mails.human_reply(), mails.binary_garbage()]
    imap_box.append(*raws)
    env = worker_env(imap_box, database_url, rabbitmq_url)

    victim = start(env, "--once", log=tmp_path / "killed.log")
    try:
        wait_until(
            lambda: table_count(database_url, RawBounce) >= 60 or victim.poll() is not None,
            "the worker has recorded part of the mailbox",
        )
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    left = imap_box.counts()["source"]
    assert 0 < left < len(raws), "the kill must land in the middle of the mailbox"

    restarted = run_once(env)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert imap_box.counts()["source"] == 0
    # IMAP MOVE is a copy then an expunge: when both workers move the same mail at the same
    # instant, Dovecot can file two copies. Nothing is lost, and the Events are written once.
    filed = imap_box.filed_mails()
    assert len(set(filed)) == len(set(raws)) <= len(filed)
    assert stored_events(database_url) == reference_events(set(filed), tmp_path)

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        unpublished = session.exec(select(Event).where(col(Event.published_at).is_(None))).all()
        publishable = session.exec(
            select(Event.id).where(col(Event.reason).not_in(("vacation", "delivered")))
        ).all()
    engine.dispose()
    assert unpublished == []
    published = drain_message_ids(broker)
    assert {int(mid.rpartition(":")[2]) for mid in published} == set(publishable)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass(frozen=True)
class PrivateDovecot:
    """A Dovecot of this test's own (state, ports), started by the same ``infra/dovecot.sh``:
    restarting the suite's shared server would reset the IMAP sessions of every other suite
    running on the machine."""

    state: Path
    imap_port: int
    imaps_port: int

    @property
    def url(self) -> str:
        return local.LOCAL_IMAP_URL.replace(":10993/", f":{self.imaps_port}/")

    @property
    def ca(self) -> Path:
        return self.state / "dovecot" / "tls" / "cert.pem"

    def start(self) -> None:
        env = {
            **os.environ,
            "ERPMAIL_STATE": str(self.state),
            "ERPMAIL_IMAP_PORT": str(self.imap_port),
            "ERPMAIL_IMAPS_PORT": str(self.imaps_port),
        }
        subprocess.run(
            ["bash", str(services.INFRA / "dovecot.sh")],
            check=True,
            timeout=60,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the Dovecot master and every process it started: the worker's session dies
        too (Dovecot's login proxies would otherwise keep open connections alive)."""
        pid_file = self.state / "dovecot" / "run" / "master.pid"
        master = int(pid_file.read_text().split()[0])
        children = children_of(master)
        os.kill(master, signal.SIGTERM)
        wait_until(lambda: not self.answers(), "Dovecot has stopped", 30)
        wait_until(lambda: not alive(master), "the Dovecot master has exited", 30)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        # A new master started beside old children (stats, anvil, login processes) would
        # share their sockets and reset connections: start it only when all of them are gone.
        wait_until(
            lambda: not any(alive(child) for child in children),
            "every Dovecot process has exited",
            30,
        )


@pytest.fixture
def private_dovecot() -> Iterator[PrivateDovecot]:
    if os.environ.get("IMAP_URL"):
        pytest.skip("a Dovecot of the test's own runs only where infra/dovecot.sh starts one")
    # Not under pytest's tmp_path: as root, Dovecot's unprivileged processes must be able to
    # enter the state folder, and pytest keeps its folders private to their owner.
    state = Path(tempfile.mkdtemp(prefix="erpmail-dovecot-"))
    state.chmod(0o755)
    server = PrivateDovecot(state, free_port(), free_port())
    try:
        server.start()
        yield server
    finally:
        if server.answers():
            server.stop()
        shutil.rmtree(state, ignore_errors=True)


def test_the_worker_reconnects_after_the_imap_server_restarts(
    private_dovecot: PrivateDovecot,
    sqlite_url: str,
    rabbitmq_url: str,
    tmp_path: Path,
) -> None:
    imap_box = make_box(private_dovecot.url, private_dovecot.ca, "t-restart")
    client = imap_box.client()
    try:
        client.create_folder(imap_box.folder)
    finally:
        client.logout()
    migrate.upgrade(sqlite_url)
    env = worker_env(imap_box, sqlite_url, rabbitmq_url, ERPMAIL_BOUNCE_POLL_SECONDS="5")
    before = [mails.dsn(None, f"before{n}@example.ee") for n in range(30)]
    after = [mails.dsn(None, f"after{n}@example.ee") for n in range(30)]
    log = tmp_path / "worker.log"
    worker = start(env, "--no-publish", log=log)
    try:
        imap_box.append(*before)
        wait_until(lambda: table_count(sqlite_url, Event) == 30, "the first mails are recorded")
        private_dovecot.stop()
        private_dovecot.start()
        imap_box.append(*after)
        wait_until(lambda: table_count(sqlite_url, Event) == 60, "the worker carried on")
        wait_until(lambda: imap_box.counts()["processed"] == 60, "every bounce is moved")
        assert worker.poll() is None, "the worker must keep running"
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(60)
    assert code == 0
    assert "waiting to reconnect" in log.read_text()
    assert imap_box.counts()["source"] == 0


def test_two_workers_on_one_mailbox_write_one_set_of_events(
    imap_box: ImapBox, database_url: str, rabbitmq_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(database_url)
    raws = [raw for _, raw in mails.server_mails()][:100]
    raws += [mails.dsn(None, f"twin{n}@example.ee") for n in range(100)]
    imap_box.append(*raws)
    env = worker_env(imap_box, database_url, rabbitmq_url)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [start(env, "--once", "--no-publish", log=log) for log in logs]
    codes = [worker.wait(240) for worker in workers]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]
    assert imap_box.counts()["source"] == 0
    # IMAP MOVE is a copy then an expunge: when both workers move the same mail at the same
    # instant, Dovecot can file two copies. Nothing is lost, and the Events are written once.
    filed = imap_box.filed_mails()
    assert len(set(filed)) == len(set(raws)) <= len(filed)
    assert stored_events(database_url) == reference_events(set(filed), tmp_path)
