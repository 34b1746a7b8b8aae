"""Dead-letter replay beside the broker's ceiling, and `erpmail dlq list`, on one broker.

Each round, in the same run and on the same kind of queue (quorum, mail.send's arguments):

- *ceiling*: a plain publisher with pipelined confirms (1,000 unconfirmed at most, persistent
  messages the size of the dead letters) puts N messages into a scratch queue;
- *replay*: N dead letters in mail.dead are replayed to mail.jobs by the code behind
  `erpmail dlq replay --all` (transactions on several channels, prefetch window);
- *list*: `erpmail dlq list` over N letters, as a process (start-up included);
- *export*: `erpmail dlq export` over N letters, as a process: its peak memory beyond the
  command's start-up, beside the size of what it wrote (it streams: the first stays small).

With ``--database URL`` (a PostgreSQL or SQLite database of its own, migrated here), the
list and the replay read the store as the commands do, each letter's job stored ``dead`` (as
a dead letter's job is): the look-ups' cost is in their times, and the replay's statements
on the store are counted.

With ``--migration``, instead: `erpmail topology declare` migrating a mail.dead of N letters
declared as an earlier release did (no delivery limit) to its holding queue and back, its
time and the client's CPU per letter, each round.

Beside the rates, the client's CPU per message or letter (process time, which the machine's
load barely moves).

It prints a table (rates, the replay's share of the ceiling, the list's time, the load
average) and the issue's targets, and writes ``bench-results/dlq.json``. It needs mail.send
and mail.dead to itself: point RABBITMQ_URL at a vhost of its own.

    python -m bench.dlq [--letters 20000] [--rounds 3] [--database URL] [--migration]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.adapters.select_connection import SelectConnection
from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, event, insert
from sqlalchemy.engine import Engine

from schemas.tables import MailMessage, MailStatus
from workers.broker import names
from workers.broker.connection import connect, connection_parameters, redact_url
from workers.broker.topology import build_topology, declare
from workers.dlq.cli import looking_up
from workers.dlq.letters import Selector
from workers.dlq.queue import BULK_LANES, walk
from workers.dlq.replay import Replayer
from workers.dlq.stored import StoredJobs
from workers.settings import load_settings
from workers.store import migrate
from workers.store.engine import make_engine

CEILING_QUEUE = "bench.dlq.ceiling"
CONFIRM_WINDOW = 1000
TARGET_SHARE = 0.5
TARGET_RATE = 10_000.0
TARGET_LIST_SECONDS = 3.0
RESULTS = Path("bench-results/dlq.json")


@dataclass
class Round:
    ceiling_per_s: float
    replay_per_s: float
    share: float
    list_seconds: float
    load: float
    # Client CPU (process time, load-independent): where a letter's cost lies on this side.
    ceiling_cpu_us: float  # per message published
    replay_cpu_us: float  # per letter replayed
    list_cpu_us: float  # per letter listed (the `erpmail dlq list` process, start-up included)
    # `erpmail dlq export` streams: its peak memory beyond the command's own start-up, beside
    # the size of the letters it wrote.
    export_extra_mb: float
    letters_mb: float
    replay_statements: float  # statements the replay ran on the store (--database)


def job_body(job_id: str) -> bytes:
    """A job of a typical size (an invoice mail: about 1.5 kB of JSON)."""
    return json.dumps(
        {
            "schema_version": 1,
            "job_id": job_id,
            "tenant": "acme",
            "user_code": "MARI",
            "kind": "invoice",
            "to": [{"address": "customer@example.ee", "name": "Customer"}],
            "subject": "Invoice 2026-1142 from Acme AS",
            "text": "Dear customer,\n\nplease find the invoice attached.\n" * 20,
        }
    ).encode()


def letter_properties(job_id: str) -> pika.BasicProperties:
    headers: dict[str, Any] = {
        names.HEADER_ERROR_CLASS: "deferred",
        names.HEADER_ERROR_TEXT: "451 4.7.1 greylisted, try again later",
        names.HEADER_ATTEMPT: 8,
        names.HEADER_FIRST_FAILURE: "2026-11-25T10:00:00+00:00",
        names.HEADER_LAST_FAILURE: "2026-11-25T16:00:00+00:00",
        names.HEADER_WORKER: "bench:1",
    }
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=job_id,
        headers=headers,
    )


def depth(channel: BlockingChannel, queue: str) -> tuple[int, int]:
    method = channel.queue_declare(queue, passive=True).method
    return int(method.message_count), int(method.consumer_count)


def fill_dead(channel: BlockingChannel, count: int) -> list[str]:
    """``count`` dead letters, in transactions of 1,000; their job ids."""
    filler = channel.connection.channel()
    filler.tx_select()
    job_ids = [str(uuid.uuid4()) for _ in range(count)]
    for number, job_id in enumerate(job_ids):
        filler.basic_publish(names.DEAD_EXCHANGE, "", job_body(job_id), letter_properties(job_id))
        if number % 1000 == 999:
            filler.tx_commit()
    filler.tx_commit()
    filler.close()
    return job_ids


_TABLE = MailMessage.__table__  # type: ignore[attr-defined]


def store_dead(database: str, job_ids: list[str]) -> None:
    """A row for each job, stored ``dead`` (as a dead letter's job is), none before."""
    engine = make_engine(database)
    try:
        with engine.begin() as connection:
            connection.execute(delete(_TABLE))
            connection.execute(
                insert(_TABLE),
                [
                    {
                        "job_id": job_id,
                        "tenant": "acme",
                        "user_code": "MARI",
                        "kind": "invoice",
                        "status": MailStatus.DEAD,
                    }
                    for job_id in job_ids
                ],
            )
    finally:
        engine.dispose()


@contextmanager
def statements_counted() -> Iterator[list[int]]:
    """How many statements every engine of this process runs meanwhile (one count)."""
    count = [0]

    def counted(*_args: Any) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", counted)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", counted)


