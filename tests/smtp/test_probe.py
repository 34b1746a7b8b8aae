"""`config test` against real SMTP servers on loopback: each behaviour its own classified result.

The servers are aiosmtpd (tests/smtp_servers.py) with certificates this test session makes;
the code under test trusts them through SSL_CERT_FILE, as it would trust a public CA.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib
import pytest

from schemas.values import TlsMode
from tests.certificates import Authority, make_authority
from tests.smtp_servers import (
    ChallengingHandler,
    closing_server,
    scripted_server,
    silent_server,
    smtp_server,
)
from workers.config.presets import load_presets
from workers.smtp.diagnosis import Cause, Step
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.options import smtp_client_options
from workers.smtp.probe import ProbeReport, ProbeRequest, run_probe

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("trust_test_ca")]
PRESETS = load_presets()
ACCOUNTS = {"mari@acme.ee": "right-password"}
TO_RECIPIENT = ProbeRequest(mail_from="mari@acme.ee", rcpt_to="juri@example.ee")


def outcomes(report: ProbeReport) -> dict[str, str]:
    return {str(step.step): step.outcome for step in report.steps}


def failure(report: ProbeReport) -> Cause:
    assert report.diagnosis is not None, report.steps
    return report.diagnosis.cause


@pytest.mark.parametrize("tls", [TlsMode.NONE, TlsMode.STARTTLS, TlsMode.SSL])
def test_every_tls_mode_with_auth_passes_every_step(tls: TlsMode, tls_authority: Authority) -> None:
    with smtp_server(
        tls, authority=tls_authority, accounts=ACCOUNTS, auth_require_tls=False
    ) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "right-password"), TO_RECIPIENT)
    assert report.ok, report.diagnosis
    assert server.logins == ["mari@acme.ee"]
    assert server.handler.mail_froms == ["mari@acme.ee"]
    assert server.handler.envelopes == [], "no DATA without --send"
    steps = outcomes(report)
    assert steps["auth"] == steps["mail_from"] == steps["rcpt_to"] == "ok"
    assert steps["data"] == "skipped"
    if tls == TlsMode.STARTTLS:
        assert steps["starttls"] == "ok"
        assert server.handler.mail_after_starttls == [True]
    if tls == TlsMode.SSL:
        assert "certificate verified" in report.steps[0].detail


@pytest.mark.parametrize("tls", [TlsMode.NONE, TlsMode.STARTTLS, TlsMode.SSL])
def test_without_auth_a_blank_username_never_logs_in(
    tls: TlsMode, tls_authority: Authority
) -> None:
    with smtp_server(tls, authority=tls_authority) as server:
        report = run_probe(server.endpoint(), TO_RECIPIENT)
    assert report.ok, report.diagnosis
    assert outcomes(report)["auth"] == "skipped"
    assert server.handler.mail_froms == ["mari@acme.ee"]


def test_mode_none_never_upgrades_even_when_starttls_is_offered(
    tls_authority: Authority,
) -> None:
    with smtp_server(TlsMode.STARTTLS, authority=tls_authority, port=0) as server:
        plain = SmtpEndpoint(server.host, server.port, TlsMode.NONE, timeout_seconds=5)
        report = run_probe(plain, TO_RECIPIENT)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@acme.ee", "b@acme.ee", "t"
        message.set_content("plain")
        asyncio.run(aiosmtplib.send(message, **smtp_client_options(plain)))
    assert report.ok
    assert "offers STARTTLS" in next(s.detail for s in report.steps if s.step == Step.STARTTLS)
    assert server.handler.mail_after_starttls == [False, False]
    assert len(server.handler.envelopes) == 1


def test_send_delivers_one_test_message(tls_authority: Authority) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "mari@acme.ee", "juri@example.ee", "t"
    message.set_content("erpmail test")
    request = ProbeRequest("bounce@events.test", "juri@example.ee", message)
    with smtp_server(TlsMode.STARTTLS, authority=tls_authority, accounts=ACCOUNTS) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "right-password"), request)
    assert report.ok, report.diagnosis
    assert outcomes(report)["data"] == "ok"
    [envelope] = server.handler.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("bounce@events.test", ["juri@example.ee"])


def test_a_wrong_password_is_auth_rejected_with_the_generic_fix(
    tls_authority: Authority,
) -> None:
    with smtp_server(TlsMode.SSL, authority=tls_authority, accounts=ACCOUNTS) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "wrong"), presets=PRESETS)
    assert failure(report) == Cause.AUTH_REJECTED
    assert report.diagnosis is not None
    assert report.diagnosis.reply_code == 535 and report.diagnosis.provider is None
    assert "app password" in report.diagnosis.fix
    assert outcomes(report)["auth"] == "failed"


@pytest.mark.parametrize(
    ("reply", "provider", "words"),
    [
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
            "the Tenant.",
            "office365",
            "Authenticated SMTP",
        ),
        ("535 5.7.3 Authentication unsuccessful", "office365", "app password"),
        ("534 5.7.9 Application-specific password required.", "gmail", "app password"),
        ("535 5.7.8 Username and Password not accepted.", "gmail", "2-Step Verification"),
    ],
)
def test_a_providers_auth_rejection_gets_its_plain_explanation(
    reply: str, provider: str, words: str, tls_authority: Authority
) -> None:
    with smtp_server(
        TlsMode.STARTTLS, authority=tls_authority, accounts={}, auth_reject_reply=reply
    ) as server:
        report = run_probe(
            server.endpoint("mari@acme.ee", "pw"),
            provider=PRESETS.get(provider),
            presets=PRESETS,
        )
    assert failure(report) == Cause.AUTH_REJECTED
    assert report.diagnosis is not None
    assert report.diagnosis.provider == provider
    assert words in report.diagnosis.fix


def test_334_where_235_was_expected_says_the_exchange_did_not_complete(
    tls_authority: Authority,
) -> None:
    oauth_error = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIn0="
    with smtp_server(
        TlsMode.SSL, authority=tls_authority, accounts={}, auth_reject_reply=f"334 {oauth_error}"
    ) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "pw"))
    assert failure(report) == Cause.AUTH_INCOMPLETE
    assert report.diagnosis is not None
    assert "did not complete" in report.diagnosis.summary
    assert '{"status":"400","schemes":"Bearer"}' in report.diagnosis.summary


@pytest.mark.parametrize("provider", [None, "office365"])
def test_a_334_challenge_loop_stops_at_the_first_mechanism_with_its_reply_and_office365_advice(
    provider: str | None, tls_authority: Authority
) -> None:
    """Microsoft 365 with SMTP AUTH off answers AUTH with 334 for ever. The probe stops at the
    first mechanism so answered, cancels that exchange with "*" (no "AUTH LOGIN" sent into
    it, no "501 5.5.2 Can't decode base64" to mislead), and says what the reply means."""
    error = '{"status":"535","detail":"SmtpClientAuthentication is disabled"}'
    handler = ChallengingHandler(error)
    with smtp_server(TlsMode.SSL, authority=tls_authority, accounts={}, handler=handler) as server:
        report = run_probe(
            server.endpoint("mari@acme.ee", "pw"),
            provider=PRESETS.get(provider) if provider else None,
            presets=PRESETS,
        )
    assert failure(report) == Cause.AUTH_INCOMPLETE
    diagnosis = report.diagnosis
    assert diagnosis is not None
    assert [line.split()[0] for line in handler.auth_lines] == ["PLAIN", "<cancelled"]
    assert diagnosis.summary.startswith("AUTH PLAIN: ")
    assert "no other mechanism tried" in diagnosis.summary
    assert f"decodes to {error!r}" in diagnosis.summary
    assert "5.5.2" not in diagnosis.summary
    assert outcomes(report)["auth"] == "failed" and "mail_from" not in outcomes(report)
    if provider is None:
        assert "Microsoft 365" in diagnosis.fix and "Authenticated SMTP" in diagnosis.fix
    else:
        assert diagnosis.provider == "office365"
        assert "SmtpClientAuthenticationDisabled" in diagnosis.fix
        assert "security defaults" in diagnosis.fix


def test_aiosmtplibs_own_login_would_have_hidden_the_334_behind_a_501(
    tls_authority: Authority,
) -> None:
    """Why the probe logs in by itself: trying the next mechanism inside the open exchange
    turns the server's 334 into "501 5.5.2 Can't decode base64" (the users' "ERR: 334")."""
    handler = ChallengingHandler("keep going")
    with smtp_server(TlsMode.SSL, authority=tls_authority, accounts={}, handler=handler) as server:
        endpoint = server.endpoint("mari@acme.ee", "pw")

        async def naive() -> aiosmtplib.SMTPAuthenticationError:
            client = aiosmtplib.SMTP(**smtp_client_options(endpoint))
            await client.connect()
            try:
                await client.login("mari@acme.ee", "pw")
            except aiosmtplib.SMTPAuthenticationError as error:
                return error
            finally:
                client.close()
            raise AssertionError("the login cannot succeed")

        error = asyncio.run(naive())
    assert (error.code, "Can't decode base64" in error.message) == (501, True)


