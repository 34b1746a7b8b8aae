"""The sender in its real shape: ``python -m bench.sender`` (``make bench-sender``).

Many users, each with their own server: a stand-in process (:mod:`bench.standin`) hosts N
aiosmtpd servers on 127.66.x.y:465, implicit TLS with ECDSA certificates (one per server)
from a CA made for the run, AUTH, PIPELINING offered or not, every reply delayed by D ms. The users'
cards are written with :func:`workers.config.store.save_user_settings`, the function
``erpmail config set`` calls; ``erpmail worker send`` processes trust the CA through
``SSL_CERT_FILE`` (their "system store").

Rows:

- **connection CPU**: this process opens and closes connections (TLS + AUTH, the sender's
  pool, as a worker opens them) to the stand-in's servers and divides its CPU time (user +
  system, ``time.process_time``) by their number: a first connection to each server (a full
  handshake, the TLS context shared), held open while the others open; then, all closed, a
  second to each (a full handshake again: a server's session is taken only once it gets
  connections again, here as this one closes); a third (resuming that session); and, as
  before the contexts were shared, a full handshake with a context made for the connection.
  The first is what the target judges: every configuration's first connection costs that;
- **burst**: J jobs spread over N users published at once; the rate is J over the time
  from the first publish to the last receipt at the stand-in; handshakes are the stand-in's
  connections; for one and two worker processes (with two, each one's mails, handshakes and
  CPU per mail, from its /metrics), and at N=50 with prefetch 1000 / concurrency 500
  beside the defaults;
- **steady**: jobs published at a fixed rate; publish → receipt p50 / p99.

The stand-in offers PIPELINING and, on the rows that say so, CHUNKING (RFC 3030 BDAT, as
Gmail and Office 365 do): a mail to one recipient then takes one round trip instead of two.

The machine's load average is printed before and after: on a shared machine the figures move
with it. Column "no CPU" says by how much: the share of the run that each worker's event
loop, and the stand-in, were ready to run but had no CPU (Linux schedstat). Where it is high
the rate is the machine's other load, not the sender's: a second worker then only adds a
process waiting for the same cores. Column "CPU busy" gives the share of the cores the run's
own processes used and the share other processes took meanwhile (a quiet run keeps the
second near 0); "worker loop ran" the share of a core each worker's event loop ran (beside
its wait for a core, near 100% the loop is the limit), then the connections whose TLS
session was resumed and the mails grouped (RFC 2920 3.1), from the workers' /metrics.
``--quick`` runs a subset with fewer jobs (a few minutes). Results: tables on screen and
``bench-results/sender-real.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import click
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from bench.postfix_relay import feed, postfix_relay, unavailable
from bench.sender_sink import (
    CpuMeter,
    Target,
    free_port,
    job_document,
    local_broker_pid,
    prepare_broker,
    process_cpu_seconds,
    purge_events,
    queue_state,
    start_workers,
    stop_workers,
    targets_table,
    wait_for_consumers,
)
from bench.standin import PORT, login_of, password_of, server_address
from schemas.job import parse_job
from schemas.values import TlsMode
from tests.certificates import Authority, issue, make_authority
from workers import event_loop
from workers.broker import names
from workers.broker.aio import AsyncConfirmingPublisher, open_connection
from workers.broker.publisher import job_properties
from workers.broker.routing import job_routing_key
from workers.config.presets import load_presets
from workers.config.store import save_user_settings
from workers.correlation import message_id_for
from workers.event_loop import UVLOOP
from workers.sender.message import build_message
from workers.sender.shards import BALANCE_SECONDS
from workers.settings import Settings, load_settings
from workers.smtp import options as smtp_options
from workers.smtp.endpoint import SmtpEndpoint
from workers.store import migrate
from workers.store.engine import make_engine
from workers.terminal import plain

TENANT = "bench"
STANDIN_STARTS = 4  # tries to start a stand-in whose addresses the last one still held
POSTFIX_CONCURRENCY = 20  # connections per destination, as the issue's comparison had
POSTFIX_ROW = (500, 20, True, False)  # N, D, PIPELINING, CHUNKING: the judged row
SECRET_KEY = "bench-secret-key"


def user_code(index: int) -> str:
    return f"U{index}"


@dataclass(frozen=True)
class WorkerProcess:
    process: subprocess.Popen[bytes]
    metrics_port: int


@dataclass
class WorkerShare:
    """One worker process's part of a run: the mails it sent, the connections it opened
    (from its /metrics) and its CPU seconds (all threads). With several workers the mails
    show how the routing spread the configurations, the handshakes whether a
    configuration's mails met connections in both, the CPU what each mail cost there."""

    mails: int = 0
    handshakes: int = 0
    cpu_s: float = 0.0
    grouped: int = 0  # mails whose commands went out with the mail before's message end
    resumed: int = 0  # connections whose TLS session was resumed (the others: full handshakes)


