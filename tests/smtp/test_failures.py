"""Classification of SMTP replies and exceptions: transient or permanent, and why."""

from __future__ import annotations

import ssl

import aiosmtplib
import pytest

from workers.config.errors import ConfigError
from workers.smtp.diagnosis import Step
from workers.smtp.failures import Kind, Refusal, classify, classify_refusals


@pytest.mark.parametrize(
    ("error", "stage", "kind", "error_class"),
    [
        (aiosmtplib.SMTPDataError(451, "4.3.0 try later"), Step.DATA, Kind.TRANSIENT, "deferred"),
        (aiosmtplib.SMTPDataError(554, "5.7.1 spam"), Step.DATA, Kind.PERMANENT, "rejected"),
        (aiosmtplib.SMTPDataError(552, "5.3.4 too big"), Step.DATA, Kind.PERMANENT, "too_large"),
        (
            aiosmtplib.SMTPSenderRefused(553, "5.7.1 no", "a@b"),
            Step.MAIL_FROM,
            Kind.PERMANENT,
            "sender_refused",
        ),
        (
            aiosmtplib.SMTPSenderRefused(450, "4.1.8 dns", "a@b"),
            Step.MAIL_FROM,
            Kind.TRANSIENT,
            "deferred",
        ),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad"), Step.AUTH, Kind.PERMANENT, "auth"),
        (
            aiosmtplib.SMTPAuthenticationError(454, "4.7.0 later"),
            Step.AUTH,
            Kind.TRANSIENT,
            "deferred",
        ),
        (
            aiosmtplib.SMTPResponseException(421, "closing"),
            Step.MAIL_FROM,
            Kind.TRANSIENT,
            "connection",
        ),
        (aiosmtplib.SMTPServerDisconnected("gone"), Step.DATA, Kind.TRANSIENT, "connection"),
        (aiosmtplib.SMTPConnectError("refused"), Step.CONNECT, Kind.TRANSIENT, "connection"),
        (ConnectionRefusedError(111, "refused"), Step.CONNECT, Kind.TRANSIENT, "connection"),
        (ConnectionResetError(104, "reset"), Step.DATA, Kind.TRANSIENT, "connection"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), Step.DATA, Kind.TRANSIENT, "timeout"),
        (aiosmtplib.SMTPConnectTimeoutError("slow"), Step.CONNECT, Kind.TRANSIENT, "timeout"),
        (TimeoutError(), Step.DATA, Kind.TRANSIENT, "timeout"),
        (ssl.SSLError(1, "decryption failed"), Step.CONNECT, Kind.TRANSIENT, "tls"),
        (
            ssl.SSLCertVerificationError(1, "verify"),
            Step.CONNECT,
            Kind.PERMANENT,
            "tls_certificate",
        ),
        (aiosmtplib.SMTPNotSupported("STARTTLS"), Step.CONNECT, Kind.PERMANENT, "config"),
        (ConfigError("no server"), Step.CONNECT, Kind.PERMANENT, "config"),
        (RuntimeError("bug"), Step.DATA, Kind.TRANSIENT, "internal"),
    ],
)
def test_exceptions_are_classified(
    error: BaseException, stage: Step, kind: Kind, error_class: str
) -> None:
    failure = classify(error, stage)
    assert (failure.kind, failure.error_class) == (kind, error_class)
    assert failure.text


def test_the_reply_is_in_the_text() -> None:
    failure = classify(aiosmtplib.SMTPDataError(554, "5.7.1 spam"), Step.DATA)
    assert "554 5.7.1 spam" in failure.text
    assert failure.reply_code == 554


def test_no_refusal_lets_the_mail_go() -> None:
    assert classify_refusals([], 3) is None


def test_some_permanent_refusals_let_the_others_get_the_mail() -> None:
    assert classify_refusals([Refusal("a@x.ee", 550, "5.1.1 unknown")], 2) is None


def test_every_recipient_refused_permanently_fails_permanently() -> None:
    failure = classify_refusals([Refusal("a@x.ee", 550, "5.1.1 unknown")], 1)
    assert failure is not None
    assert (failure.kind, failure.error_class) == (Kind.PERMANENT, "recipients_refused")
    assert failure.refusals[0].recipient == "a@x.ee"


def test_a_deferred_recipient_defers_the_whole_job() -> None:
    failure = classify_refusals(
        [Refusal("a@x.ee", 550, "5.1.1 unknown"), Refusal("b@x.ee", 451, "4.7.1 greylisted")], 3
    )
    assert failure is not None
    assert (failure.kind, failure.error_class) == (Kind.TRANSIENT, "deferred")
    assert "greylisted" in failure.text
