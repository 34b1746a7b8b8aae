"""TLS connections of the pools share one context per trust setting and resume sessions."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from schemas.values import TlsMode
from tests.certificates import Authority
from tests.sender.test_pool import envelope
from tests.smtp_servers import smtp_server
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
            for round_ in range(3):
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
    assert pools.stats.connects == 6 and logins == [3, 3]
    # the first connection to each server makes a full handshake; the later ones resume
    assert pools.stats.tls_resumed == 4


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
