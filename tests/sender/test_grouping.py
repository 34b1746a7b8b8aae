"""A message's end and the next mail's MAIL FROM, RCPT TO and DATA in one write (RFC 2920
3.1), against real servers (aiosmtpd): each way the replies can go wrong, with the mail
before, the mail after, and mails behind them.

The mails go through one pool of one connection at once (``send`` each in a task of its
own), so the second waits in line while the first is on the wire; a mail follows only when
its ``ready`` says so (the sender: its job's ``sending`` mark is committed).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlmodel import Session

from schemas.tables import MailMessage
from schemas.values import TlsMode
from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.sender.servers import Behaviour, SmtpServer
from workers.correlation import find_verp, message_id_for
from workers.sender import jobs as jobs_module
from workers.sender.job_store import Hold, hold_jobs
from workers.smtp.diagnosis import Step
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.failures import ErrorClass, Kind
from workers.smtp.pool import SmtpPools
from workers.smtp.session import Replies, SmtpSession, data_lines
from workers.smtp.transaction import Accepted, Envelope, SendFailed, send

StartServer = Callable[..., SmtpServer]
Outcome = Accepted | SendFailed | asyncio.CancelledError
During = Callable[[dict[int, asyncio.Task[Accepted]], SmtpPools], object]


def message(n: int) -> bytes:
    return (
        f"From: a@example.ee\r\nTo: r{n}@example.ee\r\nMessage-ID: <m{n}@example.ee>\r\n"
        f"Subject: mail {n}\r\n\r\nbody of mail {n}\r\n.a line with a dot\r\n"
    ).encode()


def mail(n: int) -> Envelope:
    return Envelope(f"s{n}@example.ee", (f"r{n}@example.ee",), message(n), crlf=True)


@dataclass
class Wire:
    """What the client wrote, write by write, and what each mail's hooks saw."""

    writes: list[bytes] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # mails whose ``held`` was awaited
    marked: set[int] = field(default_factory=set)  # by ``held``, or ``ready`` saying so
    # mails whose MAIL FROM was written before they were marked
    mail_before_mark: list[int] = field(default_factory=list)

    def mark(self, n: int) -> None:
        if n not in self.marked and self.wrote_mail_from(n):
            self.mail_before_mark.append(n)
        self.marked.add(n)

    def wrote_mail_from(self, n: int) -> bool:
        return any(f"MAIL FROM:<s{n}@example.ee>".encode() in w for w in self.writes)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    seen = Wire()
    write = SmtpSession._write

    def recorded(session: SmtpSession, data: bytes, *batches: int) -> list[Replies]:
        seen.writes.append(data)
        return write(session, data, *batches)

    monkeypatch.setattr(SmtpSession, "_write", recorded)
    return seen


def run(
    server: SmtpServer,
    wire: Wire,
    count: int,
    ready: Callable[[int], bool] = lambda _n: True,
    during: During | None = None,
) -> tuple[list[Outcome], SmtpPools]:
    """Send mails 0 .. count-1 at once through a pool of one connection; mail 0 goes first,
    each other one waits in line and may follow (``ready(n)``). ``during(tasks, pools)`` is
    called once they are started (a coroutine is awaited)."""
    pools = SmtpPools(size=1)
    endpoint = SmtpEndpoint("127.0.0.1", server.port, TlsMode.NONE, timeout_seconds=5)

    async def one(n: int) -> Accepted:
        async def held() -> None:
            wire.held.append(n)
            wire.mark(n)

        def is_ready() -> bool:
            answer = ready(n)
            if answer:
                wire.mark(n)
            return answer

        return await send(pools.get(endpoint), mail(n), held, ready=is_ready)

    async def main() -> list[Outcome]:
        tasks: dict[int, asyncio.Task[Accepted]] = {}
        for n in range(count):
            tasks[n] = asyncio.create_task(one(n))
            await asyncio.sleep(0)  # in line in this order
        if during is not None:
            result = during(tasks, pools)
            if asyncio.iscoroutine(result):
                await result
        outcomes: list[Outcome] = []
        for task in tasks.values():
            try:
                outcomes.append(await task)
            except (SendFailed, asyncio.CancelledError) as outcome:
                outcomes.append(outcome)
        await pools.close()
        return outcomes

    return asyncio.run(main()), pools


