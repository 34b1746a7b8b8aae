"""What went wrong with a send, and whether trying again can help (pure).

Every exception of an SMTP attempt becomes a :class:`Failure`: *transient* (4xx replies,
refused or reset connections, timeouts, TLS hiccups) or *permanent* (5xx replies to MAIL
FROM or DATA, rejected authentication, every recipient refused, a message too large, a
configuration that cannot work). The error class names the cause for the dead-letter queue.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from enum import StrEnum

import aiosmtplib

from workers.config.errors import ConfigError


class Kind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


class Stage(StrEnum):
    """Where in the SMTP conversation the failure happened."""

    CONNECT = "connect"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


# Error classes (the x-erpmail-error-class header of dead-lettered jobs).
INVALID = "invalid"
CONFIG = ConfigError.error_class  # "config"
INTERRUPTED = "interrupted"
AUTH = "auth"
CONNECTION = "connection"
TIMEOUT = "timeout"
TLS = "tls"
TLS_CERTIFICATE = "tls_certificate"
SENDER_REFUSED = "sender_refused"
RECIPIENTS_REFUSED = "recipients_refused"
REJECTED = "rejected"
TOO_LARGE = "too_large"
DEFERRED = "deferred"
INTERNAL = "internal"
ERROR_CLASSES = frozenset(
    {
        INVALID,
        CONFIG,
        INTERRUPTED,
        AUTH,
        CONNECTION,
        TIMEOUT,
        TLS,
        TLS_CERTIFICATE,
        SENDER_REFUSED,
        RECIPIENTS_REFUSED,
        REJECTED,
        TOO_LARGE,
        DEFERRED,
        INTERNAL,
    }
)


@dataclass(frozen=True)
class Refusal:
    """One recipient refused at RCPT TO."""

    recipient: str
    code: int
    message: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500


@dataclass(frozen=True)
class Failure:
    kind: Kind
    error_class: str
    text: str
    stage: Stage | None = None
    reply_code: int | None = None
    refusals: tuple[Refusal, ...] = field(default=())

    @property
    def permanent(self) -> bool:
        return self.kind == Kind.PERMANENT


def _reply(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def _by_code(code: int, permanent_class: str, text: str, stage: Stage) -> Failure:
    if 500 <= code < 600:
        return Failure(Kind.PERMANENT, permanent_class, text, stage, code)
    return Failure(Kind.TRANSIENT, DEFERRED, text, stage, code)


def is_too_large(code: int, message: str) -> bool:
    return code == 552 or "5.3.4" in message or "5.2.3" in message


def classify_exception(error: BaseException, stage: Stage) -> Failure:
    """The :class:`Failure` an exception raised at ``stage`` amounts to."""
    if isinstance(error, ConfigError):
        return Failure(Kind.PERMANENT, CONFIG, str(error), stage)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        text = f"the server refused the login: {_reply(error.code, error.message)}"
        return _by_code(error.code, AUTH, text, Stage.AUTH)
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        text = f"MAIL FROM refused: {_reply(error.code, error.message)}"
        return _by_code(error.code, SENDER_REFUSED, text, Stage.MAIL)
    if isinstance(error, aiosmtplib.SMTPDataError):
        text = f"message refused: {_reply(error.code, error.message)}"
        if is_too_large(error.code, error.message) and error.code >= 500:
            return Failure(Kind.PERMANENT, TOO_LARGE, text, Stage.DATA, error.code)
        return _by_code(error.code, REJECTED, text, Stage.DATA)
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return Failure(Kind.PERMANENT, CONFIG, f"the server cannot do this: {error}", stage)
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return Failure(Kind.TRANSIENT, TIMEOUT, f"timed out at {stage}: {error}", stage)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{stage} refused: {_reply(error.code, error.message)}"
        if error.code == 421:
            return Failure(Kind.TRANSIENT, CONNECTION, text, stage, error.code)
        return _by_code(error.code, REJECTED, text, stage)
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = getattr(error, "verify_message", None) or str(error)
        text = f"the server's TLS certificate does not verify: {detail}"
        return Failure(Kind.PERMANENT, TLS_CERTIFICATE, text, stage)
    if isinstance(error, ssl.SSLError):
        return Failure(Kind.TRANSIENT, TLS, f"TLS failed at {stage}: {error}", stage)
    if isinstance(error, aiosmtplib.SMTPException | OSError):
        return Failure(Kind.TRANSIENT, CONNECTION, f"connection failed at {stage}: {error}", stage)
    return Failure(Kind.TRANSIENT, INTERNAL, f"{error.__class__.__name__}: {error}", stage)


def classify_refusals(refusals: list[Refusal], recipients: int) -> Failure | None:
    """The failure a set of RCPT refusals amounts to, or None when the mail can go on.

    A 4xx refusal of any recipient defers the whole job (so that nobody is left out); when
    every refusal is permanent the accepted recipients get the mail and the refused ones are
    recorded; when every recipient is refused permanently the job fails.
    """
    if not refusals:
        return None
    first = refusals[0]
    detail = "; ".join(f"{r.recipient}: {_reply(r.code, r.message)}" for r in refusals)
    if any(not r.permanent for r in refusals):
        text = f"recipients deferred: {detail}"
        return Failure(Kind.TRANSIENT, DEFERRED, text, Stage.RCPT, first.code, tuple(refusals))
    if len(refusals) >= recipients:
        text = f"every recipient refused: {detail}"
        return Failure(
            Kind.PERMANENT, RECIPIENTS_REFUSED, text, Stage.RCPT, first.code, tuple(refusals)
        )
    return None
