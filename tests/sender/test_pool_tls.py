"""TLS connections of the pools share one context per trust setting and resume sessions."""

from __future__ import annotations

import asyncio
import ssl
from contextlib import AbstractContextManager

import pytest

from schemas.values import TlsMode
from tests.certificates import Authority, issue
from tests.sender.test_pool import envelope
from tests.smtp_servers import SmtpTestServer, loopback_host, smtp_server
from workers.smtp import options as smtp_options
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import SmtpPools
from workers.smtp.transaction import send


@pytest.mark.parametrize("tls", [TlsMode.SSL, TlsMode.STARTTLS])
def test_many_tls_connections_to_many_servers_make_one_context_and_resume_sessions(
    trust_test_ca: Authority, tls: TlsMode
) -> None:
    smtp_options.forget_tls_contexts()
    made_before = smtp_options.contexts_made
    accounts = {"mari@acme.ee": "app-password"}
    with (
        smtp_server(tls, authority=trust_test_ca, accounts=accounts, port=0) as first,
        smtp_server(tls, authority=trust_test_ca, accounts=accounts, port=0) as second,
    ):
        servers = (first, second)
        pools = SmtpPools(size=1)

        async def main() -> None:
            for round_ in range(4):
                for server in servers:
                    endpoint = SmtpEndpoint(
                        server.host, server.port, tls, "mari@acme.ee", "app-password"
                    )
                    await send(pools.get(endpoint), envelope(round_))
                # every connection closed: each round's mails need new ones (new handshakes)
                await pools.sweep(idle_seconds=0)
            await pools.close()

        asyncio.run(main())
        logins = [len(server.logins) for server in servers]

    assert smtp_options.contexts_made - made_before == 1, "a context was made per connection"
    assert pools.stats.connects == 8 and logins == [4, 4]
    # the first two connections to each server make full handshakes (the second's session is
    # kept as it closes: the server gets connections again); the later ones resume
    assert pools.stats.tls_resumed == 4
    # each handshake's CPU, noted where it ran (the floor of what a connection is charged)
    assert pools.load.handshake_cpu is not None and pools.load.handshake_cpu > 0


def test_a_server_connected_to_once_keeps_no_session(trust_test_ca: Authority) -> None:
    """Taking a session costs about what resuming it spares: a server's first connection
    closes without it, its second keeps it."""
    smtp_options.forget_tls_contexts()
    context = smtp_options.tls_context(verify_certificate=True)
    accounts = {"mari@acme.ee": "app-password"}
    with smtp_server(TlsMode.SSL, authority=trust_test_ca, accounts=accounts, port=0) as server:
        endpoint = SmtpEndpoint(
            server.host, server.port, TlsMode.SSL, "mari@acme.ee", "app-password"
        )
        pools = SmtpPools(size=1)
        held = []

        async def main() -> None:
            for round_ in range(2):
                await send(pools.get(endpoint), envelope(round_))
                await pools.sweep(idle_seconds=0)
                held.append(not context.wants_session(server.host, server.port))

        asyncio.run(main())
    assert held == [False, True]
    assert pools.stats.tls_resumed == 0 and len(server.logins) == 2


def test_sessions_are_held_per_port(trust_test_ca: Authority) -> None:
    """Two TLS servers on two ports of one host (each its own session tickets): each is
    offered its own session, and each resumes it."""
    smtp_options.forget_tls_contexts()
    accounts = {"mari@acme.ee": "app-password"}
    with (
        smtp_server(TlsMode.SSL, authority=trust_test_ca, accounts=accounts, port=0) as first,
        smtp_server(
            TlsMode.SSL, authority=trust_test_ca, accounts=accounts, host=first.host, port=0
        ) as second,
    ):
        pools = SmtpPools(size=1)

        async def main() -> None:
            for round_ in range(4):
                for server in (first, second):
                    endpoint = SmtpEndpoint(
                        server.host, server.port, TlsMode.SSL, "mari@acme.ee", "app-password"
                    )
                    await send(pools.get(endpoint), envelope(round_))
                    await pools.sweep(idle_seconds=0)

        asyncio.run(main())
    assert first.port != second.port
    assert pools.stats.tls_resumed == 4  # rounds three and four, both servers


