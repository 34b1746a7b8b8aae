"""Sender benchmark: ``python -m bench.sender_sink`` (wired into ``make bench``).

Everything runs on loopback against Postfix's ``smtp-sink``:

- **ceiling**: Postfix's ``smtp-source`` into the same sink with as many sessions as the
  worker has pooled connections, one new connection per mail and reusing connections;
- **raw aiosmtplib**: no queue, no database — messages built beforehand, sent over reused
  connections (the reference for the sender's efficiency), and the same with erpmail's MIME
  builder in the loop and with a standard-library ``EmailMessage`` built for each mail;
- **erpmail SMTP client**: the sender's pool and pipelined transaction, messages prebuilt, no
  queue, no database;
- **naive baseline**: one connection per mail, one mail at a time, ``EmailMessage`` built
  each time;
- **erpmail**: ``erpmail worker send`` processes started, then N jobs published with
  confirms; timed from the first publish until every job is recorded ``sent`` in the
  database (SQLite by default). Peak RSS of each worker process is read from
  ``/proc/<pid>/status`` (VmHWM). A run with a quarter of the jobs shows whether memory grows
  with the number of jobs.

The machine's load average is recorded before and after, since other work may share it.
``mail.events`` is emptied before and after (the runs' events pile up there): like
``mail.send``, it must belong to the benchmark, so run it on a vhost of its own on a shared
broker.
Results: a table on screen and ``bench-results/sender.json``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import aiosmtplib
import click
import pika.exceptions
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.sink_database import TENANT, USER, prepare_database
from schemas.job import MailJobV1, parse_job
from schemas.values import TlsMode
from workers.broker import names
from workers.broker.aio import AsyncConfirmingPublisher, open_connection, set_prefetch
from workers.broker.connection import connect
from workers.broker.publisher import job_properties
from workers.broker.topology import build_topology, declare
from workers.sender.message import build_message
from workers.settings import Settings, load_settings
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import SmtpPools
from workers.smtp.transaction import Envelope, send
from workers.store.engine import make_engine

JOB_TEXT = (
    "Tere! Saadame teile arve nr {n} õunte ja pirnide eest. Maksetähtaeg on 14 päeva. "
    "Küsimuste korral vastake sellele kirjale. Здравствуйте, счёт во вложении. "
) * 18


@dataclass
class Row:
    what: str
    mails: int
    seconds: float
    processes: int | None = None
    peak_rss_mb: list[float] = field(default_factory=list)
    note: str = ""
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # by process, during the run

    @property
    def rate(self) -> float:
        return self.mails / self.seconds if self.seconds else 0.0

    def cpu_per_mail_us(self, process: str) -> float | None:
        seconds = self.cpu_seconds.get(process)
        return seconds / self.mails * 1e6 if seconds is not None and self.mails else None


def process_cpu_seconds(pid: int, main_thread: bool = False) -> float | None:
    """User + system CPU seconds that process ``pid`` (all its threads, or its main thread
    only) has used; ``None`` when it cannot be read (gone, or not on this machine's /proc)."""
    path = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runqueue_wait_seconds(pid: int) -> float | None:
    """Seconds the main thread of process ``pid`` has been ready to run but waiting for a
    CPU (Linux schedstat); ``None`` when it cannot be read. A run whose worker waited most of
    its time measures the machine's other load, not the worker."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_seconds() -> float | None:
    """CPU seconds all of this machine's cores have been busy (user, nice, system, irq,
    softirq: /proc/stat), whoever used them; ``None`` where it cannot be read. Less the
    measured groups' CPU, what other processes took during a run."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def local_broker_pid() -> int | None:
    """The RabbitMQ server's process when it runs on this machine (its CPU is then shown)."""
    found = subprocess.run(["pgrep", "-x", "beam.smp"], capture_output=True, text=True)
    pids = found.stdout.split()
    return int(pids[0]) if found.returncode == 0 and pids else None