@dataclass
class Run:
    what: str
    servers: int
    delay_ms: int
    pipelining: bool
    workers: int
    jobs: int
    chunking: bool = False
    round: int = 0  # which of the --repeat rounds, the variants of a stand-in interleaved
    seconds: float = 0.0
    handshakes: int = 0
    received: int = 0
    duplicates: int = 0
    p50: float | None = None
    p99: float | None = None
    worker_cpu_s: float = 0.0
    per_worker: list[WorkerShare] = field(default_factory=list)
    options: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # by process group, over the run
    # seconds the group's main threads were ready to run but had no CPU (the machine's load)
    wait_s: dict[str, float] = field(default_factory=dict)
    loop_s: float = 0.0  # CPU seconds of the workers' main threads (their event loops)
    others_s: float | None = None  # CPU seconds of processes outside the run's groups

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


class StandIn:
    """The stand-in process and its journal (receipts and connections)."""

    def __init__(self, process: subprocess.Popen[str], journal: Path) -> None:
        self.process = process
        self.journal = journal
        self._offset = 0
        self.receipts: dict[str, list[float]] = {}
        self.connections = 0

    def read(self) -> None:
        with self.journal.open() as lines:
            lines.seek(self._offset)
            chunk = lines.read()
        complete = chunk.rfind("\n") + 1
        self._offset += len(chunk[:complete].encode())
        for line in chunk[:complete].splitlines():
            kind, *rest = line.split()
            if kind == "C":
                self.connections += 1
            elif kind == "R":
                self.receipts.setdefault(rest[1], []).append(float(rest[0]))


@contextmanager
def stand_in(
    servers: int,
    delay_ms: int,
    pipelining: bool,
    certs: Path,
    workdir: Path,
    chunking: bool = False,
) -> Iterator[StandIn]:
    journal = workdir / f"standin-{servers}-{delay_ms}-{pipelining}-{chunking}.log"
    journal.write_text("")
    command = [
        sys.executable,
        "-m",
        "bench.standin",
        f"--servers={servers}",
        f"--delay-ms={delay_ms}",
        "--pipelining" if pipelining else "--no-pipelining",
        "--chunking" if chunking else "--no-chunking",
        f"--certs={certs}",
        f"--out={journal}",
    ]
    for attempt in range(STANDIN_STARTS):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        if process.stdout.readline().strip() == "ready":
            break
        process.wait(timeout=30)
        if attempt + 1 == STANDIN_STARTS:
            raise click.ClickException("the stand-in did not start (see its error above)")
        # the last one's addresses may not be free yet (a run's connections closing)
        time.sleep(5)
    try:
        yield StandIn(process, journal)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def server_certificates(authority: Authority, servers: int, directory: Path) -> Path:
    """A certificate for each server naming its address alone, as a real server's does (one
    certificate naming all 500 addresses made every handshake and the client's certificate
    decoding heavier than anywhere real)."""
    directory.mkdir()
    for index in range(servers):
        address = server_address(index)
        certificate = issue(authority, [address])
        certificate.cert_file.rename(directory / f"{address}.crt")
        certificate.key_file.rename(directory / f"{address}.key")
    return directory


def write_cards(url: str, settings: Settings, servers: int) -> None:
    """Each user's own server, stored the way ``erpmail config set`` stores it."""
    migrate.upgrade(url)
    engine = make_engine(url)
    presets = load_presets(None)
    with Session(engine) as session:
        for index in range(servers):
            login = login_of(index)
            changes = {
                "email": login,
                "host": server_address(index),
                "port": PORT,
                "tls": str(TlsMode.SSL),
                "username": login,
                "password": password_of(login),
            }
            save_user_settings(session, settings, TENANT, user_code(index), changes, presets)
        session.commit()
    engine.dispose()


def system_store_with(ca_file: Path, bundle: Path) -> Path:
    """The system's CA bundle plus the run's CA: what the workers trust, as large as the real
    store (loading it is what a context made per connection cost)."""
    system = ssl.get_default_verify_paths().openssl_cafile
    try:
        text = Path(system).read_text()
    except OSError:
        text = ""  # no system bundle: the run's CA alone
    bundle.write_text(text + "\n" + ca_file.read_text())
    return bundle


