"""Pooled SMTP connections against a real server: reused, bounded, replaced, swept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from schemas.values import TlsMode
from tests.sender.servers import Behaviour, SmtpServer
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import OPEN_PAYS_AFTER, SATURATED, LoopLoad, SmtpPool, SmtpPools
from workers.smtp.transaction import Envelope, send

StartServer = Callable[..., SmtpServer]


def envelope(n: int) -> Envelope:
    message = (
        f"From: a@example.ee\r\nTo: b@example.ee\r\nMessage-ID: <m{n}@example.ee>\r\n"
        f"Subject: {n}\r\n\r\nbody {n}\r\n"
    ).encode()
    return Envelope("a@example.ee", ("b@example.ee",), message)


def endpoint(server: SmtpServer) -> SmtpEndpoint:
    return SmtpEndpoint("127.0.0.1", server.port, TlsMode.NONE, timeout_seconds=5)


def burst(server: SmtpServer, size: int, mails: int) -> SmtpPools:
    """``mails`` mails sent to ``server`` at once through pools of ``size``, then closed."""
    pools = SmtpPools(size=size)

    async def main() -> None:
        pool = pools.get(endpoint(server))
        await asyncio.gather(*(send(pool, envelope(n)) for n in range(mails)))
        await pools.close()

    asyncio.run(main())
    return pools


def test_connections_are_reused_and_never_more_than_the_pool_size(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = burst(server, size=3, mails=60)
    assert server.accepted() == 60
    assert pools.stats.connects <= 3
    # the server also counts the readiness probe aiosmtpd's controller makes when it starts
    assert server.connections == pools.stats.connects + 1


def test_a_connection_the_server_closed_is_replaced_without_failing_the_mail(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = SmtpPools(size=1)

    async def main() -> None:
        pool = pools.get(endpoint(server))
        await send(pool, envelope(1))
        server.stop()  # closes the pooled connection from the server's side
        server.start()
        await send(pool, envelope(2))
        await pools.close()

    asyncio.run(main())
    assert server.accepted() == 2
    assert pools.stats.connects == 2


def test_idle_connections_are_closed_and_unused_pools_forgotten(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = SmtpPools(size=2)

    async def main() -> tuple[int, int]:
        first = pools.get(endpoint(server))
        await send(first, envelope(1))
        await pools.sweep(idle_seconds=3600)
        kept = pools.get(endpoint(server)) is first
        await pools.sweep(idle_seconds=0)
        forgotten = pools.get(endpoint(server)) is not first
        return int(kept), int(forgotten)

    assert asyncio.run(main()) == (1, 1)


def test_a_connection_is_opened_only_when_the_line_would_pay_for_it() -> None:
    """The policy on measured times: a mail holds a connection 40 ms, opening one takes
    120 ms (TLS + AUTH over a distant link). A new connection must still find three mails
    in line once open: 120 ms + 3 x 40 ms of expected wait."""

    async def main() -> list[bool]:
        pool = SmtpPools(size=10).get(SmtpEndpoint("smtp.example.ee", 465, TlsMode.SSL))
        pool._mail_seconds, pool._connect_seconds = 0.040, 0.120
        pool._lent = 1
        decisions = [pool._worth_opening()]  # the one at work is back in 40 ms: wait
        loop = asyncio.get_running_loop()
        pool._waiters.extend(loop.create_future() for _ in range(3))
        # fourth in line: 160 ms; a new connection would spare one mail 40 ms: wait
        decisions.append(pool._worth_opening())
        pool._waiters.extend(loop.create_future() for _ in range(3))
        decisions.append(pool._worth_opening())  # seventh in line: 280 ms > 240 ms: open
        pool._lent = 4
        decisions.append(pool._worth_opening())  # four at work: 70 ms: wait
        pool._lent, pool._waiters = 0, type(pool._waiters)()
        decisions.append(pool._worth_opening())  # nothing at work: open
        return decisions

    assert asyncio.run(main()) == [False, False, True, False, True]


def test_no_connection_is_opened_beside_one_at_work_while_the_loop_has_no_cpu_to_spare() -> None:
    """The same line that pays for a new connection on a loop that waits for the network
    does not when the loop's thread wants the CPU all the time: the handshake would be
    taken from the mails. With nothing at work one is opened all the same."""

    async def main() -> list[bool]:
        pools = SmtpPools(size=10)
        pool = pools.get(SmtpEndpoint("smtp.example.ee", 465, TlsMode.SSL))
        pool._mail_seconds, pool._connect_seconds = 0.040, 0.120
        pool._lent = 1
        loop = asyncio.get_running_loop()
        pool._waiters.extend(loop.create_future() for _ in range(20))
        decisions = [pool._worth_opening()]  # 21st in line, the loop free: open
        pools.load.busy = SATURATED
        decisions.append(pool._worth_opening())  # the loop saturated: wait
        pool._lent = 0
        decisions.append(pool._worth_opening())  # nothing at work: open
        return decisions

    assert asyncio.run(main()) == [True, False, True]


def test_the_loop_load_tells_a_busy_loop_from_one_waiting() -> None:
    async def measure(busy: bool) -> float:
        load = LoopLoad()
        watcher = asyncio.ensure_future(load.watch())
        await asyncio.sleep(0)
        ends = time.monotonic() + 1.0
        while time.monotonic() < ends:
            if busy:  # callbacks that keep the CPU, as a burst's do
                spin_until = time.monotonic() + 0.02
                while time.monotonic() < spin_until:
                    pass
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(0.05)
        watcher.cancel()
        return load.busy

    assert asyncio.run(measure(busy=True)) >= SATURATED
    assert asyncio.run(measure(busy=False)) < SATURATED


def test_a_burst_on_a_saturated_loop_goes_through_one_connection(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = SmtpPools(size=10)
    pools.load.busy = 1.0

    async def main() -> None:
        pool = pools.get(endpoint(server))
        await asyncio.gather(*(send(pool, envelope(n)) for n in range(60)))
        await pools.close()

    asyncio.run(main())
    assert pools.stats.connects == 1
    counts = server.message_id_counts()
    assert len(counts) == 60 and set(counts.values()) == {1}  # none lost, none twice


def test_a_burst_to_one_server_opens_fewer_connections_than_mails(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = burst(server, size=50, mails=50)
    assert server.accepted() == 50
    # one connection per mail was the old rule; now, whatever the times measured, a new
    # connection needs more than OPEN_PAYS_AFTER mails in line for each one at work
    assert pools.stats.connects <= 50 // OPEN_PAYS_AFTER + 1


def test_the_warmest_idle_connection_is_reused_first(smtp_server: StartServer) -> None:
    server = smtp_server()
    pools = SmtpPools(size=3)

    async def main() -> bool:
        pool = pools.get(endpoint(server))
        first, second = await pool.acquire(), await pool.acquire(fresh=True)
        pool.release(first, healthy=True)
        pool.release(second, healthy=True)  # the one used last
        again = await pool.acquire()
        pool.release(again, healthy=True)
        await pools.close()
        return again is second

    assert asyncio.run(main())


def test_a_servers_connection_limit_holds_below_the_pool_size(smtp_server: StartServer) -> None:
    """A provider allowing 2 connections per login (its preset's ``max_connections``) gets
    no third, however many mails wait, while the same burst without the limit opens more."""
    server = smtp_server(Behaviour(stall_seconds=0.05))
    limited = SmtpPools(size=10)
    unlimited = SmtpPools(size=10)

    async def burst(pools: SmtpPools, limit: int | None) -> None:
        pool = pools.get(replace(endpoint(server), max_connections=limit))
        await asyncio.gather(*(send(pool, envelope(n)) for n in range(40)))
        await pools.close()

    asyncio.run(burst(limited, 2))
    asyncio.run(burst(unlimited, None))
    assert server.accepted() == 80
    assert limited.stats.connects == 2
    assert unlimited.stats.connects > 2


def test_a_waiting_mail_is_told_when_it_comes_among_the_first_in_line(
    smtp_server: StartServer,
) -> None:
    """``near``: called once per waiting mail, in line order, when it is among the first
    ``size`` waiting, not for all the line at once."""
    server = smtp_server(Behaviour(stall_seconds=0.05))
    pools = SmtpPools(size=2)
    near: list[int] = []
    held: list[int] = []
    ahead: list[int] = []  # near and not yet held, seen at each call of near

    async def one(pool: SmtpPool, n: int) -> None:
        def told() -> None:
            near.append(n)
            ahead.append(len(set(near) - set(held)))

        async def holding() -> None:
            held.append(n)

        await send(pool, envelope(n), holding, told)

    async def main() -> None:
        pool = pools.get(endpoint(server))
        await asyncio.gather(*(one(pool, n) for n in range(12)))
        await pools.close()

    asyncio.run(main())
    assert server.accepted() == 12
    assert sorted(held) == list(range(12))
    waited = [n for n in held if n in near]
    assert len(near) == len(set(near)) >= 12 - 2 * pools.stats.connects  # once each
    assert near == waited  # in line order, each before its connection
    # the first 2 in line, and at most one per connection handed over whose task has not
    # run yet (without the head's limit, all 10 waiting would be told at once)
    assert max(ahead) <= 2 * 2