@dataclass
class CpuMeter:
    """CPU seconds used by named groups of processes between :meth:`start` and
    :meth:`used` — where a run's time goes (the worker, RabbitMQ, the sink, this process).
    The groups in ``main_threads`` count only their processes' main threads (a worker's
    event loop, apart from its database and other threads)."""

    processes: dict[str, list[int]]
    main_threads: dict[str, list[int]] = field(default_factory=dict)
    waiting: dict[str, list[int]] = field(default_factory=dict)  # run-queue waits, main threads
    _started: dict[str, float] = field(default_factory=dict)
    _waits: dict[str, float] = field(default_factory=dict)
    _machine: float | None = None

    def watching(self, **more: list[int]) -> CpuMeter:
        return CpuMeter({**self.processes, **more}, self.main_threads, self.waiting)

    def watching_main_threads(self, **more: list[int]) -> CpuMeter:
        return CpuMeter(self.processes, {**self.main_threads, **more}, self.waiting)

    def _now(self) -> dict[str, float]:
        out: dict[str, float] = {}
        groups = [(name, pids, False) for name, pids in self.processes.items()]
        groups += [(name, pids, True) for name, pids in self.main_threads.items()]
        for name, pids, main_thread in groups:
            readings = [process_cpu_seconds(pid, main_thread) for pid in pids]
            if readings and all(r is not None for r in readings):
                out[name] = sum(r for r in readings if r is not None)
        return out

    def _waits_now(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, pids in self.waiting.items():
            readings = [runqueue_wait_seconds(pid) for pid in pids]
            if readings and all(r is not None for r in readings):
                out[name] = sum(r for r in readings if r is not None)
        return out

    def start(self) -> None:
        self._started = self._now()
        self._waits = self._waits_now()
        self._machine = machine_busy_seconds()

    def others(self) -> float | None:
        """CPU seconds the machine's cores spent on processes outside the groups (of
        ``processes``) since :meth:`start`: a "quiet" run is one where this stays small."""
        now = machine_busy_seconds()
        if now is None or self._machine is None:
            return None
        ours = sum(v for name, v in self.used().items() if name not in self.main_threads)
        return max(0.0, now - self._machine - ours)

    def used(self) -> dict[str, float]:
        now = self._now()
        return {name: now[name] - self._started[name] for name in now if name in self._started}

    def waited(self) -> dict[str, float]:
        """Seconds the ``waiting`` groups' main threads spent ready but without a CPU."""
        now = self._waits_now()
        return {name: now[name] - self._waits[name] for name in now if name in self._waits}


def job_document(n: int) -> dict[str, Any]:
    """A job of about 5 KB: a text body in Estonian and Russian, a small attachment."""
    return {
        "schema_version": 1,
        "job_id": str(uuid.uuid4()),
        "tenant": TENANT,
        "user_code": USER,
        "kind": "invoice",
        "to": [f"Klient {n} <customer{n}@example.ee>"],
        "subject": f"Arve nr {n} — õunad ja pirnid",
        "text": JOB_TEXT.format(n=n),
        "attachments": [
            {
                "filename": f"arve-{n}.txt",
                "content_type": "text/plain",
                "content_base64": base64.b64encode(b"arve " * 40).decode(),
            }
        ],
    }


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_sink(port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    command = [binary]
    if os.geteuid() == 0:
        command += ["-u", "nobody"]
    command += [f"127.0.0.1:{port}", "1024"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def smtp_source(port: int, mails: int, sessions: int, reuse: bool) -> Row:
    binary = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    command = [binary, "-s", str(sessions), "-m", str(mails), "-l", "5120"]
    if reuse:
        command.append("-d")
    command.append(f"127.0.0.1:{port}")
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=600)
    seconds = time.perf_counter() - started
    how = "reused connections" if reuse else "new connection per mail"
    return Row(f"smtp-source ×{sessions} sessions, {how}", mails, seconds, note="ceiling")


def prebuilt_messages(count: int, domain: str) -> list[tuple[str, bytes]]:
    out = []
    for n in range(count):
        job = parse_job(json.dumps(job_document(n)))
        message = build_message(
            job,
            from_header="Bench AS <bench@bench.example>",
            reply_to=None,
            message_id=f"<erpmail.{job.job_id}@{domain}>",
        )
        out.append((f"customer{n}@example.ee", message))
    return out


def stdlib_message(job: MailJobV1) -> EmailMessage:
    """The message as the standard library builds it (the naive way, and the issue's baseline
    of aiosmtplib with an ``EmailMessage`` built for each mail)."""
    message = EmailMessage()
    message["From"] = "Bench AS <bench@bench.example>"
    message["To"] = job.to[0]
    message["Subject"] = job.subject
    message["Message-ID"] = f"<erpmail.{job.job_id}@bench.example>"
    message.set_content(job.text or "")
    for attachment in job.attachments:
        message.add_attachment(
            attachment.content(), maintype="text", subtype="plain", filename=attachment.filename
        )
    return message


BUILDERS = {
    "prebuilt": "messages prebuilt",
    "erpmail": "MIME built in the loop",
    "stdlib": "EmailMessage built in the loop",
}


async def _timed(
    sender: Callable[[], Awaitable[None]], connections: int, meter: CpuMeter
) -> tuple[float, dict[str, float]]:
    """Seconds (and CPU seconds by process) for ``connections`` copies of ``sender`` to run
    to their end together."""
    meter.start()
    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(connections)))
    return time.perf_counter() - started, meter.used()