def test_no_starttls_offered(tls_authority: Authority) -> None:
    with smtp_server(TlsMode.STARTTLS, authority=tls_authority, offer_starttls=False) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "pw"))
    assert failure(report) == Cause.STARTTLS_NOT_OFFERED
    assert outcomes(report)["starttls"] == "failed"
    assert "auth" not in outcomes(report), "nothing is sent after a failed STARTTLS"


def test_auth_not_offered(tls_authority: Authority) -> None:
    with smtp_server(TlsMode.STARTTLS, authority=tls_authority) as server:
        report = run_probe(server.endpoint("mari@acme.ee", "pw"))
    assert failure(report) == Cause.AUTH_NOT_OFFERED
    assert report.diagnosis is not None and "clear the username" in report.diagnosis.fix


def test_an_untrusted_certificate(tmp_path_factory: pytest.TempPathFactory) -> None:
    stranger = make_authority(tmp_path_factory.mktemp("untrusted"), "untrusted CA")
    with smtp_server(TlsMode.SSL, authority=stranger) as server:
        report = run_probe(server.endpoint())
        unverified = run_probe(server.endpoint(verify_certificate=False))
    assert failure(report) == Cause.TLS_CERTIFICATE
    assert report.diagnosis is not None and "does not trust" in report.diagnosis.summary
    assert not report.diagnosis.transient
    assert unverified.ok
    assert "CERTIFICATE NOT VERIFIED" in unverified.steps[0].detail


