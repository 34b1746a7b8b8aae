"""The sender's CPU per mail, part by part, in this process: ``python -m bench.sender_cpu``.

Figures for each step of a change, steadier than a whole burst on a shared machine (whose
rate moves with the other processes): each part is run many times in a loop and its CPU is
divided by the count.

- **message**: :func:`build_message` of the job ``make bench-sender`` publishes;
- **notice**: a ``mail.sent`` notice as the worker makes it: :meth:`Notice.for_job`, its
  body, its properties and the frames they are written in (pika's content header);
- **smtp**: one mail sent with :func:`workers.smtp.transaction.send` over an open pooled
  connection (implicit TLS, AUTH, PIPELINING) to the stand-in's server
  (:func:`bench.standin.standin_server`, its replies batched as in ``make bench-sender``,
  ``--delay-ms`` after each batch) on 127.0.0.1: the CPU of the event loop's thread alone
  (``time.thread_time``; the server runs on a loop in a thread of its own);
- **wire** and **grouped**: the writes of a pipelining transaction alone on an open session,
  as they are (MAIL, RCPT, DATA; then the message) and with a message's end and the next
  mail's commands in one write (RFC 2920 3.1), to weigh that change (:func:`wire_cpu`);
- **smtp-grouped**: as **smtp**, with the mails sent at once through one connection, each
  waiting in the pool's line and ready to follow (its ``sending`` mark in, as the sender's
  is when a mail waits): the real path of that grouping (:func:`smtp_grouped_cpu`);
- **connect**: a connection opened (TLS with a full handshake: the server issues no session
  ticket, EHLO, AUTH) and closed by a pool, on the loop's thread.

``--measure calls`` counts the Python-level calls (``sys.setprofile``) instead of the CPU;
``--measure instructions`` counts the instructions of message and notice under callgrind
(valgrind; slow), the loop alone: the figure that the machine's load does not move.
``--rounds`` repeats each part and prints the least figure of the rounds, the one the
machine's other load disturbed least (load only adds), with their median and most.
"""

from __future__ import annotations

import asyncio
import functools
import io
import operator
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click
from pika import frame

from bench.sender_sink import job_document
from bench.standin import _Journal, _Receiver, login_of, password_of, standin_server
from schemas.job import MailJobV1, parse_job
from schemas.tables import MailStatus
from schemas.values import TlsMode
from tests.certificates import issue, make_authority
from workers import event_loop
from workers.correlation import message_id_for
from workers.event_loop import UVLOOP
from workers.sender.message import build_message
from workers.sender.notices import Notice
from workers.smtp import options as smtp_options
from workers.smtp.codes import Reply
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import SmtpPool, SmtpPools
from workers.smtp.session import data_lines
from workers.smtp.transaction import Envelope, send

PARTS = ("message", "notice", "store", "smtp", "smtp-grouped", "wire", "grouped", "connect")
IN_LINE = 8  # mails of smtp-grouped waiting in the pool's line at once
STORE_BATCH = 7  # jobs per database round: about what a worker's DB thread groups at N=500
LOGIN = login_of(0)
HOST = "127.0.0.1"


def bench_job(n: int = 7) -> MailJobV1:
    """The job ``make bench-sender`` publishes (its n-th)."""
    import json

    return parse_job(json.dumps(job_document(n), ensure_ascii=False).encode())


def _message(job: MailJobV1) -> bytes:
    return build_message(
        job,
        from_header=LOGIN,
        reply_to=None,
        message_id=message_id_for(str(job.job_id), "bench.example"),
    )


def message_loop(count: int) -> None:
    """``count`` messages built."""
    job = bench_job()
    for _ in range(count):
        _message(job)


def notice_loop(count: int) -> None:
    """``count`` ``mail.sent`` notices made and written into frames."""
    job = bench_job()
    message_id = message_id_for(str(job.job_id), "bench.example")
    for _ in range(count):
        notice = Notice.for_job(
            job,
            MailStatus.SENT,
            1,
            replay=0,
            mail_message_id=message_id,
            smtp_host="127.66.0.1:465",
            smtp_response="250 OK",
            refused=[],
            suppressed=[],
            possible_duplicate=False,
        )
        body = notice.body()
        frame.Header(1, len(body), notice.properties()).marshal()


