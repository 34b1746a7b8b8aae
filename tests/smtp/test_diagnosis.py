"""The failure classifier is a pure function of the exception (or reply) and its context."""

from __future__ import annotations

import errno
import socket
import ssl

import aiosmtplib
import pytest

from schemas.values import TlsMode
from workers.config.presets import load_presets
from workers.smtp.diagnosis import (
    Cause,
    Step,
    diagnose,
    diagnose_reply,
    enhanced_status,
    provider_hint,
)
from workers.smtp.endpoint import SmtpEndpoint

PRESETS = load_presets()
ENDPOINT = SmtpEndpoint("smtp.example.ee", 587, TlsMode.STARTTLS, "mari", "pw")


def wrapped(cause: BaseException) -> aiosmtplib.SMTPConnectError:
    """As aiosmtplib raises it: a connect error whose cause is the socket/TLS error."""
    try:
        raise aiosmtplib.SMTPConnectError(f"Error connecting: {cause}") from cause
    except aiosmtplib.SMTPConnectError as error:
        return error


def certificate_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    error.verify_code = code
    error.verify_message = message
    return error


@pytest.mark.parametrize(
    ("error", "failure", "transient"),
    [
        (
            wrapped(socket.gaierror(socket.EAI_NONAME, "Name or service not known")),
            Cause.DNS,
            True,
        ),
        (wrapped(ConnectionRefusedError(errno.ECONNREFUSED, "refused")), Cause.REFUSED, True),
        (wrapped(OSError(errno.ENETUNREACH, "Network is unreachable")), Cause.UNREACHABLE, True),
        (
            aiosmtplib.SMTPConnectTimeoutError("Timed out connecting to h on port 587"),
            Cause.TIMEOUT,
            True,
        ),
        (
            wrapped(certificate_error(19, "self-signed certificate in certificate chain")),
            Cause.TLS_CERTIFICATE,
            False,
        ),
        (
            wrapped(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")),
            Cause.TLS_HANDSHAKE,
            False,
        ),
        (aiosmtplib.SMTPServerDisconnected("Connection lost"), Cause.CONNECTION_CLOSED, True),
        (
            aiosmtplib.SMTPException("SMTP STARTTLS extension not supported by server."),
            Cause.STARTTLS_NOT_OFFERED,
            False,
        ),
        (
            aiosmtplib.SMTPException("The SMTP AUTH extension is not supported by this server."),
            Cause.AUTH_NOT_OFFERED,
            False,
        ),
        (
            aiosmtplib.SMTPException("No suitable authentication method found."),
            Cause.AUTH_NO_COMMON_MECHANISM,
            False,
        ),
        (
            aiosmtplib.SMTPAuthenticationError(454, "4.7.0 Temporary authentication failure"),
            Cause.AUTH_REJECTED,
            True,
        ),
        (
            aiosmtplib.SMTPAuthenticationError(538, "5.7.11 Encryption required"),
            Cause.ENCRYPTION_REQUIRED,
            False,
        ),
        (
            aiosmtplib.SMTPAuthenticationError(504, "5.5.4 Unrecognized authentication type"),
            Cause.AUTH_NO_COMMON_MECHANISM,
            False,
        ),
        (
            aiosmtplib.SMTPConnectResponseError(554, "5.7.1 go away"),
            Cause.GREETING_REFUSED,
            False,
        ),
        (aiosmtplib.SMTPHeloError(501, "5.5.2 bad hostname"), Cause.EHLO_REFUSED, False),
        (
            aiosmtplib.SMTPSenderRefused(553, "5.7.1 not yours", "x@y"),
            Cause.SENDER_REJECTED,
            False,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "4.2.0 greylisted", "a@b")]
            ),
            Cause.RECIPIENT_REJECTED,
            True,
        ),
        (
            aiosmtplib.SMTPDataError(552, "5.3.4 Message size exceeds fixed limit"),
            Cause.DATA_REJECTED,
            False,
        ),
        (
            aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server"),
            Cause.NOT_SUPPORTED,
            False,
        ),
        (RuntimeError("something odd"), Cause.UNEXPECTED, True),
    ],
)
def test_each_error_gets_its_class(error: BaseException, failure: Cause, transient: bool) -> None:
    diagnosis = diagnose(error, endpoint=ENDPOINT, presets=PRESETS)
    assert (diagnosis.cause, diagnosis.transient) == (failure, transient)
    assert diagnosis.summary and diagnosis.fix
    assert "pw" not in str(diagnosis).split()