async def raw_aiosmtplib(
    port: int, messages: list[tuple[str, bytes]], connections: int, builder: str, meter: CpuMeter
) -> Row:
    """aiosmtplib alone over reused connections; ``builder`` says how each message is made:
    ``prebuilt`` (before the clock starts), ``erpmail`` (the sender's MIME writer) or
    ``stdlib`` (an ``EmailMessage`` per mail)."""
    jobs = (
        [parse_job(json.dumps(job_document(n))) for n in range(len(messages))]
        if builder != "prebuilt"
        else []
    )

    indexes = iter(range(len(messages)))  # shared by the senders

    async def sender() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await smtp.connect()
        for index in indexes:
            recipient, message = messages[index]
            if builder == "erpmail":
                job = jobs[index]
                message = build_message(
                    job,
                    from_header="Bench AS <bench@bench.example>",
                    reply_to=None,
                    message_id=f"<erpmail.{job.job_id}@bench.example>",
                )
            elif builder == "stdlib":
                message = stdlib_message(jobs[index]).as_bytes()
            await smtp.sendmail("bench@bench.example", [recipient], message)
        await smtp.quit()

    seconds, cpu = await _timed(sender, connections, meter)
    what = f"raw aiosmtplib ×{connections} connections, {BUILDERS[builder]}"
    return Row(what, len(messages), seconds, 1, cpu_seconds=cpu)


async def erpmail_client(
    port: int, messages: list[tuple[str, bytes]], connections: int, meter: CpuMeter
) -> Row:
    """The sender's own SMTP path (pool, pipelined transaction) alone: no queue, no
    database, messages built beforehand — what the worker's SMTP side could do."""
    pools = SmtpPools(size=connections)
    pool = pools.get(SmtpEndpoint("127.0.0.1", port, TlsMode.NONE))
    indexes = iter(range(len(messages)))  # shared by the senders

    async def sender() -> None:
        for index in indexes:
            recipient, message = messages[index]
            await send(pool, Envelope("bench@bench.example", (recipient,), message, crlf=True))

    seconds, cpu = await _timed(sender, connections, meter)
    await pools.close()
    what = f"erpmail SMTP client ×{connections} connections (pipelined), messages prebuilt"
    return Row(what, len(messages), seconds, 1, note="no queue, no database", cpu_seconds=cpu)


async def naive(port: int, mails: int) -> Row:
    started = time.perf_counter()
    for n in range(mails):
        message = stdlib_message(parse_job(json.dumps(job_document(n))))
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False)
    seconds = time.perf_counter() - started
    return Row("naive: a connection per mail, one at a time", mails, seconds, 1, note="baseline")


def count_sent(engine: Any) -> int:
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT count(*) FROM mail_messages WHERE status = 'sent'")
        ).scalar_one()
        return int(value)


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def publish_all(url: str, documents: list[dict[str, Any]]) -> float:
    connection = await open_connection(url, "erpmail-bench-publisher")
    publisher = await AsyncConfirmingPublisher.open(connection)
    started = time.perf_counter()
    window = 500
    for start in range(0, len(documents), window):
        await asyncio.gather(
            *(
                publisher.publish(
                    names.JOBS_EXCHANGE,
                    names.JOB_ROUTING_KEY,
                    json.dumps(document, ensure_ascii=False).encode(),
                    job_properties(document["job_id"]),
                )
                for document in documents[start : start + window]
            )
        )
    seconds = time.perf_counter() - started
    await connection.close()
    return seconds


def purge_events(url: str) -> int:
    """Empty ``mail.events`` (the workers' mail.sent events pile up there); the count."""
    connection = connect(url, "erpmail-bench-events")
    try:
        return int(connection.channel().queue_purge(names.EVENTS_QUEUE).method.message_count)
    finally:
        connection.close()