def connection_cpu(servers: int, rounds: int, loop: str = UVLOOP) -> dict[str, float]:
    """CPU milliseconds of this process per TLS + AUTH connection the pool opens and closes
    (QUIT included), on the event loop ``loop`` (a worker's, ``ERPMAIL_EVENT_LOOP``): ``full``
    (a first connection to each of ``servers``, all held open while the others open),
    ``again`` (all closed, a second to each: a full handshake, the server's session taken
    as it closes), ``resumed`` (a third to each), ``context per connection`` (a full
    handshake with a context made for it), over ``rounds`` rounds; ``resumed of`` counts
    the resumed connections."""
    from workers.smtp.pool import SmtpPools

    pools = SmtpPools(size=1)
    endpoints = [
        SmtpEndpoint(server_address(index), PORT, TlsMode.SSL, login, password_of(login))
        for index, login in ((index, login_of(index)) for index in range(servers))
    ]
    spent = {"full": 0.0, "again": 0.0, "resumed": 0.0, "context per connection": 0.0}

    async def connect_each(kind: str, forget_contexts: bool = False) -> None:
        held = []
        for endpoint in endpoints:
            if forget_contexts:
                smtp_options.forget_tls_contexts()
            started = time.process_time()
            pool = pools.get(endpoint)
            held.append((pool, await pool.acquire()))
            spent[kind] += time.process_time() - started
        # Closing counts too: the pool may take a server's TLS session as it closes a
        # connection to it, so a connection's cost is its opening and its closing.
        started = time.process_time()
        for pool, connection in held:
            pool.release(connection, healthy=True)
        await pools.sweep(idle_seconds=0)  # all closed; each keeps its server's session
        spent[kind] += time.process_time() - started

    async def main() -> None:
        for _ in range(rounds):
            smtp_options.forget_tls_contexts()  # and the sessions they hold
            smtp_options.tls_context(verify_certificate=True)  # made outside the measure
            await connect_each("full")
            await connect_each("again")
            await connect_each("resumed")
            await connect_each("context per connection", forget_contexts=True)

    event_loop.run(main(), loop)
    count = servers * rounds
    return {
        **{kind: seconds / count * 1000 for kind, seconds in spent.items()},
        "resumed of": pools.stats.tls_resumed,
        "connections": count,
    }


def process_cpu(pid: int) -> float:
    return process_cpu_seconds(pid) or 0.0


def wait_for_shards(url: str, shards: int) -> None:
    """Return once every shard queue has one consumer (the workers have shared them out)."""
    deadline = time.monotonic() + 180  # a loaded machine balances slowly
    for pause in (0.0, 2 * BALANCE_SECONDS):  # a worker over its share lets go next round
        time.sleep(pause)
        while any(queue_state(url, names.shard_queue(i))[1] != 1 for i in range(shards)):
            if time.monotonic() > deadline:
                counts = [queue_state(url, names.shard_queue(i))[1] for i in range(shards)]
                raise click.ClickException(
                    f"the workers did not share the shards out in 180 s: consumers {counts}"
                )
            time.sleep(0.5)


@contextmanager
def workers_running(
    settings: Settings, url: str, count: int, options: dict[str, int], workdir: Path, ca: Path
) -> Iterator[list[WorkerProcess]]:
    env = {
        **os.environ,
        "RABBITMQ_URL": settings.rabbitmq_url,
        "DATABASE_URL": url,
        "ERPMAIL_SECRET_KEY": SECRET_KEY,
        "EVENT_DOMAIN": "bench.example",
        "ERPMAIL_LOG_FORMAT": "json",
        "ERPMAIL_LOG_LEVEL": "warning",
        "SSL_CERT_FILE": str(ca),
        "ERPMAIL_SEND_SHARDS": str(settings.send_shards),
        **{f"ERPMAIL_{name.upper()}": str(value) for name, value in options.items()},
    }
    log = (workdir / "workers.log").open("ab")
    ports = [free_port() for _ in range(count)]
    processes = start_workers(env, count, log, metrics_ports=ports)
    try:
        wait_for_consumers(settings.rabbitmq_url, count, "the workers")
        wait_for_shards(settings.rabbitmq_url, settings.send_shards)
        yield [WorkerProcess(p, port) for p, port in zip(processes, ports, strict=True)]
    finally:
        stop_workers(processes)
        log.close()


async def publish(
    url: str, documents: list[dict[str, Any]], per_second: float | None, shards: int
) -> dict[str, float]:
    """Publish with confirms, all at once or ``per_second``; each job's publish time."""
    connection = await open_connection(url, "erpmail-bench-publisher")
    publisher = await AsyncConfirmingPublisher.open(connection)
    published: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    started = loop.time()
    window = 500 if per_second is None else 1
    pending: list[asyncio.Future[Any]] = []
    for start in range(0, len(documents), window):
        if per_second is not None:
            due = started + start / per_second
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
        batch = documents[start : start + window]
        for document in batch:
            published[document["job_id"]] = time.time()
        sends = [
            asyncio.ensure_future(
                publisher.publish(
                    names.JOBS_EXCHANGE,
                    job_routing_key(document["tenant"], document["user_code"], shards),
                    json.dumps(document, ensure_ascii=False).encode(),
                    job_properties(document["job_id"]),
                )
            )
            for document in batch
        ]
        if per_second is None:
            await asyncio.gather(*sends)
        else:
            pending.extend(sends)
    await asyncio.gather(*pending)
    await connection.close()
    return published


