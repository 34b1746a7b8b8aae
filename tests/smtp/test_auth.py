"""The order in which login tries the mechanisms a server offers."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest

from schemas.values import TlsMode
from tests.certificates import Authority
from tests.smtp_servers import smtp_server
from workers.smtp.auth import login, mechanism_order
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.options import smtp_client_options


def test_over_tls_the_one_round_trip_mechanism_comes_first() -> None:
    usable = ["cram-md5", "plain", "login"]  # aiosmtplib's order
    assert mechanism_order(usable, encrypted=True) == ["plain", "login", "cram-md5"]
    assert mechanism_order(["cram-md5", "login"], encrypted=True) == ["login", "cram-md5"]


def test_in_plain_text_the_mechanism_that_keeps_the_password_comes_first() -> None:
    usable = ["login", "cram-md5", "plain"]
    assert mechanism_order(usable, encrypted=False) == ["cram-md5", "plain", "login"]


def test_a_mechanism_without_a_preference_is_tried_last() -> None:
    assert mechanism_order(["xoauth2", "login"], encrypted=True) == ["login", "xoauth2"]
    assert mechanism_order([], encrypted=True) == []


@pytest.mark.parametrize(("tls", "cram_md5_tried"), [(TlsMode.SSL, False), (TlsMode.NONE, True)])
def test_login_tries_cram_md5_first_only_in_plain_text(
    trust_test_ca: Authority, tls: TlsMode, cram_md5_tried: bool
) -> None:
    """The server (aiosmtpd) knows PLAIN and LOGIN; the client is told it offers CRAM-MD5
    too: tried first, it is refused and PLAIN logs in."""
    accounts = {"mari@acme.ee": "app-password"}
    with smtp_server(tls, authority=trust_test_ca, accounts=accounts, port=0) as server:
        endpoint = SmtpEndpoint(server.host, server.port, tls)
        tried: list[str] = []

        async def main() -> None:
            client = aiosmtplib.SMTP(**smtp_client_options(endpoint))
            await client.connect()
            await client.ehlo()
            client.server_auth_methods = ["cram-md5", "plain", "login"]
            refused_cram_md5 = client.auth_crammd5

            async def cram_md5(username: str, password: str) -> aiosmtplib.SMTPResponse:
                tried.append("cram-md5")
                return await refused_cram_md5(username, password)

            client.auth_crammd5 = cram_md5  # type: ignore[method-assign,assignment]
            await login(client, "mari@acme.ee", "app-password")
            await client.quit()

        asyncio.run(main())
    assert server.logins == ["mari@acme.ee"]
    assert tried == (["cram-md5"] if cram_md5_tried else [])