def test_a_host_is_never_offered_another_hosts_session(trust_test_ca: Authority) -> None:
    """Two servers on two hosts, same port, serving one TLS context (one certificate naming
    both, one set of ticket keys, as a provider's servers may share): each would resume a
    session the other issued, skipping the certificate check for the host connected to. The
    first connections to the second host are full handshakes all the same, and each host
    then resumes its own session."""
    smtp_options.forget_tls_contexts()
    accounts = {"mari@acme.ee": "app-password"}
    first_host = loopback_host()
    second_host = next(host for host in iter(loopback_host, None) if host != first_host)
    shared = issue(trust_test_ca, [first_host, second_host]).server_context()

    def server(host: str, port: int) -> AbstractContextManager[SmtpTestServer]:
        return smtp_server(
            TlsMode.SSL,
            authority=trust_test_ca,
            accounts=accounts,
            host=host,
            port=port,
            server_context=shared,
        )

    with server(first_host, 0) as first, server(second_host, first.port) as second:
        pools = SmtpPools(size=1)
        resumed: list[int] = []

        async def connect(to: SmtpTestServer, round_: int) -> None:
            endpoint = SmtpEndpoint(to.host, to.port, TlsMode.SSL, "mari@acme.ee", "app-password")
            before = pools.stats.tls_resumed
            await send(pools.get(endpoint), envelope(round_))
            await pools.sweep(idle_seconds=0)
            resumed.append(pools.stats.tls_resumed - before)

        async def main() -> None:
            for round_ in range(3):  # the first's session is held from its second on
                await connect(first, round_)
            for round_ in range(3):
                await connect(second, round_)
            await connect(first, 3)

        asyncio.run(main())
    # first: full, full (session kept), resumed; second the same; first again resumed
    assert resumed == [0, 0, 1, 0, 0, 1, 1]


def test_each_trust_setting_has_its_own_context(trust_test_ca: Authority) -> None:
    smtp_options.forget_tls_contexts()
    made_before = smtp_options.contexts_made
    system = smtp_options.tls_context(verify_certificate=True)
    unverified = smtp_options.tls_context(verify_certificate=False)
    ca_file = smtp_options.tls_context(True, str(trust_test_ca.ca_file))
    assert len({id(system), id(unverified), id(ca_file)}) == 3
    assert smtp_options.tls_context(verify_certificate=True) is system
    assert smtp_options.contexts_made - made_before == 3
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    assert system.verify_mode == ssl.CERT_REQUIRED and system.check_hostname


@pytest.mark.parametrize("tls", [TlsMode.SSL, TlsMode.STARTTLS])
def test_a_second_connection_to_a_server_resumes_the_first_ones_tls_session(
    trust_test_ca: Authority, tls: TlsMode
) -> None:
    """The session is taken from the first connection, still open, only when a second one
    is opened (taking it costs a certificate's decoding): the second resumes."""
    smtp_options.forget_tls_contexts()
    accounts = {"mari@acme.ee": "app-password"}
    with smtp_server(tls, authority=trust_test_ca, accounts=accounts, port=0) as server:
        endpoint = SmtpEndpoint(server.host, server.port, tls, "mari@acme.ee", "app-password")
        pools = SmtpPools(size=2)
        context = smtp_options.tls_context(verify_certificate=True)

        async def main() -> tuple[bool, bool, bool, bool]:
            pool = pools.get(endpoint)
            first = await pool.acquire(fresh=True)
            taken_at_once = not context.wants_session(server.host, server.port)
            second = await pool.acquire(fresh=True)
            first_tls, second_tls = first.session.tls, second.session.tls
            assert first_tls is not None and second_tls is not None
            for connection in (first, second):
                pool.release(connection, healthy=True)
            await pools.close()
            return (
                taken_at_once,
                first_tls.session_reused,
                second_tls.session_reused,
                second_tls.version() == "TLSv1.3",
            )

        taken_at_once, first_reused, second_reused, tls13 = asyncio.run(main())

    assert not taken_at_once, "the session was taken before any other connection needed it"
    assert (first_reused, second_reused, tls13) == (False, True, True)
    assert pools.stats.tls_resumed == 1 and len(server.logins) == 2


def test_a_session_the_server_declines_is_replaced(trust_test_ca: Authority) -> None:
    """A server restarted (its ticket keys new) declines the session it gave before: a full
    handshake, and that connection's session replaces the old one, which the next connection
    resumes."""
    smtp_options.forget_tls_contexts()
    accounts = {"mari@acme.ee": "app-password"}
    context = smtp_options.tls_context(verify_certificate=True)
    with smtp_server(TlsMode.SSL, authority=trust_test_ca, accounts=accounts, port=0) as server:
        host, port = server.host, server.port
        endpoint = SmtpEndpoint(host, port, TlsMode.SSL, "mari@acme.ee", "app-password")
        pools = SmtpPools(size=1)

        async def once() -> None:
            await send(pools.get(endpoint), envelope(0))
            await pools.sweep(idle_seconds=0)  # closed: its session is kept if none is

        for _ in range(2):  # the second connection to the server keeps its session
            asyncio.run(once())
    assert not context.wants_session(host, port)
    resumed = []
    with smtp_server(TlsMode.SSL, authority=trust_test_ca, accounts=accounts, host=host, port=port):
        for _ in range(2):
            asyncio.run(once())
            resumed.append(pools.stats.tls_resumed)
    assert resumed == [0, 1]
