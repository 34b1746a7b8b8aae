"""Pooled SMTP connections, one bounded pool per configuration (``SmtpEndpoint.pool_key``).

A connection is opened by aiosmtplib (TLS per the endpoint's mode, EHLO, login when a
username is set) the first time it is needed, then written through a
:class:`~workers.smtp.session.SmtpSession`; it is reused for later mails and replaced
when the server has closed it. At
most ``size`` connections per configuration exist at once; a caller beyond that waits.
After a failed connection attempt no other is made to that server for a short while: the
callers in between fail at once with the same error (and go to the retry queues), so that a
server that is down is not hammered by every job in flight.

A mail about to write its message may pass its connection on at once to a mail waiting in
line whose commands can go out behind its message's end (:meth:`SmtpPool.pass_on`, RFC 2920
3.1): the waiting mail is lent the connection with its replies on the way
(``Connection.pending``); the mail that passed it on reads its own reply and is done with it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import aiosmtplib

from workers.logging import get_logger
from workers.smtp.auth import login
from workers.smtp.client import SmtpClient
from workers.smtp.diagnosis import Step
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.options import Server, SharedTlsContext, TimedSSLObject, smtp_client_options
from workers.smtp.session import Replies, SmtpSession

MAX_MESSAGES_PER_CONNECTION = 1000
CONNECT_FAILURE_HOLD = 2.0  # seconds after a failed connect during which none is tried again
IDLE_SECONDS = 60.0  # an idle connection unused this long is closed by :meth:`SmtpPools.sweep`
OPEN_TO_MAIL_PRIOR = 2.5  # opening a connection ÷ a mail on one, until both are measured
AVERAGE_WEIGHT = 0.2  # of the newest measurement in the moving averages of the pool
LOAD_TICK = 0.1  # seconds between two looks of LoopLoad.watch
LOAD_WEIGHT = 0.5  # of the newest look: a burst saturates the loop within a few ticks
COST_MEMORY = 0.98  # of the loop's past ticks kept at each new one (LoopLoad's fit)
TELLS_APART = 0.01  # the fit's least 1 − r² of mails and openings per tick to be believed
MAX_WAIT = 60.0  # seconds in line past which a connection is opened whatever it costs


class ConnectFailed(Exception):
    """Opening or logging in to a connection failed; ``step`` says which."""

    def __init__(self, step: Step, error: BaseException) -> None:
        self.step = step
        self.error = error
        super().__init__(f"{step}: {error!r}")


@dataclass(eq=False)  # each one itself: the pool keeps them in a set
class Connection:
    session: SmtpSession
    sent: int = 0
    reused: bool = False
    idle_since: float = 0.0
    lent_at: float = 0.0
    # its server had a connection before: one that gets connections again, whose TLS session
    # is worth taking as this one closes (SharedTlsContext.connects)
    again: bool = False
    # lent with its borrower's commands already written (SmtpPool.pass_on): their replies
    pending: Replies | None = None

    @property
    def usable(self) -> bool:
        return self.session.is_open and self.sent < MAX_MESSAGES_PER_CONNECTION


class LoopLoad:
    """How much of the time the event loop's thread wants the CPU: running, or ready to run
    and waiting for a core (Linux schedstat; where that cannot be read, running alone), and
    what the loop's CPU goes on: per mail sent and per connection opened, fitted to what
    each tick of the loop used (least squares over the recent ticks).

    The loop is taken as one queue (M/M/1) at the load it measures, holding at most the
    mails in flight (a closed population): a mail's turns on it take its CPU stretched by
    the waits for a core, divided by 1 − ρ (:meth:`on_loop`); work added to it, a new
    connection's handshake, holds the others up by ρ/(1−ρ)² times that work (the delay one
    job's work causes the others in M/M/1, its congestion cost), which grows without a
    step towards every mail in flight as the loop nears saturation (:meth:`held`). Both are
    worked out at each look's load and then averaged; :meth:`SmtpPool._worth_opening`
    weighs a new connection's handshake so."""

    def __init__(self) -> None:
        self.busy = 0.0  # moving average of the share (ρ); 0 until watched
        self.running = 0.0  # moving average of the share it ran (busy, less its waits)
        self._queued = 0.0  # moving averages of queued() and held() at each look's load
        self._held = 0.0
        self.mails = 0  # mails given back to the pools, counted by them
        self.opens = 0  # connections opened, counted by the pools
        self.in_flight = 0  # mails in every pool: at work, or in line for a connection
        self.open_cpu: float | None = None  # loop CPU seconds a connection costs; None: unknown
        self.handshake_cpu: float | None = None  # of a TLS handshake, measured where spent
        self.mail_cpu = 0.0  # loop CPU seconds a mail costs (0 until fitted)
        # decayed sums of the fit cpu = a·mails + b·opens over the ticks
        self._sums = [0.0] * 5  # mm, mo, oo, mc, oc

    @property
    def stretch(self) -> float:
        """Seconds the loop's thread wants the CPU per second it gets it: a second of its
        CPU occupies the loop that much longer while other processes hold the cores."""
        if self.running <= 0.0:
            return 1.0
        return max(1.0, self.busy / self.running)

    def queued(self) -> float:
        """Mails a turn on the loop finds ahead of it: ρ/(1−ρ) (M/M/1) at each look's load,
        at most every mail in flight, averaged over the looks."""
        return min(self._queued, float(max(self.in_flight, 1)))

    def held(self) -> float:
        """Mails that one more second of the loop's demand holds up by a second: none on an
        idle loop, ρ/(1−ρ)² at load ρ (the delay that work causes the others, summed), and
        every mail in flight, at work or in line, as the loop nears saturation; averaged
        over the looks, each at its own load."""
        return min(self._held, float(max(self.in_flight, 1)))

    def opening_cost(self, connect_seconds: float) -> float:
        """Seconds of the mails' time a new connection's CPU costs them: its loop CPU
        (:meth:`opening_cpu`), stretched by the waits for a core, times the mails it holds
        up; until fitted, the whole ``connect_seconds`` it takes to open (already wall
        time)."""
        cpu = self.opening_cpu()
        demand = connect_seconds if cpu is None else cpu * self.stretch
        return demand * self.held()

    async def watch(self) -> None:
        """Measure every ``LOAD_TICK`` seconds, until cancelled (run on the loop's thread)."""
        loop = asyncio.get_running_loop()
        last, at = _thread_times(), loop.time()
        mails, opens = self.mails, self.opens
        while True:
            await asyncio.sleep(LOAD_TICK)
            times, now = _thread_times(), loop.time()
            if now > at:
                self.note_shares(
                    (times.demand - last.demand) / (now - at), (times.ran - last.ran) / (now - at)
                )
            self.note_tick(times.ran - last.ran, self.mails - mails, self.opens - opens)
            last, at = times, now
            mails, opens = self.mails, self.opens

    def note_shares(self, demand: float, ran: float) -> None:
        """One look: the share of the time since the last the thread wanted the CPU, and the
        share it ran (clipped to 1: a look can end late)."""
        rho = min(1.0, max(demand, 0.0))
        self.busy += LOAD_WEIGHT * (rho - self.busy)
        self.running += LOAD_WEIGHT * (min(1.0, ran) - self.running)
        # the queue's formulas applied to each look's load, then averaged, not to the
        # averaged load: a burst's load comes in spells of saturation and gaps, and the
        # formulas, convex in ρ, read its average low (a look at 1.0 holds every mail in
        # flight, one at 0.76 a dozen; their average load, 0.88, holds 61)
        everyone = float(max(self.in_flight, 1))
        self._queued += LOAD_WEIGHT * (_bounded(rho, 1, everyone) - self._queued)
        self._held += LOAD_WEIGHT * (_bounded(rho, 2, everyone) - self._held)

    def note_tick(self, cpu: float, mails: int, opens: int) -> None:
        """One tick's CPU on the loop's thread and the mails and openings in it: the fit of
        the CPU a connection costs beyond the mails' moves (mails alone, or openings alone,
        cannot tell the two apart: it waits for ticks of both kinds)."""
        sums = [total * COST_MEMORY for total in self._sums]
        for index, value in enumerate(
            (mails * mails, mails * opens, opens * opens, mails * cpu, opens * cpu)
        ):
            sums[index] += value
        self._sums = sums
        mm, mo, oo, mc, oc = sums
        determinant = mm * oo - mo * mo
        if mm * oo > 0 and determinant > TELLS_APART * mm * oo:
            self.open_cpu = max(0.0, (mm * oc - mo * mc) / determinant)
            self.mail_cpu = max(0.0, (oo * mc - mo * oc) / determinant)

    def note_handshake(self, cpu: float) -> None:
        """A connection's TLS handshake took ``cpu`` seconds of the loop's thread."""
        self.handshake_cpu = _average(self.handshake_cpu, cpu)

    def opening_cpu(self) -> float | None:
        """Loop CPU seconds a connection costs: the fit's, but never less than its TLS
        handshake measured. The fit counts an opening in the tick it ends, several ticks
        after the handshake's CPU was spent when the loop is busy (each round trip of TLS,
        EHLO and AUTH waits a turn of a full loop), and so reads it low just when it
        matters. None: not fitted yet (the caller charges the whole opening time)."""
        if self.open_cpu is None:
            return None
        return max(self.open_cpu, self.handshake_cpu or 0.0)

    def fit(self) -> dict[str, float | None]:
        """What the loop measures, as logged: its load, a mail's and a connection's CPU."""
        return {
            "loop_busy": self.busy,
            "loop_stretch": self.stretch,
            "mail_cpu": self.mail_cpu,
            "open_cpu": self.open_cpu,
            "handshake_cpu": self.handshake_cpu,
        }

    def on_loop(self) -> float:
        """Seconds of a mail's time on a connection spent on the loop: its own CPU, stretched
        by the waits for a core, over 1 − ρ (the mails it queues behind at this load).
        Another connection overlaps only the rest (the server's replies): a pool whose mails
        are all loop time gains nothing by it."""
        return self.mail_cpu * self.stretch * (1.0 + self.queued())