def run_jobs(
    run: Run,
    settings: Settings,
    standin: StandIn,
    url: str,
    workdir: Path,
    ca: Path,
    per_second: float | None = None,
) -> Run:
    documents = []
    for n in range(run.jobs):
        document = job_document(n)
        document["tenant"] = TENANT
        document["user_code"] = user_code(n % run.servers)
        documents.append(document)
    standin.read()
    connections_before = standin.connections
    with workers_running(settings, url, run.workers, run.options, workdir, ca) as workers:
        processes = [worker.process for worker in workers]
        cpu_before = sum(process_cpu(p.pid) for p in processes)
        broker = local_broker_pid()
        meter = CpuMeter(
            {
                "worker": [p.pid for p in processes],
                "stand-in": [standin.process.pid],
                "publisher": [os.getpid()],
                **({"broker": [broker]} if broker is not None else {}),
            },
            main_threads={"worker loop": [p.pid for p in processes]},
            waiting={"worker": [p.pid for p in processes], "stand-in": [standin.process.pid]},
        )
        shares_before = [worker_share(w) for w in workers]
        meter.start()
        published = asyncio.run(
            publish(settings.rabbitmq_url, documents, per_second, settings.send_shards)
        )
        wait_for_receipts(standin, published, run.jobs)
        run.worker_cpu_s = sum(process_cpu(p.pid) for p in processes) - cpu_before
        run.per_worker = [
            WorkerShare(
                after.mails - before.mails,
                after.handshakes - before.handshakes,
                after.cpu_s - before.cpu_s,
                after.grouped - before.grouped,
                after.resumed - before.resumed,
            )
            for before, after in zip(shares_before, map(worker_share, workers), strict=True)
        ]
        used = meter.used()
        run.loop_s = used.pop("worker loop", 0.0)
        run.cpu_s = used
        run.others_s = meter.others()
        run.wait_s = meter.waited()
    return settle(run, standin, published, connections_before)


def worker_share(worker: WorkerProcess) -> WorkerShare:
    """What ``worker`` has sent and opened so far (its /metrics) and its CPU seconds."""
    url = f"http://127.0.0.1:{worker.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:  # summed over the labels
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return WorkerShare(
        int(totals.get("erpmail_sender_jobs_sent_total", 0)),
        int(totals.get("erpmail_smtp_connections_opened_total", 0)),
        process_cpu(worker.process.pid),
        int(totals.get("erpmail_smtp_mails_grouped_total", 0)),
        int(totals.get("erpmail_smtp_tls_resumed_total", 0)),
    )


def wait_for_receipts(standin: StandIn, published: dict[str, float], jobs: int) -> None:
    deadline = time.monotonic() + max(120.0, jobs / 20)
    while True:
        standin.read()
        received = sum(1 for job in published if job in standin.receipts)
        if received >= jobs or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def settle(run: Run, standin: StandIn, published: dict[str, float], connections_before: int) -> Run:
    """The run's figures from the stand-in's journal: received, twice, handshakes, the rate
    (first publish to last receipt), publish → receipt p50 / p99."""
    times = [standin.receipts[job] for job in published if job in standin.receipts]
    run.received = len(times)
    run.duplicates = sum(len(t) - 1 for t in times)
    run.handshakes = standin.connections - connections_before
    if times:
        run.seconds = max(t[0] for t in times) - min(published.values())
        latencies = sorted(
            standin.receipts[job][0] - at
            for job, at in published.items()
            if job in standin.receipts
        )
        run.p50 = statistics.median(latencies)
        run.p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return run


def run_postfix(run: Run, standin: StandIn, ca_file: Path) -> Run:
    """The same mails (the jobs' messages, each from its user's login to its recipient)
    submitted to Postfix, which relays each through its user's server (TLS, AUTH)."""
    routes = [
        (login_of(index), server_address(index), PORT, password_of(login_of(index)))
        for index in range(run.servers)
    ]
    mails: list[tuple[str, str, bytes]] = []
    job_ids: list[str] = []
    for n in range(run.jobs):
        job = parse_job(json.dumps(job_document(n)))
        sender = login_of(n % run.servers)
        message_id = message_id_for(str(job.job_id), "bench.example")
        message = build_message(job, from_header=sender, reply_to=None, message_id=message_id)
        mails.append((sender, f"customer{n}@example.ee", message))
        job_ids.append(str(job.job_id))
    standin.read()
    connections_before = standin.connections
    # a directory of its own that Postfix's user can reach (the run's is private to root)
    with (
        tempfile.TemporaryDirectory(prefix="erpmail-bench-postfix-") as place,
        postfix_relay(Path(place) / "postfix", routes, ca_file, POSTFIX_CONCURRENCY) as relay,
    ):
        meter = CpuMeter({"stand-in": [standin.process.pid], "publisher": [os.getpid()]})
        meter.start()
        postfix_before = relay.cpu_seconds()
        submitted = asyncio.run(feed(relay.port, mails))
        published = {job_ids[index]: at for index, at in submitted.items()}
        wait_for_receipts(standin, published, run.jobs)
        run.cpu_s = {**meter.used(), "postfix": relay.cpu_seconds() - postfix_before}
        others = meter.others()  # (Postfix's processes are outside the meter's groups)
        run.others_s = None if others is None else max(0.0, others - run.cpu_s["postfix"])
        for reason, count in relay.deferrals():
            print(f"Postfix deferred {count} time(s): {plain(reason)}")
    return settle(run, standin, published, connections_before)


DEFAULTS: dict[str, int] = {}
HIGH = {"sender_prefetch": 1000, "sender_concurrency": 500}