def store_cpu(count: int, batch: int = STORE_BATCH, calls: bool = False) -> float:
    """CPU seconds (or Python-level calls) of the job store's part of ``count`` mails on a
    SQLite file, ``batch`` jobs a round, each round one transaction as the worker's database
    thread runs it: the claims (the user's card resolved, the rows written), the holds
    (``sending``), the outcomes (``sent``). The jobs are parsed and the card written before
    the clock starts."""
    from bench.sender import SECRET_KEY, user_code, write_cards
    from workers.config.presets import load_presets
    from workers.config.service import resolve_for_job
    from workers.sender.job_store import (
        ClaimRequest,
        Hold,
        JobOutcome,
        claim_jobs,
        hold_jobs,
        record_outcomes,
    )
    from workers.settings import load_settings
    from workers.store.engine import make_engine, session_scope

    settings = replace(load_settings(), secret_key=SECRET_KEY)
    presets = load_presets(None)
    claim = claim_jobs(
        lambda session, tenant, user: resolve_for_job(session, settings, tenant, user, presets)
    )
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/store.db"
        write_cards(url, settings, 1)
        engine = make_engine(url)
        jobs = [bench_job().model_copy(update={"user_code": user_code(0)}) for _ in range(count)]
        rounds = [jobs[start : start + batch] for start in range(0, count, batch)]
        counter = _CallCounter()
        started = time.process_time()
        if calls:
            sys.setprofile(counter)
        for group in rounds:
            requests = [
                ClaimRequest(job, 1, tuple(job.to), message_id_for(str(job.job_id), "b.example"))
                for job in group
            ]
            with session_scope(engine) as session:
                claims = claim(session, requests)
                holds = [
                    Hold(str(job.job_id), found.claimed_at)
                    for job, found in zip(group, claims, strict=True)
                    if found.claimed_at is not None
                ]
                if len(holds) != len(group):
                    sys.setprofile(None)
                    raise RuntimeError(f"{len(group) - len(holds)} jobs were not claimed to send")
                hold_jobs(session, holds)
                outcomes = [
                    JobOutcome(job, MailStatus.SENT, 1, "250 OK", claimed=True) for job in group
                ]
                record_outcomes(session, outcomes)
        sys.setprofile(None)
        spent = time.process_time() - started
        engine.dispose()
    return float(counter.calls) if calls else spent


def measured(loop: Callable[[int], None], count: int, how: str) -> float:
    """``loop(count)``'s CPU seconds (``cpu``), Python-level calls (``calls``) or, run
    under callgrind by :func:`instructions`, nothing: callgrind counts what runs within
    ``operator.call`` (``inside-callgrind``)."""
    if how == "inside-callgrind":
        operator.call(loop, count)
        return 0.0
    counter = _CallCounter()
    started = time.process_time()
    if how == "calls":
        sys.setprofile(counter)
    loop(count)
    sys.setprofile(None)
    return float(counter.calls) if how == "calls" else time.process_time() - started


def instructions(part: str, count: int) -> float:
    """The instructions ``part``'s loop of ``count`` executes, counted by callgrind in a
    process of its own (the loop alone: collected only within ``operator.call``)."""
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=_operator_call",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.sender_cpu",
            f"--part={part}",
            f"--mails={count}",
            "--rounds=1",
            "--measure=inside-callgrind",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise click.ClickException(f"callgrind said no count: {run.stderr[-500:]}")
    return float(found.group(1))


@contextmanager
def standin_thread(delay: float, tickets: bool = True) -> Iterator[tuple[str, int, Path]]:
    """The stand-in's server (one, implicit TLS) on 127.0.0.1 in a thread of its own: its
    port, and the CA file that trusts it. Without ``tickets`` it issues no TLS session
    ticket: every connection to it takes a full handshake, as a first one to a server."""
    with tempfile.TemporaryDirectory(prefix="erpmail-bench-cpu-") as place:
        authority = make_authority(Path(place) / "ca")
        certificate = issue(authority, [HOST])
        started: queue.Queue[tuple[asyncio.AbstractEventLoop, int]] = queue.Queue()
        stop = threading.Event()

        async def serve() -> None:
            loop = asyncio.get_running_loop()
            journal = _Journal(io.StringIO())
            handler = _Receiver(journal)
            context = certificate.server_context()
            if not tickets:
                context.num_tickets = 0
            server = await loop.create_server(
                lambda: standin_server(handler, journal, delay, pipelining=True, chunking=False),
                HOST,
                0,
                ssl=context,
            )
            started.put((loop, server.sockets[0].getsockname()[1]))
            while not stop.is_set():
                await asyncio.sleep(0.05)
            server.close()

        thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        thread.start()
        _loop, port = started.get(timeout=30)
        try:
            yield HOST, port, certificate.ca_file
        finally:
            stop.set()
            thread.join(timeout=10)