def replay(url: str, database: str | None) -> tuple[int, int]:
    """Every letter replayed as `dlq replay --all` does (reading the store when there is
    one); the letters replayed and the statements run on the store."""
    if database is None:
        return walk(url, Replayer(), lanes=BULK_LANES).taken, 0
    with statements_counted() as count, StoredJobs.open(database) as stored:
        if stored.problem is not None:
            raise SystemExit(f"the store could not be read: {stored.problem}")
        replayer = Replayer(went_out=stored.went_out)
        look_ahead = looking_up(stored, Selector())
        outcome = walk(url, replayer, lanes=BULK_LANES, look_ahead=look_ahead)
    return outcome.taken, count[0]


def migration(channel: BlockingChannel, count: int, retry_ladder: tuple[int, ...]) -> str:
    """A line on `topology declare` migrating a mail.dead of ``count`` letters declared as an
    earlier release did: letters a second, the client's CPU per letter, the load."""
    channel.queue_delete(names.DEAD_QUEUE)
    channel.queue_declare(names.DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(names.DEAD_QUEUE, names.DEAD_EXCHANGE, routing_key="")
    fill_dead(channel, count)
    started, cpu = time.monotonic(), time.process_time()
    migrated = declare(channel, build_topology(retry_ladder))
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    left, _ = depth(channel, names.DEAD_QUEUE)
    if names.DEAD_QUEUE not in migrated or left != count:
        raise SystemExit(f"migrated {migrated}, {left} of {count} letters in mail.dead")
    return (
        f"migration of {count:,} letters: {seconds:.2f} s, {count / seconds:,.0f} letters/s, "
        f"client CPU {cpu / count * 1e6:.0f} µs/letter, load {os.getloadavg()[0]:.1f}"
    )


def ceiling(url: str, count: int) -> float:
    """Messages a second a plain publisher with pipelined confirms puts into a quorum queue."""
    body = job_body(str(uuid.uuid4()))
    state = {"sent": 0, "confirmed": 0, "started": 0.0, "ended": 0.0}
    holder: dict[str, Any] = {}

    def pump() -> None:
        channel = holder["channel"]
        while state["sent"] < count and state["sent"] - state["confirmed"] < CONFIRM_WINDOW:
            job_id = str(uuid.uuid4())
            channel.basic_publish("", CEILING_QUEUE, body, letter_properties(job_id))
            state["sent"] += 1

    def on_confirm(frame: Any) -> None:
        method = frame.method
        state["confirmed"] = method.delivery_tag if method.multiple else state["confirmed"] + 1
        if state["confirmed"] >= count:
            state["ended"] = time.perf_counter()
            holder["connection"].close()
        else:
            pump()

    def on_selected(_frame: Any) -> None:
        state["started"] = time.perf_counter()
        pump()

    def on_channel(channel: Any) -> None:
        holder["channel"] = channel
        channel.confirm_delivery(on_confirm, callback=on_selected)

    connection = SelectConnection(
        connection_parameters(url, "erpmail-bench-ceiling"),
        on_open_callback=lambda c: c.channel(on_open_callback=on_channel),
        on_close_callback=lambda c, _reason: c.ioloop.stop(),
    )
    holder["connection"] = connection
    connection.ioloop.start()
    return count / (state["ended"] - state["started"])


def list_seconds(url: str, count: int, database: str | None) -> tuple[float, float]:
    """The wall time of `erpmail dlq list` over ``count`` letters, and its CPU time."""
    env = {**os.environ, "RABBITMQ_URL": url, "ERPMAIL_LOG_FORMAT": "json"}
    if database is not None:
        env["DATABASE_URL"] = database
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli.main", "dlq", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if f"{count} dead letter(s)" not in result.stdout or "could not be read" in result.stderr:
        raise SystemExit(f"dlq list did not see {count} letters:\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def peak_rss_mb(url: str, *args: str) -> tuple[float, int]:
    """The peak resident memory of `erpmail ARGS` (MB), and the bytes it wrote to stdout."""
    env = {**os.environ, "RABBITMQ_URL": url, "ERPMAIL_LOG_FORMAT": "json"}
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.cli.main", *args],
            env=env,
            stdout=output,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise SystemExit(f"erpmail {' '.join(args)} failed ({process.returncode})")
        written = output.tell()
    return usage.ru_maxrss / 1024, written  # (kB on Linux)


def one_round(url: str, channel: BlockingChannel, count: int, database: str | None) -> Round:
    load = os.getloadavg()[0]
    channel.queue_purge(CEILING_QUEUE)
    cpu = time.process_time()
    ceiling_rate = ceiling(url, count)
    ceiling_cpu = time.process_time() - cpu
    channel.queue_purge(CEILING_QUEUE)
    job_ids = fill_dead(channel, count)
    if database is not None:
        store_dead(database, job_ids)
    listed, list_cpu = list_seconds(url, count, database)
    start_up_mb, _ = peak_rss_mb(url, "dlq", "--help")
    export_mb, written = peak_rss_mb(url, "dlq", "export")
    started, cpu = time.perf_counter(), time.process_time()
    taken, statements = replay(url, database)
    replay_rate = taken / (time.perf_counter() - started)
    replay_cpu = time.process_time() - cpu
    sent, _ = depth(channel, names.SEND_QUEUE)
    dead, _ = depth(channel, names.DEAD_QUEUE)
    if (taken, sent, dead) != (count, count, 0):
        raise SystemExit(f"replay lost track: replayed {taken}, {sent} in mail.send")
    channel.queue_purge(names.SEND_QUEUE)
    return Round(
        ceiling_rate,
        replay_rate,
        replay_rate / ceiling_rate,
        listed,
        load,
        ceiling_cpu / count * 1e6,
        replay_cpu / count * 1e6,
        list_cpu / count * 1e6,
        export_mb - start_up_mb,
        written / 2**20,
        statements,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--migration", action="store_true", help="time a topology migration")
    parser.add_argument(
        "--database", help="a database of the benchmark's own: list and replay read it"
    )
    args = parser.parse_args(argv)
    if args.database is not None:
        migrate.upgrade(args.database)
    settings = load_settings()
    url = settings.rabbitmq_url
    connection = connect(url, "erpmail-bench")
    channel = connection.channel()
    declare(channel, build_topology(settings.retry_ladder))
    for queue in (names.SEND_QUEUE, names.DEAD_QUEUE):
        messages, consumers = depth(channel, queue)
        if messages or consumers:
            raise SystemExit(
                f"{queue} holds {messages} messages and has {consumers} consumers: the "
                "benchmark needs it to itself (point RABBITMQ_URL at a vhost of its own)"
            )
    send_arguments = next(
        q.declared_arguments()
        for q in build_topology(settings.retry_ladder).queues
        if q.name == names.SEND_QUEUE
    )
    if args.migration:
        try:
            for _ in range(args.rounds):
                print(migration(channel, args.letters, settings.retry_ladder), flush=True)
        finally:
            channel.queue_purge(names.DEAD_QUEUE)
            connection.close()
        return
    channel.queue_declare(CEILING_QUEUE, durable=True, arguments=send_arguments)
    try:
        rounds = [one_round(url, channel, args.letters, args.database) for _ in range(args.rounds)]
    finally:
        channel.queue_delete(CEILING_QUEUE)
        channel.queue_purge(names.SEND_QUEUE)
        channel.queue_purge(names.DEAD_QUEUE)
        connection.close()
    report(rounds, args.letters, redact_url(url))


def report(rounds: list[Round], count: int, broker: str) -> None:
    table = Table(title=f"dead-letter replay, {count:,} letters, broker {broker}")
    for name in ("round", "ceiling msg/s", "replay letters/s", "replay/ceiling"):
        table.add_column(name, justify="right")
    table.add_column("dlq list (s)", justify="right")
    for name in ("CPU µs/msg ceiling", "CPU µs/letter replay", "CPU µs/letter list"):
        table.add_column(name, justify="right")
    table.add_column("export: memory MB / letters MB", justify="right")
    table.add_column("replay store statements", justify="right")
    table.add_column("load (1 min)", justify="right")

    def cells(row: Round) -> list[str]:
        return [
            f"{row.ceiling_per_s:,.0f}",
            f"{row.replay_per_s:,.0f}",
            f"{row.share:.0%}",
            f"{row.list_seconds:.2f}",
            f"{row.ceiling_cpu_us:.1f}",
            f"{row.replay_cpu_us:.1f}",
            f"{row.list_cpu_us:.1f}",
            f"{row.export_extra_mb:.0f} / {row.letters_mb:.0f}",
            f"{row.replay_statements:,.0f}",
            f"{row.load:.1f}",
        ]

    for number, row in enumerate(rounds, start=1):
        table.add_row(str(number), *cells(row))
    median = Round(*(statistics.median(getattr(r, f.name) for r in rounds) for f in fields(Round)))
    table.add_section()
    table.add_row("median", *cells(median))
    console = Console(width=max(160, Console().width))
    console.print(table)
    targets = Table(title="targets (issue 13)")
    for name in ("target", "measured (median)", "met"):
        targets.add_column(name)
    checks = [
        (
            f"replay ≥ {TARGET_SHARE:.0%} of the ceiling",
            f"{median.share:.0%}",
            median.share >= TARGET_SHARE,
        ),
        (
            f"replay ≥ {TARGET_RATE:,.0f} letters/s",
            f"{median.replay_per_s:,.0f}",
            median.replay_per_s >= TARGET_RATE,
        ),
        (
            f"dlq list of {count:,} ≤ {TARGET_LIST_SECONDS:.0f} s",
            f"{median.list_seconds:.2f} s",
            median.list_seconds <= TARGET_LIST_SECONDS,
        ),
    ]
    for name, measured, met in checks:
        targets.add_row(name, measured, "yes" if met else "NO")
    console.print(targets)
    console.print(f"machine: {os.cpu_count()} CPUs; load average now {os.getloadavg()}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "letters": count,
                "broker": broker,
                "rounds": [asdict(r) for r in rounds],
                "median": asdict(median),
                "targets": {name: met for name, _, met in checks},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
