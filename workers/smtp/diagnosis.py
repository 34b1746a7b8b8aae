"""What an SMTP failure means, in plain words, and how to fix it. Pure: no I/O.

:func:`diagnose` takes the exception that aiosmtplib (or the socket/TLS layer under it)
raised, and optionally the step it happened in, the endpoint and the provider presets; it
returns a :class:`Diagnosis`: the cause, a summary, the fix, whether waiting and trying
again could help, and the provider's own explanation where a preset knows the reply.
This is the one place that decides what a failure is and whether it is transient:
``erpmail config test`` shows the diagnosis per step, and the sender's verdict
(:func:`workers.smtp.failures.classify`) is read off it.

TLS: a certificate that does not verify is permanent (``tls_certificate``); a handshake
that fails because the two sides speak differently (TLS against a plain-text port, no
common protocol version or cipher) is permanent too, since only a change of configuration
mends it (``tls_handshake``); any other TLS error (a record that does not decrypt, the peer
gone mid-handshake) is a transient hiccup (``tls_error``).
"""

from __future__ import annotations

import base64
import binascii
import errno
import re
import socket
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

import aiosmtplib

from schemas.values import TlsMode
from workers.dsn.status import find_status
from workers.smtp.auth import ChallengeLoop
from workers.smtp.codes import Reply
from workers.smtp.endpoint import SmtpEndpoint


class Step(StrEnum):
    """The steps of an SMTP conversation, in order."""

    CONNECT = "connect"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL_FROM = "mail_from"
    RCPT_TO = "rcpt_to"
    DATA = "data"
    QUIT = "quit"

    @property
    def command(self) -> str:
        """The SMTP command word of the step (``MAIL`` for MAIL FROM), as a bounce reads."""
        return _COMMANDS.get(self, self.value.upper())


_COMMANDS = {Step.MAIL_FROM: "MAIL", Step.RCPT_TO: "RCPT"}