def _bounded(rho: float, power: int, everyone: float) -> float:
    """min(everyone, ρ/(1−ρ)^power), continuous up to ρ = 1 (no division by 0)."""
    spare = (1.0 - rho) ** power
    if rho >= everyone * spare:
        return everyone
    return rho / spare


class _ThreadTimes(NamedTuple):
    ran: float  # seconds this thread has run
    demand: float  # and waited on a run queue besides


def _thread_times() -> _ThreadTimes:
    """This thread's run time and its demand (run + waited for a core; run alone where
    schedstat is not there)."""
    try:
        ran, waited = Path("/proc/thread-self/schedstat").read_text().split()[:2]
        return _ThreadTimes(int(ran) / 1e9, (int(ran) + int(waited)) / 1e9)
    except (OSError, ValueError):
        ran_alone = time.thread_time()
        return _ThreadTimes(ran_alone, ran_alone)


@dataclass(frozen=True)
class Follower:
    """What a mail waiting in line gives the pool so that another mail's message end can
    carry its commands (:meth:`SmtpPool.pass_on`)."""

    # its command lines on that session; None: they cannot go out there (it fails on its own)
    commands: Callable[[SmtpSession], Sequence[bytes] | None]
    # True when its commands may be written now (its job's ``sending`` mark is committed);
    # they are written at once then
    ready: Callable[[], bool]