def consume_only(url: str, jobs: int, prefetch: int) -> None:
    """The worker's broker work and nothing else, for ``jobs`` jobs: consume, publish a
    small mail.sent event with confirm, ack (run in a process of its own). Prints the CPU
    seconds it used from its first delivery to its last ack."""

    async def run() -> None:
        connection = await open_connection(url, "erpmail-bench-broker-only")
        channel = await connection.channel()
        await set_prefetch(channel, prefetch)
        publisher = await AsyncConfirmingPublisher.open(connection)
        done = asyncio.Event()
        count = 0
        tasks: set[asyncio.Task[None]] = set()
        cpu_at_start: list[float] = []

        async def handle(tag: int, job_id: str) -> None:
            nonlocal count
            body = json.dumps({"event": names.EVENT_SENT, "job_id": job_id}).encode()
            await publisher.publish(
                names.EVENTS_EXCHANGE, names.EVENT_SENT, body, job_properties(job_id)
            )
            channel.basic_ack(tag)
            count += 1
            if count >= jobs:
                done.set()

        def on_message(_ch: Any, method: Any, properties: Any, _body: bytes) -> None:
            if not cpu_at_start:
                cpu_at_start.append(time.process_time())
            task = asyncio.ensure_future(handle(method.delivery_tag, properties.message_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        channel.basic_consume(names.SEND_QUEUE, on_message)
        await done.wait()
        print(time.process_time() - cpu_at_start[0], flush=True)
        await connection.close()

    asyncio.run(run())


def broker_only(
    settings: Settings, jobs: int, prefetch: int, console: Console, meter: CpuMeter
) -> Row:
    """RabbitMQ's share: the jobs published with confirms as in a worker run, taken by a
    process that only publishes an event and acks — the most any worker count could do
    with this broker on this machine."""
    consumer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bench.sender_sink import consume_only; "
            f"consume_only({settings.rabbitmq_url!r}, {jobs}, {prefetch})",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_consumers(settings.rabbitmq_url, 1, "the broker-only consumer")
        documents = [job_document(n) for n in range(jobs)]
        with console.status(f"broker only: {jobs} jobs"):
            meter.start()
            started = time.perf_counter()
            publish_seconds = asyncio.run(publish_all(settings.rabbitmq_url, documents))
            output, _ = consumer.communicate(timeout=600)
            seconds = time.perf_counter() - started
            cpu = {"consumer": float(output.split()[-1]), **meter.used()}
    finally:
        if consumer.poll() is None:
            consumer.kill()
    return Row(
        "broker only: publish → consume → event → ack",
        jobs,
        seconds,
        1,
        note=f"no parsing, database or SMTP; publishing {publish_seconds:.1f} s",
        cpu_seconds=cpu,
    )


def prepare_broker(settings: Settings, console: Console) -> None:
    """Declare the topology; refuse a ``mail.send`` that is not the benchmark's alone; empty
    ``mail.events``."""
    connection = connect(settings.rabbitmq_url, "erpmail-bench-topology")
    declare(connection.channel(), build_topology(settings.retry_ladder, settings.send_shards))
    connection.close()
    queues = [names.SEND_QUEUE, *map(names.shard_queue, range(settings.send_shards))]
    for queue in queues:
        waiting, consumers = queue_state(settings.rabbitmq_url, queue)
        if waiting or consumers:
            raise click.ClickException(
                f"{queue} holds {waiting} messages and has {consumers} consumers: "
                "run the benchmark on a vhost of its own (RABBITMQ_URL)"
            )
    stale = purge_events(settings.rabbitmq_url)
    if stale:
        console.print(f"purged {stale} messages left in {names.EVENTS_QUEUE}")


def wait_for_consumers(url: str, count: int, who: str) -> None:
    """Return once ``mail.send`` has ``count`` consumers (60 s at most)."""
    deadline = time.monotonic() + 60
    while consumers_now(url) < count:
        if time.monotonic() > deadline:
            raise click.ClickException(f"{who} did not start consuming within 60 s")
        time.sleep(0.2)


def consumers_now(url: str) -> int:
    """``mail.send``'s consumers; 0 while it is not declared yet (starting workers declare
    it after a :func:`wipe_topology`)."""
    try:
        return queue_state(url)[1]
    except pika.exceptions.ChannelClosedByBroker as error:
        if error.reply_code == NOT_FOUND:
            return 0
        raise


def queue_state(url: str, queue: str = names.SEND_QUEUE) -> tuple[int, int]:
    connection = connect(url, "erpmail-bench-check")
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return int(declared.method.message_count), int(declared.method.consumer_count)
    finally:
        connection.close()


@dataclass(frozen=True)
class Checkout:
    """The code a worker run starts: ``path`` is a git worktree of ``revision`` (``None``:
    this checkout). Its workers use this interpreter and its libraries with the worktree
    first on ``PYTHONPATH``, so two revisions differ in erpmail's code alone."""

    revision: str
    path: Path | None = None

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        if self.path is None:
            return dict(env)
        paths = [str(self.path), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        return {**env, "PYTHONPATH": os.pathsep.join(paths)}


NOT_FOUND = 404  # AMQP reply code
REPOSITORY = Path(__file__).resolve().parent.parent


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPOSITORY), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@contextmanager
def checked_out(revisions: list[str], workdir: Path) -> Iterator[list[Checkout]]:
    """This checkout, then a detached git worktree in ``workdir`` for each of ``revisions``
    (removed at the end)."""
    here = Checkout(f"{git('rev-parse', '--short', 'HEAD')} (this checkout)")
    out = [here]
    try:
        for index, revision in enumerate(revisions):
            path = workdir / f"tree-{index}"
            git("worktree", "add", "--detach", "--quiet", str(path), revision)
            out.append(Checkout(f"{git('rev-parse', '--short', revision)} ({revision})", path))
        yield out
    finally:
        for checkout in out:
            if checkout.path is not None:
                git("worktree", "remove", "--force", str(checkout.path))


def wipe_topology(settings: Settings) -> None:
    """Delete the benchmark vhost's queues and exchanges (deleting a missing one is not an
    error), so that the next run's workers declare their own release's topology: an earlier
    release's arguments differ, and RabbitMQ refuses a declaration that disagrees."""
    topology = build_topology(settings.retry_ladder, settings.send_shards)
    connection = connect(settings.rabbitmq_url, "erpmail-bench-wipe")
    try:
        channel = connection.channel()
        for queue in topology.queues:
            channel.queue_delete(queue.name)
        for exchange in topology.exchanges:
            channel.exchange_delete(exchange.name)
    finally:
        connection.close()


def compare_revisions(
    settings: Settings,
    port: int,
    jobs: int,
    rounds: int,
    checkouts: list[Checkout],
    options: dict[str, int],
    workdir: Path,
    console: Console,
    meter: CpuMeter,
) -> dict[str, list[Row]]:
    """One-process worker runs of each checkout, ``rounds`` times, the order rotated each
    round so that no revision always runs first; each run on a topology of its own."""
    runs: dict[str, list[Row]] = {checkout.revision: [] for checkout in checkouts}
    for round_ in range(rounds):
        shift = round_ % len(checkouts)
        for checkout in checkouts[shift:] + checkouts[:shift]:
            wipe_topology(settings)
            row = worker_run(
                settings, port, jobs, 1, options, workdir, console, meter, checkout=checkout
            )
            runs[checkout.revision].append(row)
            console.print(
                f"round {round_ + 1}: {checkout.revision}: {row.rate:,.0f} mails/s, worker "
                f"{row.cpu_per_mail_us('worker') or 0:,.0f} µs/mail "
                f"(loop thread {row.cpu_per_mail_us('worker loop') or 0:,.0f})"
            )
    wipe_topology(settings)
    return runs


def comparison_table(runs: dict[str, list[Row]]) -> Table:
    """Each revision's runs and medians; the difference against the first (this checkout)."""
    out = Table(title="worker CPU per mail by revision (one process; medians)")
    for column in ("revision", "mails/s", "worker µs/mail", "loop thread µs", "other µs", "Δ"):
        out.add_column(column, justify="left" if column == "revision" else "right")
    reference: float | None = None
    for revision, rows in runs.items():
        worker = [row.cpu_per_mail_us("worker") or 0.0 for row in rows]
        loop = [row.cpu_per_mail_us("worker loop") or 0.0 for row in rows]
        other = [w - thread for w, thread in zip(worker, loop, strict=True)]
        middle = statistics.median(worker)
        reference = middle if reference is None else reference
        out.add_row(
            revision,
            " / ".join(f"{row.rate:,.0f}" for row in rows),
            f"{middle:,.0f} ({' / '.join(f'{w:,.0f}' for w in worker)})",
            f"{statistics.median(loop):,.0f}",
            f"{statistics.median(other):,.0f}",
            f"{middle - reference:+,.0f}",
        )
    return out


def worker_run(
    settings: Settings,
    port: int,
    jobs: int,
    processes: int,
    options: dict[str, int],
    workdir: Path,
    console: Console,
    meter: CpuMeter,
    database_url: str | None = None,
    checkout: Checkout | None = None,
) -> Row:
    """``processes`` workers send ``jobs`` jobs; the workers run this checkout's code, or
    ``checkout``'s on a SQLite file of its own (its schema may differ)."""
    if checkout is None:
        url = database_url or f"sqlite:///{workdir / f'bench-{processes}p-{jobs}.db'}"
        prepare_database(url)
    else:  # a new file each run, prepared by the checkout's own migrations and tables
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:12]}.db'}"
        script = Path(__file__).with_name("sink_database.py")
        subprocess.run([sys.executable, str(script), url], env=checkout.env(os.environ), check=True)
    env = {
        **os.environ,
        "RABBITMQ_URL": settings.rabbitmq_url,
        "DATABASE_URL": url,
        "ERPMAIL_SECRET_KEY": settings.secret_key or "bench-secret-key",
        "EVENT_DOMAIN": "bench.example",
        "ERPMAIL_RELAY_HOST": "127.0.0.1",
        "ERPMAIL_RELAY_PORT": str(port),
        "ERPMAIL_RELAY_TLS": "none",
        "ERPMAIL_LOG_FORMAT": "json",
        "ERPMAIL_LOG_LEVEL": "warning",
        "ERPMAIL_SENDER_PREFETCH": str(options["prefetch"]),
        "ERPMAIL_SENDER_CONCURRENCY": str(options["concurrency"]),
        "ERPMAIL_SMTP_POOL_SIZE": str(options["pool_size"]),
    }
    log = (workdir / f"worker-{processes}p-{jobs}.log").open("ab")
    workers = start_workers(env, processes, log, checkout)
    engine = make_engine(url)
    try:
        wait_for_consumers(settings.rabbitmq_url, processes, "the workers")
        documents = [job_document(n) for n in range(jobs)]
        pids = [worker.pid for worker in workers]
        meter = meter.watching(worker=pids).watching_main_threads(**{"worker loop": pids})
        meter.start()
        started = time.perf_counter()
        publish_seconds = asyncio.run(publish_all(settings.rabbitmq_url, documents))
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{processes} worker(s), {jobs} jobs", total=jobs)
            done = 0
            while done < jobs:
                time.sleep(0.2)
                done = count_sent(engine)
                progress.update(task, completed=done)
                if time.perf_counter() - started > 600:
                    raise click.ClickException(f"only {done} of {jobs} sent after 600 s")
        seconds = time.perf_counter() - started
        cpu = meter.used()
        rss = [round(peak_rss_mb(worker.pid), 1) for worker in workers]
    finally:
        stop_workers(workers)
        engine.dispose()
        log.close()
    return Row(
        f"erpmail worker send ×{processes} ({make_url(url).get_backend_name()})",
        jobs,
        seconds,
        processes,
        rss,
        note=f"publish → sink → database; publishing {publish_seconds:.1f} s",
        cpu_seconds=cpu,
    )