def matching(runs: list[Run], **match: Any) -> list[Run]:
    return [run for run in runs if all(getattr(run, k) == v for k, v in match.items())]


def median_rate(runs: list[Run]) -> float:
    return statistics.median(run.rate for run in runs)


def rate_text(runs: list[Run]) -> str:
    """A rate, or with repeats the median and the spread (the machine's drift shows in it)."""
    if len(runs) == 1:
        return f"{runs[0].rate:,.0f}"
    low, high = min(run.rate for run in runs), max(run.rate for run in runs)
    return f"{median_rate(runs):,.0f} (median of {len(runs)}: {low:,.0f}–{high:,.0f})"


def paired_ratios(runs: list[Run], bases: list[Run]) -> list[float]:
    """The rate of each run over its base's in the same round: run back to back on the same
    stand-in, the pair shares the machine's state, which drifts between rounds."""
    base_of = {base.round: base for base in bases}
    return [
        run.rate / base_of[run.round].rate
        for run in runs
        if run.round in base_of and base_of[run.round].rate
    ]


def cpu_ceiling(run: Run, cores: int) -> float | None:
    """The rate this machine's cores would carry at the run's CPU per mail (the workers,
    the stand-in, RabbitMQ and the publisher together): where a run comes near it, the
    cores, not the worker count, set the rate, and another worker only helps by costing
    less CPU per mail."""
    used = sum(run.cpu_s.values())
    return cores * run.received / used if used and run.received else None


def ceilings_text(twos: list[Run], ones: list[Run], cores: int) -> str:
    """The cores' ceilings of the two rows, medians, beside their rates."""
    medians = []
    for runs in (twos, ones):
        ceilings = [c for c in (cpu_ceiling(run, cores) for run in runs) if c is not None]
        if not ceilings:
            return ""
        medians.append(statistics.median(ceilings))
    return f" (the cores' ceiling at their CPU per mail: {medians[0]:,.0f} vs {medians[1]:,.0f})"


def judge(
    runs: list[Run],
    cpu_ms: float | None,
    steady: Run | None,
    no_postfix: str | None = None,
    cpu_note: str = "",
    cores: int = os.cpu_count() or 1,
) -> list[Target]:
    """The issue's targets. With ``--repeat`` a row's rate is the median of its rounds, and
    a comparison of two rows the median of their ratios round by round."""
    out: list[Target] = []
    if cpu_ms is not None:
        out.append(
            Target(
                "a new TLS + AUTH connection (full handshake): at most 3 ms of worker CPU",
                f"{cpu_ms:.2f} ms{cpu_note}",
                cpu_ms <= 3.0,
            )
        )
    row = {"servers": 500, "delay_ms": 20, "pipelining": True, "chunking": False}
    ones = matching(runs, what="burst", **row, workers=1, options=DEFAULTS)
    twos = matching(runs, what="burst", **row, workers=2, options=DEFAULTS)
    if ones:
        one = median_rate(ones)
        out.append(
            Target(
                f"N=500, D=20, {ones[0].jobs:,} jobs, one worker: at least 700 mails/s",
                f"{rate_text(ones)} mails/s",
                one >= 700,
            )
        )
        postfixes = matching(runs, what="postfix", servers=500, delay_ms=20)
        faulty = [p for p in postfixes if p.duplicates or p.received < p.jobs]
        if faulty:  # a relay that lost or repeated mail is no yardstick
            lost = sum(p.jobs - p.received for p in faulty)
            no_postfix = f"Postfix lost {lost} and sent {sum(p.duplicates for p in faulty)} twice"
            postfixes = []
        if not postfixes:
            out.append(
                Target(
                    "N=500, D=20: 3× Postfix relaying the same mails in the same run",
                    f"not measured: {no_postfix or 'no Postfix run'}",
                    None,
                )
            )
        else:
            postfix = median_rate(postfixes)
            out.append(
                Target(
                    "N=500, D=20: 3× Postfix relaying the same mails in the same run",
                    f"{rate_text(ones)} vs Postfix {rate_text(postfixes)} mails/s "
                    f"= {one / postfix if postfix else 0:.1f}×",
                    one >= 3 * postfix,
                )
            )
    if ones and twos:
        out.append(
            Target(
                "N=500, D=20: two workers at least as fast as one",
                f"{rate_text(twos)} vs {rate_text(ones)} mails/s{ceilings_text(twos, ones, cores)}",
                median_rate(twos) >= median_rate(ones),
            )
        )
    if steady is not None and steady.p99 is not None:
        out.append(
            Target(
                f"steady {steady.options.get('rate', 0)} jobs/s over {steady.servers} users, "
                f"D={steady.delay_ms}: p99 publish→receipt at most 1 s",
                f"p50 {steady.p50:.2f} s, p99 {steady.p99:.2f} s",
                steady.p99 <= 1.0,
            )
        )
    for delay in sorted({run.delay_ms for run in runs if run.servers == 50}):
        fifty: dict[str, Any] = {"what": "burst", "servers": 50, "delay_ms": delay}
        highs = matching(runs, **fifty, pipelining=True, chunking=False, workers=1, options=HIGH)
        bases = matching(
            runs, **fifty, pipelining=True, chunking=False, workers=1, options=DEFAULTS
        )
        ratios = paired_ratios(highs, bases)
        if not ratios:
            continue
        ratio = statistics.median(ratios)
        handshakes = (
            f"handshakes {statistics.median(r.handshakes for r in highs):.0f} vs "
            f"{statistics.median(r.handshakes for r in bases):.0f}"
        )
        spread = (
            f" (per round {min(ratios):.2f}–{max(ratios):.2f}, median {ratio:.2f})"
            if len(ratios) > 1
            else ""
        )
        out.append(
            Target(
                f"N=50, D={delay}: concurrency 500 not slower than the default",
                f"{rate_text(highs)} vs {rate_text(bases)} mails/s{spread}; {handshakes}",
                ratio >= 0.95,
            )  # 5%: the run-to-run noise of a pair run back to back
        )
    return out