def cancel_once_grouped(mail: int, after: float = 0.0) -> During:
    """A ``during`` of :func:`run`: ``mail``'s task cancelled once a mail went out grouped
    (and ``after`` seconds more)."""

    async def during(tasks: dict[int, asyncio.Task[Accepted]], pools: SmtpPools) -> None:
        while not pools.stats.grouped:
            await asyncio.sleep(0.01)
        await asyncio.sleep(after)
        tasks[mail].cancel()

    return during


def received(server: SmtpServer) -> list[tuple[str, list[str], bytes]]:
    """Each mail the server accepted: its envelope and message, in order."""
    return [(r.mail_from, r.recipients, r.data) for r in server.received]


def delivered(*numbers: int) -> list[tuple[str, list[str], bytes]]:
    return [(f"s{n}@example.ee", [f"r{n}@example.ee"], message(n)) for n in numbers]


def commands(n: int) -> bytes:
    return b"MAIL FROM:<s%d@example.ee> SIZE=%d\r\nRCPT TO:<r%d@example.ee>\r\nDATA\r\n" % (
        n,
        len(message(n)),
        n,
    )


def end(n: int) -> bytes:
    return data_lines(message(n), crlf=True) + b".\r\n"


def test_the_next_mails_commands_go_out_with_the_message_end(
    smtp_server: StartServer, wire: Wire
) -> None:
    server = smtp_server()
    outcomes, pools = run(server, wire, 3)
    assert all(isinstance(outcome, Accepted) for outcome in outcomes)
    assert received(server) == delivered(0, 1, 2)
    assert wire.writes == [
        commands(0),
        end(0) + commands(1),
        end(1) + commands(2),
        end(2),
        b"QUIT\r\n",
    ]
    assert pools.stats.connects == 1
    assert pools.stats.grouped == 2
    assert wire.mail_before_mark == []  # the followers' marks were in (``ready``)
    assert wire.held == [0, 1, 2]  # a follower's as its message is about to go


def test_a_mail_not_yet_marked_is_not_grouped_and_its_mark_comes_first(
    smtp_server: StartServer, wire: Wire
) -> None:
    """Mail 1's job's ``sending`` mark is not committed yet: nothing of it is written until
    its own turn, after the mark, as without grouping; mail 2 then follows it."""
    server = smtp_server()
    outcomes, pools = run(server, wire, 3, ready=lambda n: n != 1)
    assert all(isinstance(outcome, Accepted) for outcome in outcomes)
    assert received(server) == delivered(0, 1, 2)
    assert wire.held == [0, 1, 2]
    assert wire.mail_before_mark == []
    assert wire.writes[:3] == [commands(0), end(0), commands(1)]
    assert pools.stats.grouped == 1


@pytest.mark.parametrize(
    ("reply", "kind", "error_class"),
    [
        ("554 5.7.1 Message rejected as spam", Kind.PERMANENT, ErrorClass.REJECTED),
        ("451 4.3.0 Try again later", Kind.TRANSIENT, ErrorClass.DEFERRED),
    ],
)
def test_a_refused_message_end_fails_its_mail_alone(
    smtp_server: StartServer, wire: Wire, reply: str, kind: Kind, error_class: ErrorClass
) -> None:
    """The first mail's end of data refused: the next mail's transaction is under way on the
    connection already, so no RSET is written (it would be read as the next message's text
    or end its transaction); the server ended the refused one itself."""
    server = smtp_server(Behaviour(data_replies={1: reply}))
    outcomes, pools = run(server, wire, 3)
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert (failed.failure.kind, failed.failure.error_class) == (kind, error_class)
    assert failed.failure.step == Step.DATA
    assert isinstance(outcomes[1], Accepted) and isinstance(outcomes[2], Accepted)
    assert received(server) == delivered(1, 2)
    assert not any(b"RSET" in w for w in wire.writes)
    assert pools.stats.connects == 1


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(refuse_senders={"s1@example.ee": "553 5.7.1 Sender address rejected"}),
        Behaviour(refuse={"r1@example.ee": "550 5.1.1 User unknown"}),
    ],
    ids=["mail-from", "rcpt-to"],
)
def test_the_next_mail_refused_while_the_first_is_answered(
    smtp_server: StartServer, wire: Wire, behaviour: Behaviour
) -> None:
    """Mail 1's MAIL FROM or its only RCPT TO refused, written behind mail 0's end: mail 0
    is delivered, mail 1 fails on its own reply, and the connection goes on to mail 2."""
    server = smtp_server(behaviour)
    outcomes, pools = run(server, wire, 3)
    assert isinstance(outcomes[0], Accepted)
    failed = outcomes[1]
    assert isinstance(failed, SendFailed) and failed.failure.permanent
    assert failed.failure.step in (Step.MAIL_FROM, Step.RCPT_TO)
    assert isinstance(outcomes[2], Accepted)
    assert received(server) == delivered(0, 2)
    assert pools.stats.connects == 1