@pytest.mark.parametrize(
    ("code", "message", "words"),
    [
        (
            62,
            "Hostname mismatch, certificate is not valid for 'smtp.example.ee'.",
            "issued for another name",
        ),
        (10, "certificate has expired", "expired"),
        (20, "unable to get local issuer certificate", "does not trust"),
    ],
)
def test_certificate_problems_are_told_apart(code: int, message: str, words: str) -> None:
    diagnosis = diagnose(wrapped(certificate_error(code, message)), endpoint=ENDPOINT)
    assert words in diagnosis.summary
    assert "--no-verify-certificate" in diagnosis.fix


def test_the_step_comes_from_the_exception_unless_given() -> None:
    rejected = aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad")
    assert diagnose(rejected).step == Step.AUTH
    assert diagnose(aiosmtplib.SMTPRecipientRefused(550, "5.1.1 no", "a@b")).step == Step.RCPT_TO
    closed = diagnose(aiosmtplib.SMTPServerDisconnected("lost"), Step.DATA)
    assert (closed.cause, closed.step) == (Cause.CONNECTION_CLOSED, Step.DATA)


def test_a_distinctive_code_names_its_provider_on_any_server() -> None:
    diagnosis = diagnose_reply(
        535,
        "5.7.139 Authentication unsuccessful, basic authentication is disabled",
        Step.AUTH,
        presets=PRESETS,
    )
    assert diagnosis.provider == "office365"
    assert "Authenticated SMTP" in diagnosis.fix


def test_a_standard_code_names_a_provider_only_on_its_own_servers() -> None:
    generic = diagnose_reply(
        535, "5.7.8 Authentication credentials invalid", Step.AUTH, presets=PRESETS
    )
    assert generic.provider is None
    gmail = diagnose_reply(
        535,
        "5.7.8 Username and Password not accepted",
        Step.AUTH,
        provider=PRESETS.get("gmail"),
        presets=PRESETS,
    )
    assert gmail.provider == "gmail" and "app password" in gmail.fix
    zone = diagnose_reply(
        535,
        "Incorrect authentication data",
        Step.AUTH,
        provider=PRESETS.get("zone"),
        presets=PRESETS,
    )
    assert zone.provider == "zone"


def test_provider_hint_prefers_the_configured_provider() -> None:
    found = provider_hint(530, "5.7.57 Client not authenticated", None, PRESETS)
    assert found is not None and found[0].key == "office365"
    assert provider_hint(250, "2.0.0 ok", PRESETS.get("gmail"), PRESETS) is None


def test_an_undecodable_334_is_still_explained() -> None:
    diagnosis = diagnose_reply(334, "VXNlcm5hbWU6", Step.AUTH)
    assert diagnosis.cause == Cause.AUTH_INCOMPLETE
    assert "Username:" in diagnosis.summary
    assert diagnose_reply(334, "!!", Step.AUTH).cause == Cause.AUTH_INCOMPLETE


def test_enhanced_status_codes_are_found_in_reply_text() -> None:
    assert enhanced_status("5.7.9 Application-specific password required") == "5.7.9"
    assert enhanced_status("Authentication unsuccessful [5.7.139]") == "5.7.139"
    assert enhanced_status("version 1.2.3.4 ok") is None