def extensions(run: Run) -> str:
    offered = (("PIPELINING", run.pipelining), ("CHUNKING", run.chunking))
    return " ".join(name for name, on in offered if on) or "none"


def cpu_per_mail(run: Run) -> str:
    """Where the CPU went, per mail received: the worker(s), the stand-in's servers,
    RabbitMQ, and this process publishing and reading the journal."""
    if not run.received:
        return "-"
    groups = ("postfix" if run.what == "postfix" else "worker", "stand-in", "broker", "publisher")
    return " / ".join(
        f"{run.cpu_s[group] / run.received * 1e6:,.0f}" if group in run.cpu_s else "-"
        for group in groups
    )


def each_worker(run: Run) -> str:
    """With several workers, each one's share: mails, handshakes, its CPU per mail."""
    if len(run.per_worker) < 2:
        return "-"
    return "; ".join(
        f"{share.mails:,} / {share.handshakes} / "
        + (f"{share.cpu_s / share.mails * 1e6:,.0f}" if share.mails else "-")
        for share in run.per_worker
    )


def waiting_for_cpu(run: Run) -> str:
    """The share of the run each worker's event loop and the stand-in were ready to run but
    had no CPU: near 0 the rate is the sender's; high, it is the machine's other load."""
    if not run.seconds or run.what == "postfix":
        return "-"
    worker, standin = run.wait_s.get("worker"), run.wait_s.get("stand-in")
    return " / ".join(
        "-" if wait is None else f"{wait / run.seconds / processes:.0%}"
        for wait, processes in ((worker, max(run.workers, 1)), (standin, 1))
    )


def busy_text(run: Run, cores: int = os.cpu_count() or 1) -> str:
    """The share of the machine's cores the run's own processes used, and the share other
    processes took meanwhile: a run is quiet only where the second stays near 0."""
    if not run.seconds:
        return "-"
    ours = f"{sum(run.cpu_s.values()) / run.seconds / cores:.0%}"
    if run.others_s is None:
        return ours
    return f"{ours} / {run.others_s / run.seconds / cores:.0%}"


def loop_and_connections(run: Run) -> str:
    """The workers' event loops: the share of a core each ran (near 1: the loop is the
    limit); then the connections whose TLS session was resumed, and the mails grouped."""
    if run.what == "postfix" or not run.seconds or not run.per_worker:
        return "-"
    ran = run.loop_s / run.seconds / max(run.workers, 1)
    resumed = sum(share.resumed for share in run.per_worker)
    grouped = sum(share.grouped for share in run.per_worker)
    return f"{ran:.0%} / {resumed} / {grouped:,}"


def runs_table(runs: list[Run]) -> Table:
    out = Table(title="sender, real shape: own servers over TLS + AUTH (stand-in on loopback)")
    columns = (
        "N users",
        "D ms",
        "extensions",
        "workers",
        "options",
        "jobs",
        "mails/s",
        "handshakes",
        "p50 s",
        "p99 s",
        "CPU µs/mail: worker (or Postfix) / stand-in / broker / publisher",
        "each worker: mails / handshakes / CPU µs a mail of its own",
        "CPU busy: the run's / others'",
        "no CPU: worker loop / stand-in",
        "worker loop ran / TLS resumed / mails grouped",
        "lost/twice",
    )
    for column in columns:
        out.add_column(column, justify="right")
    for run in runs:
        options = ", ".join(f"{k.removeprefix('sender_')} {v}" for k, v in run.options.items())
        out.add_row(
            str(run.servers),
            str(run.delay_ms),
            extensions(run),
            "Postfix" if run.what == "postfix" else str(run.workers),
            options or "defaults",
            f"{run.jobs:,}",
            f"{run.rate:,.0f}",
            str(run.handshakes),
            "-" if run.p50 is None else f"{run.p50:.2f}",
            "-" if run.p99 is None else f"{run.p99:.2f}",
            cpu_per_mail(run),
            each_worker(run),
            busy_text(run),
            waiting_for_cpu(run),
            loop_and_connections(run),
            f"{run.jobs - run.received}/{run.duplicates}",
        )
    return out