@pytest.mark.parametrize(
    ("first_reply", "delivered_then"),
    [(None, (0, 1)), ("421 4.3.2 Shutting down", (1,))],
    ids=["250", "421"],
)
def test_the_server_closing_after_the_first_reply_sends_the_next_on_a_new_connection(
    smtp_server: StartServer, wire: Wire, first_reply: str | None, delivered_then: tuple[int]
) -> None:
    """The server answers mail 0's end of data (250, or 421: it is closing) and closes
    without a word on mail 1's commands: mail 0's outcome is its reply (sent, or failed for
    now), read before the connection went; mail 1, of which nothing but commands was
    written, goes on a new connection, as after a stale pooled one."""
    replies = {1: first_reply} if first_reply else {}
    server = smtp_server(Behaviour(data_replies=replies, close_after=frozenset({1})))
    outcomes, pools = run(server, wire, 2)
    first = outcomes[0]
    if first_reply is None:
        assert isinstance(first, Accepted)
    else:
        assert isinstance(first, SendFailed) and not first.failure.permanent
        assert first.failure.error_class == ErrorClass.CONNECTION
    assert isinstance(outcomes[1], Accepted)
    assert received(server) == delivered(*delivered_then)
    assert pools.stats.connects == 2


def test_a_lost_reply_to_the_message_end_is_never_a_send(
    smtp_server: StartServer, wire: Wire
) -> None:
    """The connection drops before mail 0's reply to its end of data: mail 0 may or may not
    be delivered, and fails as without grouping (transient, at DATA: retried, and a dead
    letter says it may have been delivered); mail 1 had only its commands written."""
    server = smtp_server(Behaviour(drop_first=1))
    outcomes, _pools = run(server, wire, 2)
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert failed.failure.step == Step.DATA
    assert failed.failure.error_class == ErrorClass.CONNECTION
    assert not failed.failure.permanent
    assert isinstance(outcomes[1], Accepted)
    assert received(server) == delivered(1)


def test_a_follower_cancelled_before_it_takes_the_connection(
    smtp_server: StartServer, wire: Wire
) -> None:
    """Mail 1's commands are written behind mail 0's end, and its task is cancelled (a
    stopping worker) before it runs: the server will answer its DATA with 354, which only
    closing the connection abandons. The connection is not handed to mail 2 (whose commands
    would be read as mail 1's message) and is closed only after mail 0's reply is in."""
    server = smtp_server()
    loop_tasks: dict[int, asyncio.Task[Accepted]] = {}

    def ready(n: int) -> bool:
        if n == 1:  # cancelled just after its commands are written, before its task runs
            asyncio.get_running_loop().call_soon(loop_tasks[1].cancel)
        return n == 1

    def keep(tasks: dict[int, asyncio.Task[Accepted]], _pools: SmtpPools) -> None:
        loop_tasks.update(tasks)

    outcomes, pools = run(server, wire, 3, ready=ready, during=keep)
    assert isinstance(outcomes[0], Accepted)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert isinstance(outcomes[2], Accepted)
    assert received(server) == delivered(0, 2)
    assert pools.stats.grouped == 1
    assert pools.stats.connects == 2


def test_a_follower_cancelled_while_the_first_mails_reply_is_awaited(
    smtp_server: StartServer, wire: Wire
) -> None:
    """Mail 1 took the connection and waits for its replies, behind mail 0's slow reply to
    its end of data, when it is cancelled: the connection is closed once mail 1's replies
    are in, not before, so mail 0 still reads its own; mail 1's message is never written."""
    server = smtp_server(Behaviour(stall_seconds=0.5, stall_first=1))
    # (after mail 1's task has run and waits for its replies)
    outcomes, _pools = run(server, wire, 2, during=cancel_once_grouped(1, after=0.05))
    assert isinstance(outcomes[0], Accepted)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert received(server) == delivered(0)
    assert wire.writes == [commands(0), end(0) + commands(1)]  # and closed: no QUIT


def test_a_server_without_pipelining_gets_no_group(smtp_server: StartServer, wire: Wire) -> None:
    server = smtp_server(pipelining=False)
    outcomes, pools = run(server, wire, 3)
    assert all(isinstance(outcome, Accepted) for outcome in outcomes)
    assert received(server) == delivered(0, 1, 2)
    assert pools.stats.grouped == 0
    assert not any(b"\r\n.\r\nMAIL FROM" in w for w in wire.writes)


