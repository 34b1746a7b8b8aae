"""Sending through a user's own server over TLS with a login: the real resolver, a stored
(encrypted) password, STARTTLS on 587 and implicit TLS on 465, certificates from a test CA."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from schemas.tables import UserMailSettings
from schemas.values import TlsMode
from tests.certificates import Authority
from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.smtp_servers import RecordingHandler, smtp_server
from workers.config.secrets import PasswordBox

MakeHarness = Callable[..., Harness]


@pytest.mark.parametrize("tls", [TlsMode.STARTTLS, TlsMode.SSL])
def test_mail_goes_through_the_users_own_server_over_tls_with_a_login(
    make_harness: MakeHarness, trust_test_ca: Authority, tls: TlsMode
) -> None:
    handler = RecordingHandler()
    with smtp_server(
        tls, authority=trust_test_ca, accounts={"mari@acme.ee": "app-password"}, handler=handler
    ) as server:
        harness = make_harness(smtp_port=2525)  # the relay is not used: Mari has her own server
        with Session(harness.engine) as session:
            card = session.exec(select(UserMailSettings)).one()
            card.smtp_host = server.host
            card.smtp_port = server.port
            card.smtp_tls = tls
            card.smtp_username = "mari@acme.ee"
            card.smtp_password_encrypted = PasswordBox(harness.settings.secret_key).encrypt(
                "app-password"
            )
            session.add(card)
            session.commit()
        jobs = [make_job() for _ in range(5)]
        harness.publish_jobs(jobs)

        worker = harness.run_until(
            lambda: list(harness.statuses().values()).count("sent") == len(jobs), timeout=30
        )

    assert len(handler.envelopes) == len(jobs)
    assert {e.mail_from for e in handler.envelopes} == {"mari@acme.ee"}  # own mode, own server
    if tls == TlsMode.STARTTLS:
        assert all(handler.mail_after_starttls), "a mail went out before STARTTLS"
    assert server.logins, "the worker never logged in"
    assert len(server.logins) <= harness.settings.smtp_pool_size
    assert worker.pools.stats.connects == len(server.logins)
    rows = harness.rows()
    assert {row.smtp_host for row in rows.values()} == {f"{server.host}:{server.port}"}
    assert all('"tier": "user"' in (row.config_source or "") for row in rows.values())