@dataclass
class PoolStats:
    connects: int = 0  # connection attempts, successful or not
    connect_failures: int = 0
    tls_resumed: int = 0  # connections whose TLS session was resumed (no certificate check)
    opened: int = 0  # connections opened (and logged in, when the endpoint has a username)
    reused: int = 0  # mails lent a connection that had carried a mail before
    grouped: int = 0  # mails whose commands went out behind another mail's message end


class SmtpPool:
    """At most ``size`` connections to one endpoint, reused across mails.

    A mail takes the warmest idle connection (the one released last: its server's session
    is the least likely to have timed out). With none idle it waits for one to come back,
    unless waiting costs the line more than opening one does (:meth:`_worth_opening`): the
    time a new connection would spare the mails in line, from the times this pool measures
    (a mail on a connection, opening one) and the line's length, against the CPU its
    handshake takes from the mails at work, from what the loop measures (:class:`LoopLoad`).
    So a configuration whose server replies slowly gets connections while the loop has
    CPU to spare, and one whose mails are all loop time does not, and more concurrency
    does not mean more handshakes where they would not pay. Connections stay open (warm)
    for ``IDLE_SECONDS`` after their last mail (:meth:`SmtpPools.sweep`).
    """

    def __init__(
        self,
        endpoint: SmtpEndpoint,
        size: int,
        stats: PoolStats,
        cafile: str | None = None,
        local_hostname: str | None = None,
        load: LoopLoad | None = None,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.endpoint = endpoint
        self._server: Server = (endpoint.host, endpoint.port)  # what its TLS sessions are for
        self._max_wait = max_wait
        self._load = load or LoopLoad()
        self._size = size
        self._open_count = 0  # open, opening or lent: counted against ``size``
        self._lent = 0
        self._opening = 0
        self._idle: deque[Connection] = deque()
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
        # callers waiting behind the first ``size`` in line, told when they reach it (acquire)
        self._near: dict[asyncio.Future[Connection | None], Callable[[], None]] = {}
        # callers waiting whose commands another mail's message end may carry (pass_on)
        self._followers: dict[asyncio.Future[Connection | None], Follower] = {}
        self._mail_seconds: float | None = None  # how long a mail holds a connection
        self._connect_seconds: float | None = None  # how long opening one takes
        self._stats = stats
        self._cafile = cafile
        self._local_hostname = local_hostname
        self._failed_until = 0.0
        self._last_failure: ConnectFailed | None = None
        self._connections: set[Connection] = set()  # open and logged in, idle or lent
        self._log = get_logger(smtp_host=endpoint.host, smtp_port=endpoint.port)

    async def acquire(
        self,
        fresh: bool = False,
        near: Callable[[], None] | None = None,
        follower: Follower | None = None,
    ) -> Connection:
        """A connection for one mail; give it back with :meth:`release`. ``fresh``: a new
        one when the pool has room (an idle one turned out stale). ``near`` is called once
        if the caller has to wait, when it is among the first ``size`` in line (the next to
        be served, while the mails ahead are on the wire): not when a connection is lent at
        once. ``follower``: while the caller waits, another mail may write its commands and
        pass it the connection (:meth:`pass_on`); then ``Connection.pending`` holds their
        replies."""
        self._load.in_flight += 1  # until released
        try:
            return await self._acquire(fresh, near, follower)
        except BaseException:
            self._load.in_flight -= 1
            raise

    async def _acquire(
        self, fresh: bool, near: Callable[[], None] | None, follower: Follower | None
    ) -> Connection:
        loop = asyncio.get_running_loop()
        must_open = fresh
        while True:
            while self._idle and not fresh:
                connection = self._idle.pop()
                if connection.usable:
                    return self._lend(connection, loop.time(), reused=True)
                self._retire(connection)
                await _close(connection)
            if self._open_count < self._size and (must_open or self._worth_opening()):
                return await self._open_counted(loop)
            waiter: asyncio.Future[Connection | None] = loop.create_future()
            self._waiters.append(waiter)
            if follower is not None:
                self._followers[waiter] = follower
            if near is not None:
                self._near[waiter] = near
                near = None
                self._tell_head()
            try:
                handed = await waiter
            except asyncio.CancelledError:
                self._near.pop(waiter, None)
                self._followers.pop(waiter, None)
                self._forget_waiter(waiter)
                raise
            self._followers.pop(waiter, None)
            if handed is not None:
                return self._lend(handed, loop.time(), reused=True)
            must_open = True  # a place was freed for this caller

    def release(self, connection: Connection, healthy: bool) -> None:
        """Return ``connection``; an unhealthy one (error mid-conversation) is closed
        (:meth:`_drop`)."""
        now = self._returned(connection)
        if healthy and connection.usable:
            connection.idle_since = now
            if not self._hand_over(connection):
                self._idle.append(connection)
            return
        self._drop(connection)

    def pass_on(self, connection: Connection, write: Callable[[Sequence[bytes]], Replies]) -> bool:
        """Lend ``connection``, whose mail is about to write its message, to the first mail
        in line that is ready to follow it: ``write`` writes that mail's command lines behind
        the message's end (in the same write) and gives the future of their replies, which
        the follower finds in ``Connection.pending``. The caller's mail is done with the
        connection (it only reads its reply to the message); False, nothing written: no mail
        in line can follow now, and none is waited for. Only among the first ``size`` in
        line: those whose ``sending`` mark was started as they neared their turn."""
        if not self._followers or not connection.session.is_open:
            return False
        if connection.sent + 1 >= MAX_MESSAGES_PER_CONNECTION:
            return False  # the caller's mail is its last: it closes after it
        for waiter in itertools.islice(self._waiters, self._size):
            follower = self._followers.get(waiter)
            if follower is None or waiter.done():
                continue
            lines = follower.commands(connection.session)
            if lines is None or not follower.ready():
                continue
            connection.pending = write(lines)  # (should it raise, the line is as it was)
            self._waiters.remove(waiter)
            self._followers.pop(waiter, None)
            self._near.pop(waiter, None)
            self._returned(connection)
            self._stats.grouped += 1
            waiter.set_result(connection)
            self._tell_head()
            return True
        return False

    def _returned(self, connection: Connection) -> float:
        """A mail is done with ``connection``: counted, and its time on it measured. Now."""
        now = asyncio.get_running_loop().time()
        self._lent -= 1
        self._load.in_flight -= 1
        self._load.mails += 1
        self._mail_seconds = _average(self._mail_seconds, now - connection.lent_at)
        return now

    async def close_idle(self, older_than: float) -> None:
        """Close the idle connections last used at or before ``older_than`` (loop time).
        At, too: uvloop's clock ticks in milliseconds, so a connection released in the same
        tick as ``sweep(0)`` reads as idle for no time and must still count as idle."""
        stale = [c for c in self._idle if c.idle_since <= older_than]
        self._idle = deque(c for c in self._idle if c.idle_since > older_than)
        for connection in stale:
            self._retire(connection)
            await _close(connection)

    @property
    def stats(self) -> PoolStats:
        """The counts of this pool (shared with the other pools of its :class:`SmtpPools`)."""
        return self._stats

    @property
    def unused(self) -> bool:
        return self._open_count == 0 and not self._waiters

    @property
    def open_count(self) -> int:
        """Connections open, opening or lent."""
        return self._open_count

    def _worth_opening(self) -> bool:
        """Whether waiting for a connection at work costs the line more than opening one.

        Waiting: the line (the mails waiting and this one) is carried by the connections at
        work, one mail each per measured mail time. A new connection, ready after the
        measured time to open one, carries its share of the mails still in line by then;
        the time it spares them, added up, is what opening is worth. Only the part of a
        mail's time spent away from the loop (on the server's replies) is overlapped by
        another connection: the loop's part is not (:meth:`LoopLoad.on_loop`). Opening costs
        the CPU of a handshake, which holds up as many mails as the loop's load says
        (:meth:`LoopLoad.opening_cost`: a few on a loop with CPU to spare, all in flight on
        one without, and no step between). Past ``max_wait`` in line a connection is opened
        whatever it costs: a job waiting that long would outlive its claim."""
        at_work = self._lent + self._opening
        if at_work == 0:
            return True  # nothing would ever come back to wait for
        connect = self._connect_seconds
        mail = self._mail_seconds
        if mail is None:  # nothing measured yet: a TLS + AUTH opening is about 5 round
            # trips, a pipelined mail 2
            mail = (connect or 1.0) / OPEN_TO_MAIL_PRIOR
        if connect is None:
            connect = mail * OPEN_TO_MAIL_PRIOR
        line = len(self._waiters) + 1
        if line * mail / at_work > self._max_wait:
            return True
        left = line - at_work * connect / mail  # still in line once a new one is open
        away = mail - self._load.on_loop()
        if left <= 0 or away <= 0:
            return self._weighed(False, line, at_work)
        # the k-th of them starts k·mail/(n+1) in instead of k·mail/n: spared k·away/(n(n+1))
        spared = left * (left + 1) / 2 * away / (at_work * (at_work + 1))
        cost = self._load.opening_cost(connect)
        return self._weighed(spared > cost, line, at_work, spared=spared, cost=cost)

    def _weighed(self, opens: bool, line: int, at_work: int, **estimate: float) -> bool:
        """``opens``, the decision, logged at debug with the pool's fields and the loop's
        fitted CPU (job-independent: the pool's, whichever job asked)."""
        if self._log.is_enabled_for(logging.DEBUG):
            self._log.debug(
                "pool_weighed_opening",
                opens=opens,
                line=line,
                at_work=at_work,
                size=self._size,
                open=self._open_count,
                idle=len(self._idle),
                mail_seconds=self._mail_seconds,
                connect_seconds=self._connect_seconds,
                **estimate,
                **self._load.fit(),
            )
        return opens

    def _lend(self, connection: Connection, now: float, reused: bool) -> Connection:
        self._lent += 1
        connection.lent_at = now
        connection.reused = reused
        self._stats.reused += reused
        return connection

    def _hand_over(self, connection: Connection | None) -> bool:
        """Give ``connection`` (or, ``None``, a free place) to the first caller waiting."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                self._tell_head()
                return True
        return False

    def _tell_head(self) -> None:
        """Call ``near`` of the waiters now among the first ``size`` in line."""
        if not self._near:
            return
        for waiter in itertools.islice(self._waiters, self._size):
            near = self._near.pop(waiter, None)
            if near is not None:
                near()

    def _forget_waiter(self, waiter: asyncio.Future[Connection | None]) -> None:
        """A waiting caller was cancelled: what was handed to it goes to the next."""
        if waiter in self._waiters:
            self._waiters.remove(waiter)
            self._tell_head()
            return
        if waiter.done() and not waiter.cancelled():
            handed = waiter.result()
            if handed is None:
                self._hand_over(None)
            elif handed.pending is not None:  # its transaction is under way there
                handed.pending = None
                self._drop(handed)
            elif not self._hand_over(handed):
                self._idle.append(handed)

    def _drop(self, connection: Connection) -> None:
        """Close ``connection`` and give its place to the next in line. Closed once the
        replies awaited on it are in (at once when none is, nearly always): a mail cancelled
        while its commands, written behind another mail's message end (:meth:`pass_on`),
        were unanswered leaves the mail before it its own reply, and a DATA the server
        answers 354 is abandoned the only way it can be, by closing (an empty message would
        be a mail)."""
        self._retire(connection)
        connection.session.close_when_answered()
        self._hand_over(None)

    async def _open_counted(self, loop: asyncio.AbstractEventLoop) -> Connection:
        self._open_count += 1
        self._opening += 1
        started = loop.time()
        try:
            connection = await self._open()
        except BaseException:
            self._open_count -= 1
            self._hand_over(None)  # a waiter may try in its place (or fail as fast)
            raise
        finally:
            self._opening -= 1
        now = loop.time()
        self._connect_seconds = _average(self._connect_seconds, now - started)
        self._connections.add(connection)
        return self._lend(connection, now, reused=False)

    async def _open(self) -> Connection:
        now = asyncio.get_running_loop().time()
        if self._last_failure is not None and now < self._failed_until:
            raise ConnectFailed(self._last_failure.step, self._last_failure.error)
        try:
            return await self._connect()
        except ConnectFailed as failed:
            if failed.step == Step.CONNECT:
                self._last_failure = failed
                self._failed_until = now + CONNECT_FAILURE_HOLD
            raise

    async def _connect(self) -> Connection:
        self._stats.connects += 1
        options = smtp_client_options(self.endpoint, self._cafile)
        options["local_hostname"] = self._local_hostname or await _this_host()
        context = options.get("tls_context")
        shared = context if isinstance(context, SharedTlsContext) else None
        again = shared is not None and shared.connects(*self._server)
        offered = shared is not None and self._offer_tls_session(shared)
        smtp = SmtpClient(**options)
        try:
            with shared.offering(*self._server) if shared is not None else nullcontext():
                await smtp.connect()  # and STARTTLS
            await _greet(smtp)
        except BaseException as error:
            self._stats.connect_failures += 1
            smtp.close()
            raise ConnectFailed(Step.CONNECT, error) from error
        if self.endpoint.username:
            try:
                await login(smtp, self.endpoint.username, self.endpoint.password or "")
            except BaseException as error:
                self._stats.connect_failures += 1
                smtp.close()
                raise ConnectFailed(Step.AUTH, error) from error
        if shared is not None:
            self._count_resumed(smtp, shared, offered)
        try:
            connection = Connection(SmtpSession.take_over(smtp), again=again)
        except aiosmtplib.SMTPServerDisconnected as error:
            self._stats.connect_failures += 1
            raise ConnectFailed(Step.CONNECT, error) from error
        self._stats.opened += 1
        self._load.opens += 1
        return connection

    def _offer_tls_session(self, context: SharedTlsContext) -> bool:
        """Whether the connection about to open is offered a TLS session: the context's for
        the server, else taken now from a connection of this pool still open."""
        if context.wants_session(*self._server):
            for connection in self._connections:
                if connection.session.is_open and connection.session.tls is not None:
                    context.remember(*self._server, connection.session.tls)
                    break
        return not context.wants_session(*self._server)

    def _count_resumed(
        self, smtp: aiosmtplib.SMTP, context: SharedTlsContext, offered: bool
    ) -> None:
        """Count a resumed session (one the server declined is offered no more) and note
        the CPU the handshake took."""
        transport = smtp.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is None:
            return
        if isinstance(ssl_object, TimedSSLObject):
            self._load.note_handshake(ssl_object.handshake_cpu)
        if ssl_object.session_reused:
            self._stats.tls_resumed += 1
        elif offered:
            context.forget(*self._server)

    def _retire(self, connection: Connection) -> None:
        """``connection`` leaves the pool (the caller closes it). Its TLS session is kept
        first when none is held for its server and the server is one that gets connections
        again, so that the next connection, maybe after an idle spell, resumes. Taking it
        costs about what resuming spares: not for a server connected to once."""
        self._connections.discard(connection)
        self._open_count -= 1
        if not connection.again:
            return
        tls = connection.session.tls
        context = tls.context if tls is not None else None
        if isinstance(context, SharedTlsContext) and context.wants_session(*self._server):
            context.remember(*self._server, tls)

    async def close(self) -> None:
        while self._idle:
            connection = self._idle.pop()
            self._connections.discard(connection)
            self._open_count -= 1
            await _close(connection)


_this_host_name: str | None = None


async def _this_host() -> str:
    """The name EHLO gives when none is configured: aiosmtplib's default (the host's fully
    qualified name), looked up once per process instead of in a thread per connection."""
    global _this_host_name
    if _this_host_name is None:
        _this_host_name = await asyncio.to_thread(socket.getfqdn)
    return _this_host_name


def _average(average: float | None, value: float) -> float:
    return value if average is None else average + AVERAGE_WEIGHT * (value - average)


async def _greet(smtp: aiosmtplib.SMTP) -> None:
    """EHLO (HELO for a server that does not know it) unless connecting already did."""
    if smtp.is_ehlo_or_helo_needed:
        try:
            await smtp.ehlo()
        except aiosmtplib.SMTPHeloError:
            if not smtp.is_connected:
                raise
            await smtp.helo()


async def _close(connection: Connection) -> None:
    await connection.session.quit(timeout=2)


@dataclass
class SmtpPools:
    """The pools of every configuration this worker has sent through."""

    size: int
    cafile: str | None = None
    local_hostname: str | None = None
    stats: PoolStats = field(default_factory=PoolStats)
    load: LoopLoad = field(default_factory=LoopLoad)  # watched by the worker
    # seconds in line past which a connection is opened whatever it costs (the worker: half
    # its sending lease, so that a job claimed does not outlive its claim waiting)
    max_wait: float = MAX_WAIT
    _pools: dict[str, SmtpPool] = field(default_factory=dict)

    def get(self, endpoint: SmtpEndpoint) -> SmtpPool:
        key = endpoint.pool_key
        pool = self._pools.get(key)
        if pool is None:
            size = min(self.size, endpoint.max_connections or self.size)
            pool = self._pools[key] = SmtpPool(
                endpoint,
                size,
                self.stats,
                self.cafile,
                self.local_hostname,
                self.load,
                self.max_wait,
            )
        return pool

    @property
    def open_connections(self) -> int:
        # read by /metrics from its own thread: a copy, as the loop may add or drop a pool
        return sum(pool.open_count for pool in list(self._pools.values()))

    async def sweep(self, idle_seconds: float = IDLE_SECONDS) -> None:
        """Close connections idle for ``idle_seconds`` and forget pools nobody uses, so that a
        worker that has sent for thousands of configurations does not keep them all open."""
        older_than = asyncio.get_running_loop().time() - idle_seconds
        for key, pool in list(self._pools.items()):
            await pool.close_idle(older_than)
            if pool.unused and self._pools.get(key) is pool:
                del self._pools[key]

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self._pools.values()))