def test_the_first_mail_cancelled_after_passing_the_connection_on(
    smtp_server: StartServer, wire: Wire
) -> None:
    """Mail 0 wrote its message with mail 1's commands and is cancelled while its reply is
    awaited: its reply is still taken off the line, so mail 1 reads its own three (a reader
    that dropped the cancelled batch would give mail 1 mail 0's 250 for its DATA, and mail 1
    would count as sent with its message never written)."""
    server = smtp_server(Behaviour(stall_seconds=0.5, stall_first=1))
    outcomes, pools = run(server, wire, 2, during=cancel_once_grouped(0))
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert isinstance(outcomes[1], Accepted)
    assert received(server) == delivered(0, 1)  # mail 0's was whole: the server took it
    assert pools.stats.connects == 1


# -- the worker: jobs of one user through one connection ----------------------------------


def test_the_worker_groups_mails_whose_sending_mark_is_in_and_sends_each_once(
    make_harness: Callable[..., Harness],
    smtp_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Jobs of one user wait in the line of a pool of one connection; each mail whose job is
    marked ``sending`` as it nears its turn may follow the one before. Every other mark is
    slow to commit (past the mail before's 354). Every MAIL FROM the server reads is of a
    job whose row says ``sending`` already (the order a crash relies on), every job is sent
    once, and some went out grouped.

    No race decides the grouping: the server answers each MAIL FROM (and so the 354 after
    which the mail before writes its message) only once the mark of the mail now first in
    line is in on the worker's loop, or is a slow one, which it does not wait for."""
    calls = itertools.count()
    gate = threading.Condition()
    started: list[str] = []  # the jobs whose mark began as they neared their turn, in order
    done: set[str] = set()  # ... whose mark is in, seen from the worker's loop
    slow: set[str] = set()  # ... whose mark is one of the slow ones
    mails = itertools.count(1)

    def hold_slowly(session: Session, holds: list[Hold]) -> list[Hold | None]:
        if next(calls) % 2:
            with gate:
                slow.update(hold.job_id for hold in holds)
                gate.notify_all()
            time.sleep(0.15)
        return hold_jobs(session, holds)

    hold_early = jobs_module.JobHandler._hold_early

    def hold_early_seen(handler: jobs_module.JobHandler, unheld: jobs_module._Unheld) -> None:
        first = unheld.early is None
        hold_early(handler, unheld)
        if first and unheld.early is not None:
            job_id = unheld.claim.job_id

            def seen(_mark: object) -> None:
                with gate:
                    done.add(job_id)
                    gate.notify_all()

            with gate:
                started.append(job_id)
            unheld.early.add_done_callback(seen)

    monkeypatch.setattr(jobs_module, "hold_jobs", hold_slowly)
    monkeypatch.setattr(jobs_module.JobHandler, "_hold_early", hold_early_seen)
    server = smtp_server(Behaviour(stall_seconds=0.05))  # mails wait in line meanwhile
    harness = make_harness(server.port, smtp_pool_size=1, sender_concurrency=20)
    jobs = [make_job(subject=f"Arve {n}") for n in range(16)]
    marks: list[str] = []  # each job's row status when its MAIL FROM came

    def next_mark_in(mail: int) -> bool:
        # the first mail takes the connection at once: the n-th MAIL FROM's follower is the
        # one whose mark began n-th (the last mail has none)
        return len(started) >= min(mail, len(jobs) - 1) and all(
            job_id in done or job_id in slow for job_id in started
        )

    def on_mail(address: str) -> None:
        mail = next(mails)
        with gate:  # (a deadline, not a pause: a worker that never marks fails below)
            gate.wait_for(functools.partial(next_mark_in, mail), timeout=10)
        found = find_verp(address)
        assert found is not None
        with Session(harness.engine) as session:
            row = session.get(MailMessage, found.job_id)
            marks.append(str(row.status) if row is not None else "none")

    server.on_mail = on_mail
    harness.publish_jobs(jobs)
    worker = harness.run_until(lambda: list(harness.statuses().values()) == ["sent"] * 16)

    assert sorted(server.message_id_counts()) == sorted(
        message_id_for(job["job_id"], "events.erpmail.test") for job in jobs
    )
    assert set(server.message_id_counts().values()) == {1}
    assert marks == ["sending"] * 16
    assert worker.pools.stats.grouped > 0
