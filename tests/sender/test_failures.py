"""Classification of SMTP replies and exceptions: transient or permanent, and why."""

from __future__ import annotations

import ssl

import aiosmtplib
import pytest

from workers.config.errors import ConfigError
from workers.sender.failures import (
    Kind,
    Refusal,
    Stage,
    classify_exception,
    classify_refusals,
)


@pytest.mark.parametrize(
    ("error", "stage", "kind", "error_class"),
    [
        (aiosmtplib.SMTPDataError(451, "4.3.0 try later"), Stage.DATA, Kind.TRANSIENT, "deferred"),
        (aiosmtplib.SMTPDataError(554, "5.7.1 spam"), Stage.DATA, Kind.PERMANENT, "rejected"),
        (aiosmtplib.SMTPDataError(552, "5.3.4 too big"), Stage.DATA, Kind.PERMANENT, "too_large"),
        (
            aiosmtplib.SMTPSenderRefused(553, "5.7.1 no", "a@b"),
            Stage.MAIL,
            Kind.PERMANENT,
            "sender_refused",
        ),
        (
            aiosmtplib.SMTPSenderRefused(450, "4.1.8 dns", "a@b"),
            Stage.MAIL,
            Kind.TRANSIENT,
            "deferred",
        ),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad"), Stage.AUTH, Kind.PERMANENT, "auth"),
        (
            aiosmtplib.SMTPAuthenticationError(454, "4.7.0 later"),
            Stage.AUTH,
            Kind.TRANSIENT,
            "deferred",
        ),
        (
            aiosmtplib.SMTPResponseException(421, "closing"),
            Stage.MAIL,
            Kind.TRANSIENT,
            "connection",
        ),
        (aiosmtplib.SMTPServerDisconnected("gone"), Stage.DATA, Kind.TRANSIENT, "connection"),
        (aiosmtplib.SMTPConnectError("refused"), Stage.CONNECT, Kind.TRANSIENT, "connection"),
        (ConnectionRefusedError(111, "refused"), Stage.CONNECT, Kind.TRANSIENT, "connection"),
        (ConnectionResetError(104, "reset"), Stage.DATA, Kind.TRANSIENT, "connection"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), Stage.DATA, Kind.TRANSIENT, "timeout"),
        (aiosmtplib.SMTPConnectTimeoutError("slow"), Stage.CONNECT, Kind.TRANSIENT, "timeout"),
        (TimeoutError(), Stage.DATA, Kind.TRANSIENT, "timeout"),
        (ssl.SSLError(1, "decryption failed"), Stage.CONNECT, Kind.TRANSIENT, "tls"),
        (
            ssl.SSLCertVerificationError(1, "verify"),
            Stage.CONNECT,
            Kind.PERMANENT,
            "tls_certificate",
        ),
        (aiosmtplib.SMTPNotSupported("STARTTLS"), Stage.CONNECT, Kind.PERMANENT, "config"),
        (ConfigError("no server"), Stage.CONNECT, Kind.PERMANENT, "config"),
        (RuntimeError("bug"), Stage.DATA, Kind.TRANSIENT, "internal"),
    ],
)
def test_exceptions_are_classified(
    error: BaseException, stage: Stage, kind: Kind, error_class: str
) -> None:
    failure = classify_exception(error, stage)
    assert (failure.kind, failure.error_class) == (kind, error_class)
    assert failure.text


def test_the_reply_is_in_the_text() -> None:
    failure = classify_exception(aiosmtplib.SMTPDataError(554, "5.7.1 spam"), Stage.DATA)
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