def test_an_untrusted_certificate_after_starttls(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stranger = make_authority(tmp_path_factory.mktemp("untrusted"), "untrusted CA")
    with smtp_server(TlsMode.STARTTLS, authority=stranger) as server:
        report = run_probe(server.endpoint())
    assert failure(report) == Cause.TLS_CERTIFICATE
    assert report.diagnosis is not None and report.diagnosis.step == Step.STARTTLS


def test_implicit_tls_against_a_plain_server_is_a_handshake_failure() -> None:
    with smtp_server(TlsMode.NONE) as server:
        report = run_probe(SmtpEndpoint(server.host, 25, TlsMode.SSL, timeout_seconds=3))
    assert failure(report) == Cause.TLS_HANDSHAKE
    assert report.diagnosis is not None and "starttls" in report.diagnosis.fix


def test_plain_client_on_an_implicit_tls_port_waits_for_a_greeting(
    tls_authority: Authority,
) -> None:
    with smtp_server(TlsMode.SSL, authority=tls_authority) as server:
        report = run_probe(SmtpEndpoint(server.host, 465, TlsMode.STARTTLS, timeout_seconds=1))
    assert failure(report) == Cause.TIMEOUT
    assert report.diagnosis is not None
    assert report.diagnosis.step == Step.GREETING and "ssl on port 465" in report.diagnosis.fix


def test_a_server_that_closes_the_connection() -> None:
    with closing_server() as server:
        report = run_probe(SmtpEndpoint(server.host, server.port, TlsMode.NONE, timeout_seconds=3))
    assert failure(report) == Cause.CONNECTION_CLOSED
    assert server.connections == 1


def test_a_server_that_never_answers() -> None:
    with silent_server() as server:
        report = run_probe(SmtpEndpoint(server.host, server.port, TlsMode.NONE, timeout_seconds=1))
    assert failure(report) == Cause.TIMEOUT
    assert report.diagnosis is not None and report.diagnosis.step == Step.GREETING
    assert report.diagnosis.transient


def test_replies_in_bytes_that_are_not_utf8_read_as_text() -> None:
    """A greeting, EHLO and MAIL reply in Latin-1 and junk (aiosmtplib decodes them into lone
    surrogates) show with U+FFFD, as printable as the report's other text, and so does the
    RCPT refusal the diagnosis quotes."""
    replies = {
        b"EHLO": b"250-mx.example.fr bienvenue \xe0 vous\r\n250 X-CAF\xc9 tr\xe8s\r\n",
        b"MAIL": b"250 2.1.0 Exp\xe9diteur accept\xe9\r\n",
        b"RCPT": b"550 5.1.1 Destinataire inconnu \xff\r\n",
        b"QUIT": b"221 2.0.0 Au revoir\r\n",
    }
    with scripted_server(b"220 mx.example.fr pr\xeat \xff\r\n", replies) as server:
        report = run_probe(
            SmtpEndpoint(server.host, server.port, TlsMode.NONE, timeout_seconds=3), TO_RECIPIENT
        )
    details = {str(step.step): step.detail for step in report.steps}
    assert details["greeting"] == "220 mx.example.fr pr\ufffdt \ufffd"
    assert details["ehlo"] == "offers X-CAF\ufffd"
    assert details["mail_from"] == "<mari@acme.ee>: 250 2.1.0 Exp\ufffdditeur accept\ufffd"
    assert report.diagnosis is not None and report.diagnosis.cause == Cause.RECIPIENT_REJECTED
    assert "inconnu \ufffd" in details["rcpt_to"]
    for detail in details.values():
        detail.encode("utf-8")


def test_nothing_listening_is_connection_refused() -> None:
    with closing_server() as server:
        host = server.host
    report = run_probe(SmtpEndpoint(host, 587, TlsMode.STARTTLS, timeout_seconds=3))
    assert failure(report) == Cause.REFUSED


def test_an_unknown_host_name_is_dns() -> None:
    report = run_probe(
        SmtpEndpoint("no-such-host.invalid", 587, TlsMode.STARTTLS, timeout_seconds=3)
    )
    assert failure(report) == Cause.DNS


@pytest.mark.parametrize(
    ("handler_replies", "expected", "step"),
    [
        (
            {
                "mail_reply": "550 5.7.60 SMTP; Client does not have permissions to send as this "
                "sender"
            },
            Cause.SENDER_REJECTED,
            Step.MAIL_FROM,
        ),
        (
            {"mail_reply": "530 5.7.57 Client not authenticated to send mail"},
            Cause.AUTH_REQUIRED,
            Step.MAIL_FROM,
        ),
        (
            {"rcpt_reply": "550 5.1.1 <juri@example.ee>: user unknown"},
            Cause.RECIPIENT_REJECTED,
            Step.RCPT_TO,
        ),
        (
            {"rcpt_reply": "554 5.7.1 <juri@example.ee>: Relay access denied"},
            Cause.RECIPIENT_REJECTED,
            Step.RCPT_TO,
        ),
        ({"mail_reply": "451 4.3.0 try again later"}, Cause.SENDER_REJECTED, Step.MAIL_FROM),
    ],
)
def test_refusals_of_sender_and_recipient(
    handler_replies: dict[str, str], expected: Cause, step: Step
) -> None:
    from tests.smtp_servers import RecordingHandler

    with smtp_server(TlsMode.NONE, handler=RecordingHandler(**handler_replies)) as server:
        report = run_probe(server.endpoint(), TO_RECIPIENT, presets=PRESETS)
    assert failure(report) == expected
    assert report.diagnosis is not None and report.diagnosis.step == step
    assert report.diagnosis.transient == handler_replies[next(iter(handler_replies))].startswith(
        "4"
    )