@contextmanager
def standin_endpoint(delay: float, tickets: bool = True) -> Iterator[SmtpEndpoint]:
    """The bench user's endpoint on a stand-in (``standin_thread``), its CA trusted and the
    TLS contexts made again for it."""
    with standin_thread(delay, tickets) as (host, port, ca_file):
        os.environ["SSL_CERT_FILE"] = str(ca_file)
        smtp_options.forget_tls_contexts()
        yield SmtpEndpoint(host, port, TlsMode.SSL, LOGIN, password_of(LOGIN))


def on_one_connection(
    loop: str, delay: float, measured: Callable[[SmtpPool, Envelope], Awaitable[float]]
) -> float:
    """``measured(pool, envelope)``'s figure, the bench's mail (``envelope``) sent through a
    pool of one connection to the stand-in, opened before (outside the measure)."""
    job = bench_job()
    envelope = Envelope(LOGIN, ("customer7@example.ee",), _message(job), crlf=True)
    with standin_endpoint(delay) as endpoint:

        async def main() -> float:
            pools = SmtpPools(size=1)
            pool = pools.get(endpoint)
            await send(pool, envelope)
            figure = await measured(pool, envelope)
            await pools.close()
            return figure

        return event_loop.run(main(), loop)


def smtp_cpu(count: int, loop: str, delay: float, calls: bool = False) -> float:
    """CPU seconds of the event loop's thread for ``count`` mails sent on one connection (or,
    with ``calls``, the Python-level calls they made)."""

    async def measured(pool: SmtpPool, envelope: Envelope) -> float:
        counter = _CallCounter() if calls else None
        started = time.thread_time()
        if counter is not None:
            sys.setprofile(counter)
        for _ in range(count):
            await send(pool, envelope)
        sys.setprofile(None)
        spent = time.thread_time() - started
        return float(counter.calls) if counter is not None else spent

    return on_one_connection(loop, delay, measured)


def smtp_grouped_cpu(count: int, loop: str, delay: float) -> float:
    """CPU seconds of the event loop's thread for ``count`` mails sent with
    :func:`workers.smtp.transaction.send` through a pool of one open connection, ``IN_LINE``
    at a time, each ready to follow the mail before (its commands written with that mail's
    message end). Same mail, server and measure as :func:`smtp_cpu`."""

    async def measured(pool: SmtpPool, envelope: Envelope) -> float:
        started = time.thread_time()
        left = count

        async def sender() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await send(pool, envelope, ready=lambda: True)

        await asyncio.gather(*(sender() for _ in range(IN_LINE)))
        spent = time.thread_time() - started
        if pool.stats.grouped < count // 2:
            raise RuntimeError(f"only {pool.stats.grouped} of {count} mails went out grouped")
        return spent

    return on_one_connection(loop, delay, measured)


def wire_cpu(count: int, loop: str, delay: float, grouped: bool) -> float:
    """CPU seconds of the event loop's thread for ``count`` mails written on an open session
    in the pattern of a pipelining transaction alone (no transaction's logic, no pool):
    MAIL, RCPT and DATA in one write, then the message in another (``wire``, as today); or,
    ``grouped``, a message's end and the next mail's MAIL, RCPT and DATA in one write, which
    RFC 2920 section 3.1 allows ("the actual transfer of message content is explicitly
    allowed to be the first 'command' in a group"): one write, one read and one round trip
    a mail fewer."""
    content = _message(bench_job())
    commands = (f"MAIL FROM:<{LOGIN}>".encode(), b"RCPT TO:<customer7@example.ee>", b"DATA")
    with standin_endpoint(delay) as endpoint:

        async def main() -> float:
            pools = SmtpPools(size=1)
            pool = pools.get(endpoint)
            connection = await pool.acquire()
            session = connection.session
            started = time.thread_time()
            if grouped:
                group = data_lines(content, crlf=True) + b".\r\n" + b"\r\n".join(commands)
                await session.commands(*commands)
                for _ in range(count - 1):
                    # (the session has no call for a group led by a message: the bench's own)
                    replies = await session._exchange(group + b"\r\n", 1 + len(commands))
                    assert [reply.code for reply in replies] == [250, 250, 250, 354], replies
                await session.message(content, crlf=True)
            else:
                for _ in range(count):
                    replies = await session.commands(*commands)
                    assert replies[-1].code == Reply.START_INPUT, replies
                    assert (await session.message(content, crlf=True)).code == Reply.OK
            spent = time.thread_time() - started
            pool.release(connection, healthy=True)
            await pools.close()
            return spent

        return event_loop.run(main(), loop)


