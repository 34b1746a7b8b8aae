"""Pooled SMTP connections against a real server: reused, bounded, replaced, swept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from schemas.tables import TlsMode
from tests.sender.servers import SmtpServer
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import SmtpPools
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


def test_connections_are_reused_and_never_more_than_the_pool_size(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    pools = SmtpPools(size=3)

    async def main() -> None:
        pool = pools.get(endpoint(server))
        await asyncio.gather(*(send(pool, envelope(n)) for n in range(60)))
        await pools.close()

    asyncio.run(main())
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