def start_workers(
    env: dict[str, str],
    count: int,
    log: IO[bytes],
    checkout: Checkout | None = None,
    metrics_ports: list[int] | None = None,
) -> list[subprocess.Popen[bytes]]:
    """``count`` ``erpmail worker send`` processes named bench-0, bench-1, … (of
    ``checkout``'s code when given; the n-th serving /metrics on ``metrics_ports[n]``)."""
    if checkout is not None:
        env = checkout.env(env)
    return [
        subprocess.Popen(
            [sys.executable, "-c", "from workers.cli.main import main; main()", "worker", "send"],
            env={
                **env,
                "ERPMAIL_WORKER_NAME": f"bench-{n}",
                **({"ERPMAIL_METRICS_PORT": str(metrics_ports[n])} if metrics_ports else {}),
            },
            cwd=checkout.path if checkout is not None else None,
            stdout=log,
            stderr=log,
        )
        for n in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each worker, then wait for all (a minute each at most, then SIGKILL)."""
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()


@dataclass(frozen=True)
class Target:
    what: str
    measured: str
    met: bool | None  # None: not measured in this run


def targets(rows: list[Row], raw_rate: float, jobs: int) -> list[Target]:
    """The sender issue's speed and memory targets, judged on this run's rows: the best
    worker count at ``jobs`` jobs at least 1,000 mails/s; one process at least 70% of raw
    aiosmtplib (messages prebuilt); one process's peak RSS at ``jobs`` jobs within 20% of its
    peak at a quarter of them."""
    runs = [r for r in rows if r.peak_rss_mb]  # the worker runs
    full = [r for r in runs if r.mails == jobs]
    out: list[Target] = []
    if full:
        best = max(full, key=lambda r: r.rate)
        out.append(
            Target(
                f"end to end, {jobs:,} jobs, best worker count: at least 1,000 mails/s",
                f"{best.rate:,.0f} mails/s with {best.processes} process(es)",
                best.rate >= 1000,
            )
        )
    one = next((r for r in full if r.processes == 1), None)
    if one is not None and raw_rate:
        measured = f"{one.rate:,.0f} of {raw_rate:,.0f} mails/s = {one.rate / raw_rate:.0%}"
        used = one.cpu_per_mail_us("worker")
        if used is not None:  # one process runs on one core: its CPU per mail bounds its rate
            budget = 1e6 / (0.7 * raw_rate)
            measured += f"; needs at most {budget:,.0f} µs of CPU a mail, used {used:,.0f}"
        out.append(
            Target(
                "one worker process: at least 70% of raw aiosmtplib (prebuilt)",
                measured,
                one.rate >= 0.7 * raw_rate,
            )
        )
    small = next((r for r in runs if r.processes == 1 and r.mails < jobs), None)
    if one is not None and small is not None:
        big_rss, small_rss = max(one.peak_rss_mb), max(small.peak_rss_mb)
        out.append(
            Target(
                "worker memory flat in the number of jobs (within 20%)",
                f"{big_rss:.0f} MB at {one.mails:,} jobs, {small_rss:.0f} MB at {small.mails:,}",
                big_rss <= 1.2 * small_rss,
            )
        )
    return out


def targets_table(verdicts: list[Target]) -> Table:
    out = Table(title="targets")
    for column in ("target", "measured", "met"):
        out.add_column(column)
    for verdict in verdicts:
        met = "n/a" if verdict.met is None else "yes" if verdict.met else "NO"
        out.add_row(verdict.what, verdict.measured, met)
    return out


CPU_COLUMNS = ("bench", "consumer", "worker", "rabbitmq", "smtp-sink")


def cpu_table(rows: list[Row]) -> Table:
    """CPU microseconds per mail by process for the runs that measured it: "bench" is this
    process (the SMTP client of the in-process runs, the publisher of the worker runs)."""
    out = Table(title="where the CPU goes (µs per mail)")
    out.add_column("run")
    for column in (*CPU_COLUMNS, "all"):
        out.add_column(column, justify="right")
    for row in rows:
        if not row.cpu_seconds:
            continue
        cells = [row.cpu_per_mail_us(name) for name in CPU_COLUMNS]
        total = sum(cell for cell in cells if cell is not None)
        out.add_row(
            f"{row.what} ({row.mails:,})",
            *("-" if cell is None else f"{cell:,.0f}" for cell in cells),
            f"{total:,.0f}",
        )
    return out


def table(rows: list[Row], raw_rate: float, ceiling: float) -> Table:
    out = Table(title="sender benchmark (loopback, smtp-sink)")
    columns = ("run", "mails", "seconds", "mails/s", "vs raw", "vs ceiling", "peak RSS MB", "note")
    for column in columns:
        out.add_column(column, justify="left" if column in ("run", "note") else "right")
    for row in rows:
        out.add_row(
            row.what,
            str(row.mails),
            f"{row.seconds:.2f}",
            f"{row.rate:,.0f}",
            f"{row.rate / raw_rate:.0%}" if raw_rate else "-",
            f"{row.rate / ceiling:.0%}" if ceiling else "-",
            ", ".join(str(v) for v in row.peak_rss_mb) or "-",
            row.note,
        )
    return out


@click.command()
@click.option("--jobs", default=10_000, show_default=True, help="Jobs per worker run.")
@click.option("--processes", default="1,2,3", show_default=True, help="Worker counts to try.")
@click.option("--sessions", default=20, show_default=True, help="smtp-source sessions.")
@click.option("--connections", default=20, show_default=True, help="raw aiosmtplib connections.")
@click.option("--naive-mails", default=1000, show_default=True)
@click.option("--prefetch", default=400, show_default=True)
@click.option("--concurrency", default=200, show_default=True)
@click.option("--pool-size", default=20, show_default=True)
@click.option(
    "--database-url",
    help="Run the workers on this database (e.g. PostgreSQL) instead of a new SQLite file "
    "per run; the benchmark's own rows there are replaced.",
)
@click.option(
    "--ab",
    "revisions",
    multiple=True,
    help="Only compare: one-process worker runs of this checkout and of REV (a git revision; "
    "repeatable), alternating, on SQLite, with this interpreter's libraries.",
)
@click.option("--rounds", default=3, show_default=True, help="Runs of each revision (--ab).")
@click.option("--output", help="JSON file [default: bench-results/sender.json, sender-ab.json]")
def main(
    jobs: int,
    processes: str,
    sessions: int,
    connections: int,
    naive_mails: int,
    prefetch: int,
    concurrency: int,
    pool_size: int,
    database_url: str | None,
    revisions: tuple[str, ...],
    rounds: int,
    output: str | None,
) -> None:
    """Measure the sender end to end against smtp-sink, with the ceilings beside it (or,
    with --ab, compare revisions' workers)."""
    console = Console(width=max(Console().width, 150))
    settings = load_settings()
    prepare_broker(settings, console)
    options = {"prefetch": prefetch, "concurrency": concurrency, "pool_size": pool_size}
    if revisions:
        compare(settings, list(revisions), jobs, rounds, options, console, output)
        return
    load_before = os.getloadavg()
    rows: list[Row] = []
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="erpmail-bench-") as tmp, smtp_sink(port) as sink:
        workdir = Path(tmp)
        watched = {"bench": [os.getpid()], "smtp-sink": [sink.pid]}
        broker = local_broker_pid()
        if broker is not None:
            watched["rabbitmq"] = [broker]
        meter = CpuMeter(watched)
        console.print(f"smtp-sink on 127.0.0.1:{port}; load average {load_before}")
        rows.append(smtp_source(port, jobs, sessions, reuse=False))
        ceiling = smtp_source(port, jobs, sessions, reuse=True)
        rows.append(ceiling)
        messages = prebuilt_messages(jobs, "bench.example")
        raw = asyncio.run(raw_aiosmtplib(port, messages, connections, "prebuilt", meter))
        rows.append(raw)
        rows.append(asyncio.run(raw_aiosmtplib(port, messages, connections, "erpmail", meter)))
        client = asyncio.run(erpmail_client(port, messages, connections, meter))
        rows.append(client)
        raw_stdlib = asyncio.run(raw_aiosmtplib(port, messages, connections, "stdlib", meter))
        rows.append(raw_stdlib)
        del messages
        rows.append(asyncio.run(naive(port, naive_mails)))
        rows.append(broker_only(settings, jobs, prefetch, console, meter))
        for count in (int(p) for p in processes.split(",") if p.strip()):
            rows.append(
                worker_run(
                    settings, port, jobs, count, options, workdir, console, meter, database_url
                )
            )
        quarter = max(jobs // 4, 1)
        rows.append(
            worker_run(settings, port, quarter, 1, options, workdir, console, meter, database_url)
        )
        rows[-1].note += "; memory: ¼ of the jobs"
    load_after = os.getloadavg()
    console.print(f"purged the run's {purge_events(settings.rabbitmq_url)} events")
    console.print(table(rows, raw.rate, ceiling.rate))
    console.print(cpu_table(rows))
    verdicts = targets(rows, raw.rate, jobs)
    console.print(targets_table(verdicts))
    result = {
        **conditions(jobs, load_before, load_after, options, console),
        "raw_aiosmtplib_rate": raw.rate,
        "ceiling_rate": ceiling.rate,
        "best_end_to_end_rate": max(r.rate for r in rows if r.processes and r.peak_rss_mb),
        "one_process_vs_raw": next(
            (r.rate / raw.rate for r in rows if r.processes == 1 and r.peak_rss_mb), None
        ),
        "erpmail_smtp_client_rate": client.rate,
        "raw_aiosmtplib_stdlib_message_rate": raw_stdlib.rate,
        "one_process_vs_raw_stdlib_message": next(
            (r.rate / raw_stdlib.rate for r in rows if r.processes == 1 and r.peak_rss_mb), None
        ),
        "targets": [asdict(verdict) for verdict in verdicts],
        "rows": [
            {
                **asdict(row),
                "rate": row.rate,
                "cpu_us_per_mail": {name: row.cpu_per_mail_us(name) for name in row.cpu_seconds},
            }
            for row in rows
        ],
    }
    write_json(result, output or "bench-results/sender.json", console)


def conditions(
    jobs: int,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    options: dict[str, int],
    console: Console,
) -> dict[str, Any]:
    """A run's conditions, printed under its tables and kept in its JSON."""
    console.print(
        f"load average before {load_before}, after {load_after}; {os.cpu_count()} CPUs; "
        f"{jobs:,} jobs a worker run; worker options {options}"
    )
    return {
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "worker_options": options,
    }


def write_json(result: dict[str, Any], output: str, console: Console) -> None:
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"written {path}")


def compare(
    settings: Settings,
    revisions: list[str],
    jobs: int,
    rounds: int,
    options: dict[str, int],
    console: Console,
    output: str | None,
) -> None:
    """``--ab``: the revisions' one-process worker runs against smtp-sink, alternating."""
    load_before = os.getloadavg()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="erpmail-bench-") as tmp, smtp_sink(port) as sink:
        workdir = Path(tmp)
        meter = CpuMeter({"smtp-sink": [sink.pid]})
        console.print(f"smtp-sink on 127.0.0.1:{port}; load average {load_before}")
        with checked_out(revisions, workdir) as checkouts:
            runs = compare_revisions(
                settings, port, jobs, rounds, checkouts, options, workdir, console, meter
            )
    load_after = os.getloadavg()
    console.print(comparison_table(runs))
    result = {
        **conditions(jobs, load_before, load_after, options, console),
        "revisions": {
            revision: [
                {
                    "rate": row.rate,
                    "cpu_us_per_mail": {n: row.cpu_per_mail_us(n) for n in row.cpu_seconds},
                }
                for row in rows
            ]
            for revision, rows in runs.items()
        },
    }
    write_json(result, output or "bench-results/sender-ab.json", console)


if __name__ == "__main__":
    main()