def connect_cpu(count: int, loop: str) -> float:
    """CPU seconds of the event loop's thread for ``count`` connections opened (TLS, a full
    handshake, EHLO, AUTH) and closed (QUIT) by the pool, one at a time."""
    with standin_endpoint(0.0, tickets=False) as endpoint:
        smtp_options.tls_context(verify_certificate=True)  # made outside the measure

        async def main() -> float:
            spent = 0.0
            for _ in range(count):
                pools = SmtpPools(size=1)
                pool = pools.get(endpoint)
                started = time.thread_time()
                pool.release(await pool.acquire(), healthy=True)
                await pools.close()
                spent += time.thread_time() - started
            return spent

        return event_loop.run(main(), loop)


class _CallCounter:
    """A profile function counting calls, Python's and C's (``sys.setprofile``)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, _frame: FrameType, event: str, _arg: Any) -> None:
        if event in ("call", "c_call"):
            self.calls += 1


@click.command()
@click.option("--part", "parts", type=click.Choice(PARTS), multiple=True, help="Default: all.")
@click.option("--mails", default=2000, show_default=True, help="Loop count of each part.")
@click.option("--rounds", default=5, show_default=True)
@click.option(
    "--measure",
    type=click.Choice(["cpu", "calls", "instructions", "inside-callgrind"]),
    default="cpu",
    show_default=True,
    help="CPU µs; Python-level calls; instructions (message and notice, under callgrind: "
    "slow, one round).",
)
@click.option("--loop", default=UVLOOP, show_default=True, help="The event loop (smtp).")
@click.option("--delay-ms", default=1.0, show_default=True, help="smtp: the server's reply delay.")
def main(
    parts: tuple[str, ...], mails: int, rounds: int, measure: str, loop: str, delay_ms: float
) -> None:
    """Per mail: CPU µs, calls or instructions of the sender's parts, each run ``--mails``
    times in a loop."""
    calls = measure == "calls"
    loops = {"message": message_loop, "notice": notice_loop}
    measures: dict[str, Callable[[int], float]] = {
        **{
            part: functools.partial(measured, part_loop, how=measure)
            for part, part_loop in loops.items()
        },
        "store": lambda count: store_cpu(count, calls=calls),
        "smtp": lambda count: smtp_cpu(count, loop, delay_ms / 1000, calls),
        "smtp-grouped": lambda count: smtp_grouped_cpu(count, loop, delay_ms / 1000),
        "wire": lambda count: wire_cpu(count, loop, delay_ms / 1000, grouped=False),
        "grouped": lambda count: wire_cpu(count, loop, delay_ms / 1000, grouped=True),
        "connect": lambda count: connect_cpu(count, loop),
    }
    if measure == "inside-callgrind":
        measures[parts[0]](mails)
        return
    if measure == "instructions":
        parts = tuple(part for part in parts or PARTS if part in loops)
        rounds = 1
        measures = {part: functools.partial(instructions, part) for part in parts}
    unit = {"cpu": "µs CPU", "calls": "calls", "instructions": "instructions"}[measure]
    scale = 1e6 if measure == "cpu" else 1
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} load {os.getloadavg()[0]:.2f}, {mails} mails")
    for part in parts or PARTS:
        if calls and part not in loops and part not in ("smtp", "store"):
            continue
        figures = sorted(measures[part](mails) / mails * scale for _ in range(rounds))
        print(
            f"{part:8} {figures[0]:10.1f} {unit} per mail, the least of the rounds "
            f"(median {statistics.median(figures):.1f}, most {figures[-1]:.1f})"
        )


if __name__ == "__main__":
    main()
