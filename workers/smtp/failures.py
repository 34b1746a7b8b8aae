"""What went wrong with a send, and whether trying again can help (pure).

Every exception of an SMTP attempt becomes a :class:`Failure`: *transient* (4xx replies,
refused or reset connections, timeouts, TLS hiccups) or *permanent* (5xx replies to MAIL
FROM or DATA, rejected authentication, every recipient refused, a message too large, a
configuration that cannot work). The error class names the cause for the dead-letter queue.

There is one classifier: :func:`workers.smtp.diagnosis.diagnose` decides the cause and
whether it is transient; :func:`classify` reads the sender's verdict off that diagnosis
with one table, :data:`CAUSE_CLASSES`, and three rules for replies that come before it:

- a 421 (the server is closing the connection) is ``connection``, transient;
- any other 4xx reply is ``deferred``, transient;
- a 5xx reply that refuses the message for its size is ``too_large``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from workers.logging import mask_secrets
from workers.smtp.codes import Reply
from workers.smtp.diagnosis import Cause, Diagnosis, Step, diagnose, is_too_large


class Kind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


class ErrorClass(StrEnum):
    """Error classes (the x-erpmail-error-class header of dead-lettered jobs)."""

    INVALID = "invalid"
    CONFIG = "config"
    INTERRUPTED = "interrupted"
    SUPPRESSED = "suppressed"
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


# What the sender dead-letters with (a suppressed job is recorded, not dead-lettered).
DEAD_LETTER_CLASSES = frozenset(ErrorClass) - {ErrorClass.SUPPRESSED}

# The error class of each cause (whether it is transient is the diagnosis' answer).
CAUSE_CLASSES: dict[Cause, ErrorClass] = {
    Cause.DNS: ErrorClass.CONNECTION,
    Cause.REFUSED: ErrorClass.CONNECTION,
    Cause.UNREACHABLE: ErrorClass.CONNECTION,
    Cause.CONNECTION_CLOSED: ErrorClass.CONNECTION,
    Cause.TIMEOUT: ErrorClass.TIMEOUT,
    Cause.TLS_CERTIFICATE: ErrorClass.TLS_CERTIFICATE,  # permanent
    Cause.TLS_HANDSHAKE: ErrorClass.CONFIG,  # permanent: the TLS mode or port is wrong
    Cause.TLS_ERROR: ErrorClass.TLS,  # transient
    Cause.GREETING_REFUSED: ErrorClass.REJECTED,
    Cause.EHLO_REFUSED: ErrorClass.REJECTED,
    Cause.STARTTLS_NOT_OFFERED: ErrorClass.CONFIG,
    Cause.STARTTLS_REFUSED: ErrorClass.REJECTED,
    Cause.AUTH_NOT_OFFERED: ErrorClass.CONFIG,
    Cause.AUTH_NO_COMMON_MECHANISM: ErrorClass.AUTH,
    Cause.AUTH_REJECTED: ErrorClass.AUTH,
    Cause.AUTH_INCOMPLETE: ErrorClass.AUTH,
    Cause.AUTH_REQUIRED: ErrorClass.SENDER_REFUSED,  # MAIL FROM refused for want of a login
    Cause.ENCRYPTION_REQUIRED: ErrorClass.AUTH,
    Cause.SENDER_REJECTED: ErrorClass.SENDER_REFUSED,
    Cause.RECIPIENT_REJECTED: ErrorClass.RECIPIENTS_REFUSED,
    Cause.DATA_REJECTED: ErrorClass.REJECTED,
    Cause.NOT_SUPPORTED: ErrorClass.CONFIG,
    Cause.MISCONFIGURED: ErrorClass.CONFIG,
    Cause.UNEXPECTED_REPLY: ErrorClass.REJECTED,
    Cause.UNEXPECTED: ErrorClass.INTERNAL,
}


@dataclass(frozen=True)
class Refusal:
    """One recipient refused at RCPT TO."""

    recipient: str
    code: int
    message: str

    @property
    def permanent(self) -> bool:
        return Reply.permanent(self.code)

    def masked(self, *secrets: str | None) -> Refusal:
        return replace(self, message=mask_secrets(self.message, *secrets))


@dataclass(frozen=True)
class Failure:
    kind: Kind
    error_class: ErrorClass
    text: str
    step: Step | None = None
    reply_code: int | None = None
    refusals: tuple[Refusal, ...] = field(default=())

    @property
    def permanent(self) -> bool:
        return self.kind == Kind.PERMANENT

    def masked(self, *secrets: str | None) -> Failure:
        """The failure fit to store, dead-letter and print: a server may echo the password
        of the session in its reply (``mask_secrets``)."""
        return replace(
            self,
            text=mask_secrets(self.text, *secrets),
            refusals=tuple(refusal.masked(*secrets) for refusal in self.refusals),
        )


def _reply(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def error_class(diagnosis: Diagnosis) -> ErrorClass:
    """The sender's error class of ``diagnosis`` (the rules above, then the table)."""
    code = diagnosis.reply_code
    if code is not None and diagnosis.transient:
        return ErrorClass.CONNECTION if code == Reply.CLOSING else ErrorClass.DEFERRED
    if (
        diagnosis.cause == Cause.DATA_REJECTED
        and code is not None
        and is_too_large(code, diagnosis.enhanced_status or "")
    ):
        return ErrorClass.TOO_LARGE
    return CAUSE_CLASSES[diagnosis.cause]


def classify(error: BaseException, step: Step) -> Failure:
    """The :class:`Failure` an exception raised at ``step`` amounts to."""
    diagnosis = diagnose(error, step)
    kind = Kind.TRANSIENT if diagnosis.transient else Kind.PERMANENT
    return Failure(
        kind, error_class(diagnosis), diagnosis.summary, diagnosis.step, diagnosis.reply_code
    )


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
        return Failure(
            Kind.TRANSIENT, ErrorClass.DEFERRED, text, Step.RCPT_TO, first.code, tuple(refusals)
        )
    if len(refusals) >= recipients:
        text = f"every recipient refused: {detail}"
        return Failure(
            Kind.PERMANENT,
            ErrorClass.RECIPIENTS_REFUSED,
            text,
            Step.RCPT_TO,
            first.code,
            tuple(refusals),
        )
    return None