def medians_table(runs: list[Run]) -> Table:
    """With ``--repeat``: each row's rounds, median, spread and the median handshakes."""
    out = Table(title="rounds of each row (--repeat): mails/s")
    for column in (
        "N users",
        "D ms",
        "extensions",
        "workers",
        "options",
        "rounds",
        "mails/s",
        "median",
        "spread",
        "handshakes (median)",
    ):
        out.add_column(column, justify="right")
    rows: dict[tuple[Any, ...], list[Run]] = {}
    for run in runs:
        key = (
            run.what,
            run.servers,
            run.delay_ms,
            run.pipelining,
            run.chunking,
            run.workers,
            tuple(run.options.items()),
        )
        rows.setdefault(key, []).append(run)
    for group in rows.values():
        first = group[0]
        options = ", ".join(f"{k.removeprefix('sender_')} {v}" for k, v in first.options.items())
        rates = [run.rate for run in group]
        median = statistics.median(rates)
        out.add_row(
            str(first.servers),
            str(first.delay_ms),
            extensions(first),
            "Postfix" if first.what == "postfix" else str(first.workers),
            options or "defaults",
            str(len(group)),
            " ".join(f"{rate:,.0f}" for rate in rates),
            f"{median:,.0f}",
            f"{(max(rates) - min(rates)) / median:.0%}" if median else "-",
            f"{statistics.median(run.handshakes for run in group):.0f}",
        )
    return out