class Misconfigured(Exception):
    """A failure that no retry mends: the configuration cannot work as it is
    (``workers.config.errors.ConfigError`` is one). Says what is wrong and how to fix it."""

    def __init__(self, problem: str, *, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. Fix: {fix}" if fix else problem)


@dataclass(frozen=True)
class ReplyHint:
    """What a provider's reply means and how to fix it (presets carry them: ``auth_hints``)."""

    meaning: str
    fix: str
    reply_code: int | None = None
    status: str | None = None
    pattern: str | None = None
    distinctive: bool = False  # recognises the provider on any server

    def matches(self, reply_code: int | None, text: str) -> bool:
        if self.reply_code is not None and reply_code != self.reply_code:
            return False
        if self.status is not None and not re.search(
            rf"(?<![\d.]){re.escape(self.status)}(?![\d.])", text
        ):
            return False
        return self.pattern is None or re.search(self.pattern, text, re.I) is not None


class Provider(Protocol):
    """A provider preset, as far as the diagnosis reads it (``workers.config.presets``)."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def auth_hints(self) -> Sequence[ReplyHint]: ...


class Cause(StrEnum):
    DNS = "dns"
    REFUSED = "connection_refused"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    CONNECTION_CLOSED = "connection_closed"
    TLS_CERTIFICATE = "tls_certificate"
    TLS_HANDSHAKE = "tls_handshake"
    TLS_ERROR = "tls_error"
    GREETING_REFUSED = "greeting_refused"
    EHLO_REFUSED = "ehlo_refused"
    STARTTLS_NOT_OFFERED = "starttls_not_offered"
    STARTTLS_REFUSED = "starttls_refused"
    AUTH_NOT_OFFERED = "auth_not_offered"
    AUTH_NO_COMMON_MECHANISM = "auth_no_common_mechanism"
    AUTH_REJECTED = "auth_rejected"
    AUTH_INCOMPLETE = "auth_incomplete"
    AUTH_REQUIRED = "auth_required"
    ENCRYPTION_REQUIRED = "encryption_required"
    SENDER_REJECTED = "sender_rejected"
    RECIPIENT_REJECTED = "recipient_rejected"
    DATA_REJECTED = "data_rejected"
    NOT_SUPPORTED = "not_supported"
    MISCONFIGURED = "misconfigured"
    UNEXPECTED_REPLY = "unexpected_reply"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Diagnosis:
    cause: Cause
    step: Step
    summary: str
    fix: str
    transient: bool
    reply_code: int | None = None
    enhanced_status: str | None = None
    provider: str | None = None  # the preset whose explanation applied

    def __str__(self) -> str:
        return f"{self.summary}. Fix: {self.fix}"


_CREDENTIALS_FIX = (
    "check the username (usually the full e-mail address) and the password; where the account "
    "has two-step verification or MFA, most providers need an app password instead of the "
    "account password; store them with erpmail config set USER --username ... --password-prompt"
)


def enhanced_status(text: str) -> str | None:
    return find_status(text) or None


def is_too_large(code: int, text: str) -> bool:
    """A reply that refuses a message for its size (552, or status 5.3.4 / 5.2.3)."""
    return code == Reply.TOO_LARGE or find_status(text) in ("5.3.4", "5.2.3")


def provider_hint(
    reply_code: int | None,
    text: str,
    provider: Provider | None = None,
    presets: Iterable[Provider] | None = None,
) -> tuple[Provider, ReplyHint] | None:
    """The preset explanation of a reply: the provider's own first; then any preset's hint
    marked distinctive (specific enough to recognise its provider on any server)."""
    if provider is not None:
        for hint in provider.auth_hints:
            if hint.matches(reply_code, text):
                return provider, hint
    for preset in presets or ():
        for hint in preset.auth_hints:
            if hint.distinctive and hint.matches(reply_code, text):
                return preset, hint
    return None


def _where(endpoint: SmtpEndpoint | None) -> str:
    return f"{endpoint.host}:{endpoint.port}" if endpoint else "the server"


def _decoded_challenge(text: str) -> str | None:
    """A 334 text is base64; providers put OAuth errors there. Its decoded form, if readable."""
    candidate = text.strip().split()[0] if text.strip() else ""
    try:
        decoded = base64.b64decode(candidate, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isprintable() and decoded else None


# Replies whose cause and fix do not depend on the text: (cause, what the server did, fix).
_AUTH_REPLIES: dict[int, tuple[Cause, str, str]] = {
    Reply.ENCRYPTION_REQUIRED: (
        Cause.ENCRYPTION_REQUIRED,
        "wants TLS before it accepts a login",
        "use TLS mode starttls (port 587) or ssl (port 465)",
    ),
    Reply.MECHANISM_UNKNOWN: (
        Cause.AUTH_NO_COMMON_MECHANISM,
        "does not accept the authentication mechanism erpmail used",
        "the server and erpmail share no login mechanism (erpmail speaks PLAIN, LOGIN and "
        "CRAM-MD5); ask the provider which one the server takes",
    ),
}
_GREETING_REFUSED = (
    Cause.GREETING_REFUSED,
    "refused the session in its greeting",
    "the server does not take mail from this machine now (busy, or blocks this address); "
    "try later, or ask its administrator",
)
_REFUSED_AT: dict[Step, tuple[Cause, str, str]] = {
    Step.CONNECT: _GREETING_REFUSED,
    Step.GREETING: _GREETING_REFUSED,
    Step.EHLO: (
        Cause.EHLO_REFUSED,
        "refused EHLO",
        "the server does not accept this client's greeting; ask its administrator",
    ),
    Step.STARTTLS: (
        Cause.STARTTLS_REFUSED,
        "refused to start TLS",
        "try TLS mode ssl on port 465, or ask the provider which TLS mode it uses",
    ),
}


def _auth_reply(code: int, text: str, endpoint: SmtpEndpoint | None) -> tuple[Cause, str, str]:
    where = _where(endpoint)
    if code == Reply.AUTH_CONTINUE:
        decoded = _decoded_challenge(text)
        return (
            Cause.AUTH_INCOMPLETE,
            f"{where} answered 334 (go on) where 235 (logged in) was expected: the "
            "authentication exchange did not complete"
            + (f"; the server's message decodes to {decoded!r}" if decoded else ""),
            "the account may not log in with a password over SMTP. On Microsoft 365 (Office "
            "365) this is what a mailbox answers when SMTP AUTH is turned off for it or for the "
            "tenant, or when security defaults block basic authentication: an Exchange "
            "administrator turns on Authenticated SMTP for the mailbox and lets the tenant "
            "allow it. Elsewhere the server wants another step of the mechanism or reports an "
            "OAuth error in that 334 text; check the username and password",
        )
    if code in _AUTH_REPLIES:
        cause, did, fix = _AUTH_REPLIES[code]
        return cause, f"{where} {did}", fix
    if Reply.transient(code):
        return (
            Cause.AUTH_REJECTED,
            f"{where} could not check the login just now ({code})",
            "try again later; if it persists, ask the provider",
        )
    return (
        Cause.AUTH_REJECTED,
        f"{where} did not accept the username and password",
        _CREDENTIALS_FIX,
    )


def _reply(
    code: int, text: str, step: Step, endpoint: SmtpEndpoint | None
) -> tuple[Cause, str, str]:
    where = _where(endpoint)
    status = enhanced_status(text) or ""
    if step in _REFUSED_AT:
        cause, did, fix = _REFUSED_AT[step]
        return cause, f"{where} {did}", fix
    if step == Step.AUTH:
        return _auth_reply(code, text, endpoint)
    if step == Step.MAIL_FROM:
        if code == Reply.AUTH_REQUIRED or (
            status in ("5.7.0", "5.7.57") and "auth" in text.lower()
        ):
            return (
                Cause.AUTH_REQUIRED,
                f"{where} wants a login before it accepts mail",
                "set the SMTP username and password for this user (or the global user): "
                "a blank username means erpmail does not log in",
            )
        return (
            Cause.SENDER_REJECTED,
            f"{where} refused the sender address",
            "the account may send only from its own address: in own mode make the user's "
            "e-mail the account's address (or one it may send as); reply-to mode sends from "
            "the company's event-domain address, which such a server refuses",
        )
    if step == Step.RCPT_TO:
        if "relay" in text.lower():
            return (
                Cause.RECIPIENT_REJECTED,
                f"{where} refuses to relay to that recipient",
                "the server relays only for logged-in users or its own domains: configure "
                "the username and password",
            )
        return (
            Cause.RECIPIENT_REJECTED,
            f"{where} refused the recipient",
            "check the recipient address; the server's reply says why",
        )
    if step == Step.DATA:
        if is_too_large(code, text):
            return (
                Cause.DATA_REJECTED,
                f"{where} refused the message as too big",
                "send smaller attachments",
            )
        return (
            Cause.DATA_REJECTED,
            f"{where} refused the message",
            "the server's reply says why (content, policy or limits)",
        )
    return (
        Cause.UNEXPECTED_REPLY,
        f"{where} answered {code} at {step}",
        "see the server's reply",
    )


def diagnose_reply(
    code: int,
    text: str,
    step: Step,
    *,
    endpoint: SmtpEndpoint | None = None,
    provider: Provider | None = None,
    presets: Iterable[Provider] | None = None,
) -> Diagnosis:
    """The diagnosis of a refusing SMTP reply ``code text`` at ``step``."""
    cause, summary, fix = _reply(code, text, step, endpoint)
    hinted = provider_hint(code, text, provider, presets)
    provider_key = None
    if hinted is not None:
        preset, hint = hinted
        summary = f"{summary} ({preset.name}: {hint.meaning})"
        fix = hint.fix
        provider_key = preset.key
    return Diagnosis(
        cause=cause,
        step=step,
        summary=f"{summary} ({code} {' '.join(text.split())})",
        fix=fix,
        transient=Reply.transient(code),
        reply_code=code,
        enhanced_status=enhanced_status(text),
        provider=provider_key,
    )


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _step_of(error: BaseException) -> Step:
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return Step.AUTH
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return Step.MAIL_FROM
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPRecipientsRefused):
        return Step.RCPT_TO
    if isinstance(error, aiosmtplib.SMTPDataError):
        return Step.DATA
    if isinstance(error, aiosmtplib.SMTPHeloError):
        return Step.EHLO
    return Step.CONNECT


def _certificate(
    error: ssl.SSLCertVerificationError, endpoint: SmtpEndpoint | None
) -> tuple[str, str]:
    # an error made by hand (not by the ssl module) may lack the verify_* attributes
    reason = getattr(error, "verify_message", None) or getattr(error, "reason", None)
    reason = reason or str(error)
    code = getattr(error, "verify_code", None)
    where = _where(endpoint)
    last_resort = (
        "; as a last resort turn verification off explicitly "
        "(erpmail config set USER --no-verify-certificate), which lets anyone on the way "
        "read the password"
    )
    if code == 10:
        return (
            f"{where} presented an expired certificate ({reason})",
            "the server's administrator must renew its certificate" + last_resort,
        )
    if code == 62 or "hostname" in reason.lower():
        return (
            f"{where} presented a certificate issued for another name ({reason})",
            "use the host name the certificate is issued for (the provider's documented "
            "SMTP host)" + last_resort,
        )
    return (
        f"{where} presented a certificate that this machine does not trust ({reason})",
        "the certificate is self-signed or from a private CA: have the administrator use a "
        "certificate from a public CA, or add the CA to this machine's trust store "
        "(SSL_CERT_FILE)" + last_resort,
    )


# OpenSSL reasons that mean the two sides cannot agree whatever the moment: the port speaks
# plain text (or HTTP), or they share no protocol version or cipher. Only a change of
# configuration mends these; any other TLS error is taken for a hiccup and retried.
_MISMATCH = (
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "PROTOCOL_VERSION",
    "NO_SHARED_CIPHER",
    "NO_CIPHERS_AVAILABLE",
    "SSLV3_ALERT_HANDSHAKE_FAILURE",
    "UNSAFE_LEGACY_RENEGOTIATION",
    "DH_KEY_TOO_SMALL",
)


def _tls(error: ssl.SSLError, step: Step | None, endpoint: SmtpEndpoint | None) -> Diagnosis:
    said = getattr(error, "reason", None) or str(error)
    reason = said.upper()
    where = _where(endpoint)
    at = step or Step.CONNECT
    if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER" in reason or "HTTP_REQUEST" in reason:
        return Diagnosis(
            Cause.TLS_HANDSHAKE,
            at,
            f"{where} did not answer the TLS handshake with TLS (it probably speaks plain SMTP "
            "there first)",
            "use TLS mode starttls (usually port 587 or 25) instead of ssl",
            transient=False,
        )
    if any(word in reason for word in _MISMATCH):
        return Diagnosis(
            Cause.TLS_HANDSHAKE,
            at,
            f"the TLS handshake with {where} failed ({said})",
            "check the TLS mode and port (ssl on 465, starttls on 587); the server may only "
            "speak old TLS versions, which erpmail does not accept",
            transient=False,
        )
    return Diagnosis(
        Cause.TLS_ERROR,
        at,
        f"TLS with {where} failed at {at} ({said})",
        "try again; if it persists, check the TLS mode and port (ssl on 465, starttls on 587)",
        transient=True,
    )


def _timeout(error: BaseException, step: Step | None, endpoint: SmtpEndpoint | None) -> Diagnosis:
    where = _where(endpoint)
    text = str(error).lower()
    if "ready message" in text or step == Step.GREETING:
        if endpoint is not None and endpoint.port == 465 and endpoint.tls != TlsMode.SSL:
            hint = (
                "port 465 speaks implicit TLS first: a client waiting for a plain greeting "
                "there waits for ever; use TLS mode ssl on port 465"
            )
        else:
            hint = (
                "the server accepted the connection but never greeted: it may be "
                "overloaded, or not an SMTP server; check the port"
            )
        return Diagnosis(
            Cause.TIMEOUT,
            Step.GREETING,
            f"connected to {where}, but the server never sent its greeting",
            hint,
            transient=True,
        )
    if "connecting" in text or step in (None, Step.CONNECT):
        return Diagnosis(
            Cause.TIMEOUT,
            Step.CONNECT,
            f"no answer from {where} (connection timed out)",
            "check the host and port; a firewall may drop SMTP ports from this network "
            "(many networks block outgoing port 25)",
            transient=True,
        )
    return Diagnosis(
        Cause.TIMEOUT,
        step,
        f"{where} stopped answering during {step}",
        "try again; if it persists, the server is overloaded or filtering",
        transient=True,
    )


def _by_message(
    error: aiosmtplib.SMTPException, endpoint: SmtpEndpoint | None, step: Step | None
) -> Diagnosis | None:
    text = str(error).lower()
    where = _where(endpoint)
    if "starttls extension not supported" in text:
        return Diagnosis(
            Cause.STARTTLS_NOT_OFFERED,
            Step.STARTTLS,
            f"{where} does not offer STARTTLS",
            "use TLS mode ssl if the server speaks implicit TLS (port 465); mode none sends "
            "in plain text and is allowed only for a trusted relay",
            transient=False,
        )
    if "auth extension is not supported" in text:
        fix = "clear the username if the server needs no login"
        if endpoint is not None and endpoint.tls == TlsMode.NONE:
            fix = (
                "most servers offer AUTH only over TLS: use starttls (587) or ssl (465); "
                "or clear the username if the server needs no login"
            )
        return Diagnosis(
            Cause.AUTH_NOT_OFFERED,
            Step.AUTH,
            f"{where} does not offer AUTH (login)",
            fix,
            transient=False,
        )
    if "no suitable authentication method" in text:
        return Diagnosis(
            Cause.AUTH_NO_COMMON_MECHANISM,
            Step.AUTH,
            f"{where} offers no login mechanism erpmail speaks (PLAIN, LOGIN, CRAM-MD5)",
            "the server may want OAuth (XOAUTH2); use an app password where the provider "
            "allows it, or another server",
            transient=False,
        )
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return Diagnosis(
            Cause.NOT_SUPPORTED,
            step or Step.MAIL_FROM,
            f"{where} lacks a feature the mail needs ({error})",
            "the addresses need SMTPUTF8: use ASCII addresses or another server",
            transient=False,
        )
    return None


def diagnose(
    error: BaseException,
    step: Step | None = None,
    *,
    endpoint: SmtpEndpoint | None = None,
    provider: Provider | None = None,
    presets: Iterable[Provider] | None = None,
) -> Diagnosis:
    """The diagnosis of ``error`` raised while talking to ``endpoint`` (at ``step``, when
    known; otherwise the step is read from the exception type)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        at = step or _step_of(error)
        if isinstance(error, aiosmtplib.SMTPConnectResponseError):
            at = Step.GREETING
        diagnosis = diagnose_reply(
            error.code, error.message, at, endpoint=endpoint, provider=provider, presets=presets
        )
        if isinstance(error, ChallengeLoop):  # say which mechanism, and that it went no further
            summary = f"AUTH {error.mechanism}: {diagnosis.summary}; no other mechanism tried"
            return replace(diagnosis, summary=summary)
        return diagnosis
    where = _where(endpoint)
    if isinstance(error, Misconfigured):
        return Diagnosis(
            Cause.MISCONFIGURED,
            step or Step.CONNECT,
            error.problem,
            error.fix or "correct the SMTP configuration",
            transient=False,
        )
    for link in _chain(error):
        if isinstance(link, ssl.SSLCertVerificationError):
            summary, fix = _certificate(link, endpoint)
            return Diagnosis(
                Cause.TLS_CERTIFICATE, step or Step.CONNECT, summary, fix, transient=False
            )
        if isinstance(link, socket.gaierror):
            return Diagnosis(
                Cause.DNS,
                Step.CONNECT,
                f"the host name {endpoint.host if endpoint else ''} does not resolve "
                f"({link.strerror or link})",
                "check the spelling of the SMTP host (e.g. smtp.gmail.com); if it is right, "
                "this machine's DNS is not working",
                transient=True,
            )
        if isinstance(link, ConnectionRefusedError):
            return Diagnosis(
                Cause.REFUSED,
                Step.CONNECT,
                f"{where} refused the connection",
                "nothing listens on that port: check the port (25, 465 or 587) and the host",
                transient=True,
            )
        if isinstance(link, OSError) and link.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return Diagnosis(
                Cause.UNREACHABLE,
                Step.CONNECT,
                f"{where} cannot be reached",
                "check the network and the host",
                transient=True,
            )
        if isinstance(link, ssl.SSLError):
            return _tls(link, step, endpoint)
    if isinstance(error, TimeoutError):
        return _timeout(error, step, endpoint)
    if isinstance(error, aiosmtplib.SMTPException):
        found = _by_message(error, endpoint, step)
        if found is not None:
            return found
    for link in _chain(error):
        if isinstance(link, aiosmtplib.SMTPServerDisconnected | ConnectionError | EOFError):
            return Diagnosis(
                Cause.CONNECTION_CLOSED,
                step or Step.CONNECT,
                f"{where} closed the connection"
                + (" before greeting" if (step or Step.CONNECT) == Step.CONNECT else ""),
                "the server may block this machine's address, allow only a few connections, "
                "or speak another protocol on this port (check TLS mode and port)",
                transient=True,
            )
    return Diagnosis(
        Cause.UNEXPECTED,
        step or Step.CONNECT,
        f"unexpected error talking to {where}: {type(error).__name__}: {error}",
        "see the error; report it if it persists",
        transient=True,
    )