def connection_summary(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over the connection row's repeats."""
    return {kind: statistics.median(r[kind] for r in rounds) for kind in rounds[0]}


def connection_text(rounds: list[dict[str, float]]) -> str:
    """The connection row, each figure beside the reference (a context made per connection,
    work none of the pool's changes touch): a slow machine state shows in it, and the
    first connection's share of it moves only with the pool's work."""
    cpu = connection_summary(rounds)
    spread = ""
    if len(rounds) > 1:
        firsts = [r["full"] for r in rounds]
        spread = f" (median of {len(rounds)} rounds: first {min(firsts):.2f}–{max(firsts):.2f})"
    reference = cpu["context per connection"]

    def share(kind: str) -> str:
        return f"{cpu[kind]:.2f} ms = {cpu[kind] / reference:.1%} of the reference"

    return (
        "TLS + AUTH connection, CPU of the client process (user + system, "
        f"{cpu['connections']:.0f} connections each){spread}: the first to a server (full "
        f"handshake) {share('full')}; the second (full handshake, session taken) "
        f"{share('again')}; the third (resumed: {cpu['resumed of']:.0f}) {share('resumed')}; "
        f"reference, a context made per connection: {reference:.2f} ms"
    )


@click.command()
@click.option("--quick", is_flag=True, help="A subset with fewer jobs: a few minutes.")
@click.option("--jobs", type=int, help="Jobs per burst run (default 5,000; quick 1,000).")
@click.option("--steady-rate", default=100, show_default=True, help="Jobs/s of the steady run.")
@click.option("--steady-seconds", type=int, help="Length of the steady run (30; quick 10).")
@click.option(
    "--shards",
    default=16,
    show_default=True,
    help="ERPMAIL_SEND_SHARDS of the publisher and the workers (0: one queue, competing).",
)
@click.option("--database-url", help="The workers' database (default: a SQLite file per stand-in).")
@click.option(
    "--only",
    multiple=True,
    metavar="N[/D]",
    help="Only the rows of N users (and reply delay D ms), e.g. --only 500/20 --only 50; "
    "repeat; default all: to split the table over calls of under ten minutes.",
)
@click.option("--cpu/--no-cpu", "with_cpu", default=True, help="The connection CPU row.")
@click.option(
    "--postfix/--no-postfix",
    "with_postfix",
    default=True,
    help="Postfix relaying the same mails (N=500, D=20): the anchor.",
)
@click.option("--steady/--no-steady", "with_steady", default=True, help="The steady row.")
@click.option(
    "--repeat",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Rounds of each stand-in's burst rows (interleaved: A, B, A, B …) and of the "
    "connection row; the targets judge medians, and comparisons round by round.",
)
@click.option("--output", default="bench-results/sender-real.json", show_default=True)
def main(
    quick: bool,
    jobs: int | None,
    steady_rate: int,
    steady_seconds: int | None,
    shards: int,
    database_url: str | None,
    only: tuple[str, ...],
    with_cpu: bool,
    with_postfix: bool,
    with_steady: bool,
    repeat: int,
    output: str,
) -> None:
    """Many users' own servers over TLS + AUTH: burst rates, steady latency, targets."""
    console = Console(width=max(Console().width, 160))
    jobs = jobs or (1000 if quick else 5000)
    steady_seconds = steady_seconds or (10 if quick else 30)
    settings = load_settings()
    settings = replace(settings, secret_key=SECRET_KEY, send_shards=shards)
    prepare_broker(settings, console)
    load_before = os.getloadavg()
    console.print(f"load average {load_before}, {os.cpu_count()} CPUs")
    # (N, D, PIPELINING, CHUNKING) -> the runs on that stand-in: (workers, options)
    plan: dict[tuple[int, int, bool, bool], list[tuple[int, dict[str, int]]]] = {}
    delays = (20,) if quick else (0, 20, 50)
    for servers in (1, 50, 500):
        for delay in delays:
            plan[(servers, delay, True, False)] = [(1, DEFAULTS), (2, DEFAULTS)]
    for delay in delays:
        plan[(50, delay, True, False)].append((1, HIGH))
    plan[(500, 20, False, False)] = [(1, DEFAULTS)]
    plan[(500, 20, True, True)] = [(1, DEFAULTS)]
    if not quick:
        plan[(50, 20, False, False)] = [(1, DEFAULTS)]
    plan = {
        row: variants
        for row, variants in plan.items()
        if not only or any(f"{row[0]}/{row[1]}/".startswith(f"{o}/") for o in only)
    }
    steady_delay = 20 if quick else 50
    steady_rows = [(500, steady_delay, True, False), (500, steady_delay, True, True)]
    if with_steady:
        for steady_row in steady_rows:
            plan.setdefault(steady_row, [])
    runs: list[Run] = []
    steadies: list[Run] = []
    no_postfix: str | None = None if with_postfix else "left out (--no-postfix)"
    cpu_rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="erpmail-bench-real-") as tmp:
        workdir = Path(tmp)
        authority = make_authority(workdir / "ca")
        certs = server_certificates(authority, 500, workdir / "certs")
        ca = system_store_with(authority.ca_file, workdir / "trusted.pem")
        os.environ["SSL_CERT_FILE"] = str(ca)  # this process's "system store", as the workers'
        if with_cpu:
            count = 100 if quick else 300
            with stand_in(50, 0, True, certs, workdir):
                for _ in range(repeat):
                    cpu_rounds.append(
                        connection_cpu(50, rounds=count // 50, loop=settings.event_loop)
                    )
            console.print(connection_text(cpu_rounds))
        for (servers, delay, pipelining, chunking), variants in plan.items():
            url = database_url or f"sqlite:///{workdir / f'bench-{servers}.db'}"
            write_cards(url, settings, servers)
            anchor = with_postfix and (servers, delay, pipelining, chunking) == POSTFIX_ROW
            if anchor:
                no_postfix = unavailable()
            with stand_in(servers, delay, pipelining, certs, workdir, chunking) as standin:
                # Postfix runs once a round, after the round's worker runs, so that its figure
                # is a median over the same stretches of the machine's load as theirs (one run
                # of it moved from 264 to 448 mails/s between two benches minutes apart).
                for round_ in range(repeat):
                    for workers, options in variants:
                        run = Run(
                            "burst",
                            servers,
                            delay,
                            pipelining,
                            workers,
                            jobs,
                            chunking,
                            round=round_,
                            options=dict(options),
                        )
                        runs.append(run_jobs(run, settings, standin, url, workdir, ca))
                        console.print(runs_table(runs[-1:]))
                    if anchor and no_postfix is None:
                        run = Run(
                            "postfix", servers, delay, pipelining, 0, jobs, chunking, round=round_
                        )
                        try:
                            runs.append(run_postfix(run, standin, authority.ca_file))
                            console.print(runs_table(runs[-1:]))
                        except (RuntimeError, OSError) as error:  # the anchor's, not the sender's
                            no_postfix = f"Postfix failed: {error}"[:300]
                            console.print(no_postfix)
                if with_steady and (servers, delay, pipelining, chunking) in steady_rows:
                    steady = Run(
                        "steady",
                        servers,
                        delay,
                        pipelining,
                        1,
                        steady_rate * steady_seconds,
                        chunking,
                        options={},
                    )
                    run_jobs(steady, settings, standin, url, workdir, ca, per_second=steady_rate)
                    steady.options = {"rate": steady_rate}
                    steadies.append(steady)
                    console.print(runs_table(steadies[-1:]))
    load_after = os.getloadavg()
    purge_events(settings.rabbitmq_url)
    console.print(runs_table(runs + steadies))
    if repeat > 1:
        console.print(medians_table(runs))
    judged = next((run for run in steadies if not run.chunking), None)
    cpu = connection_summary(cpu_rounds) if cpu_rounds else {}
    cpu_note = (
        f" ({cpu['full'] / cpu['context per connection']:.1%} of the context-per-connection "
        f"reference, {cpu['context per connection']:.2f} ms in this run)"
        if cpu
        else ""
    )
    verdicts = judge(runs, cpu.get("full"), judged, no_postfix, cpu_note)
    console.print(targets_table(verdicts))
    console.print(f"load average before {load_before}, after {load_after}; {os.cpu_count()} CPUs")
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "quick": quick,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "repeat": repeat,
        "connection_cpu_ms": cpu,
        "connection_cpu_ms_rounds": cpu_rounds,
        "runs": [{**asdict(run), "rate": run.rate} for run in runs],
        "steady": [{**asdict(run), "rate": run.rate} for run in steadies],
        "targets": [asdict(verdict) for verdict in verdicts],
    }
    path.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"written {path}")


if __name__ == "__main__":
    main()
