"""Real SMTP servers on loopback for the tests: aiosmtpd in every TLS mode, with or without AUTH,
plus servers that misbehave (close at once, never answer).

Each server listens on its own loopback address (``127.x.y.z``) on the standard port of its
TLS mode (25 plain, 587 STARTTLS, 465 implicit TLS), so that a configuration pointing at it
passes erpmail's port rule; that needs root (as in CI) or
``net.ipv4.ip_unprivileged_port_start=0``. Pass ``port=0`` for any free port instead.

Use the context managers directly, or the fixtures (registered from ``tests/conftest.py``):
``tls_authority`` (a session CA), ``trust_test_ca`` (points SSL_CERT_FILE at it so that the
code under test trusts the test servers, as it would trust a public CA).
"""

from __future__ import annotations

import contextlib
import errno
import random
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AnyStr

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session, syntax

from schemas.values import TlsMode
from tests.certificates import Authority, issue, make_authority
from workers.smtp.endpoint import SmtpEndpoint

STANDARD_PORTS = {TlsMode.NONE: 25, TlsMode.STARTTLS: 587, TlsMode.SSL: 465}


def loopback_host() -> str:
    """A random loopback address other than 127.0.0.1 (where the shared services listen)."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class RecordingHandler:
    """Accepts every mail and keeps its envelope; each reply can be replaced by a refusal."""

    def __init__(
        self,
        mail_reply: str | None = None,
        rcpt_reply: str | None = None,
        data_reply: str | None = None,
    ) -> None:
        self.mail_reply = mail_reply
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.envelopes: list[Envelope] = []
        self.mail_froms: list[str] = []
        self.mail_after_starttls: list[bool] = []  # per MAIL FROM: was STARTTLS done before?

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.mail_froms.append(address)
        self.mail_after_starttls.append(session.ssl is not None)
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 2.0.0 OK: queued"


class PipeliningSMTP(SMTP):
    """aiosmtpd's server offering PIPELINING (RFC 2920), as Postfix, Exim, Gmail and Office 365
    do: it reads commands one by one from its buffer, so pipelined commands already work; only
    the EHLO line is missing. ``pipelining=False`` leaves it out."""

    def __init__(self, *args: Any, pipelining: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pipelining = pipelining

    async def push(self, status: AnyStr) -> None:
        if self._pipelining and status in ("250 HELP", b"250 HELP"):  # EHLO's last line
            await super().push("250-PIPELINING")
        await super().push(status)


class ChunkingSMTP(SMTP):
    """aiosmtpd's server with CHUNKING (RFC 3030: ``BDAT <size> [LAST]`` followed by exactly
    that many octets, no dot-stuffing, no 354), which aiosmtpd lacks and Postfix, Exim, Gmail
    and Office 365 offer. ``chunking=False`` (the default) is a server without it: BDAT is an
    unknown command."""

    def __init__(self, *args: Any, chunking: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chunking = chunking
        self._chunks = bytearray()
        self.bdat_commands = 0  # BDAT commands taken (how the tests see CHUNKING was used)

    async def push(self, status: AnyStr) -> None:
        if self._chunking and status in ("250 HELP", b"250 HELP"):  # EHLO's last line
            await super().push("250-CHUNKING")
        await super().push(status)

    def _set_post_data_state(self) -> None:
        super()._set_post_data_state()  # type: ignore[no-untyped-call]
        self._chunks = bytearray()

    @syntax("BDAT size [LAST]")
    async def smtp_BDAT(self, arg: str) -> None:
        if not self._chunking:
            await self.push('500 Error: command "BDAT" not recognized')
            return
        words = arg.split()
        last = len(words) == 2 and words[1].upper() == "LAST"
        if not words or not words[0].isdigit() or len(words) > 1 + last:
            # the size is unknown, so the octets cannot be skipped: the session is lost
            await self.push("501 5.5.4 Syntax: BDAT size [LAST]")
            self._writer.close()
            return
        # the octets are read whatever the reply (RFC 3030 section 2)
        self._chunks += await self._reader.readexactly(int(words[0]))
        self.bdat_commands += 1
        envelope = self.envelope
        if await self.check_helo_needed() or await self.check_auth_needed("BDAT"):
            return
        if envelope is None or envelope.mail_from is None:
            await self.push("503 5.5.1 Error: need MAIL command")
            self._chunks = bytearray()
        elif not envelope.rcpt_tos:
            await self.push("554 5.5.1 Error: no valid recipients")
            self._chunks = bytearray()
        elif not last:
            await self.push(f"250 2.0.0 {words[0]} octets received")
        else:
            envelope.original_content = bytes(self._chunks)
            envelope.content = envelope.original_content
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            await self.push("250 OK" if status is MISSING else status)


class _Smtp(PipeliningSMTP, ChunkingSMTP):
    """aiosmtpd's server, able to leave extensions (AUTH, STARTTLS, PIPELINING) out of its EHLO
    reply."""

    def __init__(self, *args: Any, hide_extensions: Sequence[str] = (), **kwargs: Any) -> None:
        hidden = {name.upper() for name in hide_extensions}
        super().__init__(*args, pipelining="PIPELINING" not in hidden, **kwargs)
        self._hidden = tuple(f"250-{name}" for name in hidden - {"PIPELINING"})

    async def push(self, status: AnyStr) -> None:
        text = status.decode("ascii", "replace") if isinstance(status, bytes) else status
        if self._hidden and text.upper().startswith(self._hidden):
            return
        await super().push(status)


class _Controller(Controller):
    def __init__(self, *args: Any, hide_extensions: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hide_extensions = hide_extensions

    def factory(self) -> SMTP:
        return _Smtp(self.handler, hide_extensions=self._hide_extensions, **self.SMTP_kwargs)


@dataclass
class SmtpTestServer:
    host: str
    port: int
    tls: TlsMode
    handler: Any
    ca_file: Path | None
    logins: list[str] = field(default_factory=list)

    def endpoint(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        verify_certificate: bool = True,
        timeout_seconds: float = 5.0,
    ) -> SmtpEndpoint:
        return SmtpEndpoint(
            self.host,
            self.port,
            self.tls,
            username,
            password,
            verify_certificate,
            timeout_seconds,
        )

    def card_options(self, email: str) -> list[str]:
        """`erpmail config set` options of a card on this server, logging in as ``email``
        with the password read from standard input."""
        return [
            "--email",
            email,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--tls",
            str(self.tls),
            "--username",
            email,
            "--password-stdin",
        ]


def _authenticator(accounts: Mapping[str, str], reject_reply: str | None, logins: list[str]) -> Any:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if login in accounts and accounts[login] == password:
                logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False, message=reject_reply)

    return authenticate


class ChallengingHandler(RecordingHandler):
    """AUTH PLAIN and LOGIN answered with a 334 challenge, again and again, as Microsoft 365
    does when SMTP AUTH is off for the mailbox: every line the client sends in the exchange is
    read as an answer to the challenge (a line that is not base64 gets aiosmtpd's
    ``501 5.5.2 Can't decode base64``; ``*`` cancels: ``501 5.7.0 Auth aborted``)."""

    def __init__(self, challenge: str) -> None:
        super().__init__()
        self.challenge = challenge  # sent base64-encoded, as RFC 4954 wants
        self.auth_lines: list[str] = []  # the AUTH commands and every answer to a challenge

    async def _challenge_for_ever(self, server: SMTP, args: list[str]) -> None:
        self.auth_lines.append(" ".join(args))
        while True:
            answer = await server.challenge_auth(self.challenge)
            if answer is MISSING:  # aiosmtpd has answered 501 already
                self.auth_lines.append("<cancelled or not base64>")
                return None
            self.auth_lines.append(bytes(answer).decode("utf-8", "replace"))

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> None:
        return await self._challenge_for_ever(server, args)

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> None:
        return await self._challenge_for_ever(server, args)


@contextlib.contextmanager
def smtp_server(
    tls: TlsMode | str = TlsMode.NONE,
    *,
    authority: Authority | None = None,
    accounts: Mapping[str, str] | None = None,
    auth_reject_reply: str | None = None,
    auth_require_tls: bool | None = None,
    offer_starttls: bool = True,
    offer_pipelining: bool = True,
    offer_chunking: bool = False,
    handler: Any = None,
    host: str | None = None,
    port: int | None = None,
    server_context: ssl.SSLContext | None = None,
    **smtp_parameters: Any,
) -> Iterator[SmtpTestServer]:
    """An aiosmtpd server on loopback, stopped when the block ends.

    ``tls``: ``none`` (plain), ``starttls`` (offers STARTTLS unless ``offer_starttls`` is
    false) or ``ssl`` (implicit TLS); the certificate is issued by ``authority`` for the
    server's address. ``accounts`` (username -> password) turns AUTH on; a failed login gets
    ``auth_reject_reply`` (default aiosmtpd's ``535 5.7.8``). Without ``accounts`` the server
    does not offer AUTH at all; ``offer_pipelining=False`` makes a server that takes one command
    at a time; ``offer_chunking=True`` one that takes BDAT (:class:`ChunkingSMTP`). ``handler``
    defaults to a :class:`RecordingHandler`. ``server_context``: the TLS context to serve with
    instead of one made for the address (servers given one context share its certificate and
    its session ticket keys: each resumes the others' sessions).
    """
    mode = TlsMode(tls)
    handler = handler if handler is not None else RecordingHandler()
    logins: list[str] = []
    for _attempt in range(20):
        address = host or loopback_host()
        chosen = STANDARD_PORTS[mode] if port is None else port or free_port(address)
        kwargs: dict[str, Any] = dict(smtp_parameters, chunking=offer_chunking)
        hidden: list[str] = []
        ssl_context = None
        ca_file = None
        if mode != TlsMode.NONE:
            if authority is None:
                raise ValueError("a TLS test server needs an authority for its certificate")
            certificate = issue(authority, [address, "localhost"])
            ca_file = certificate.ca_file
            served = server_context or certificate.server_context()
            if mode == TlsMode.SSL:
                ssl_context = served
            elif offer_starttls:
                kwargs["tls_context"] = served
        if accounts is not None:
            kwargs["authenticator"] = _authenticator(accounts, auth_reject_reply, logins)
            # aiosmtpd counts only STARTTLS as TLS; under implicit TLS AUTH is offered at once
            kwargs["auth_require_tls"] = (
                mode == TlsMode.STARTTLS if auth_require_tls is None else auth_require_tls
            )
        else:
            hidden.append("AUTH")
        if not offer_pipelining:
            hidden.append("PIPELINING")
        controller = _Controller(
            handler,
            hostname=address,
            port=chosen,
            ssl_context=ssl_context,
            ready_timeout=10.0,
            hide_extensions=hidden,
            **kwargs,
        )
        try:
            controller.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE and host is None:
                continue
            raise
        break
    else:
        raise RuntimeError("no free loopback address found for a test SMTP server")
    try:
        yield SmtpTestServer(address, chosen, mode, handler, ca_file, logins)
    finally:
        controller.stop()


@dataclass
class RawServer:
    """A TCP listener that is no full SMTP server: :func:`closing_server`,
    :func:`silent_server`, :func:`scripted_server`."""

    host: str
    port: int
    connections: int = 0
    commands: list[bytes] = field(default_factory=list)  # lines read by a scripted server


@contextlib.contextmanager
def _raw_server(
    port: int, converse: Callable[[socket.socket, RawServer], None] | None = None
) -> Iterator[RawServer]:
    """Each connection accepted is closed at once, or held open while ``converse`` (run in
    a thread of its own) talks on it."""
    listener = socket.socket()
    for _attempt in range(20):
        host = loopback_host()
        try:
            listener.bind((host, port))
            break
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                listener.close()
                raise
    else:
        raise RuntimeError("no free loopback address found")
    listener.listen()
    listener.settimeout(0.1)
    server = RawServer(host, listener.getsockname()[1])
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.connections += 1
            if converse is None:
                connection.close()
                continue
            held.append(connection)
            threading.Thread(target=converse, args=(connection, server), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for connection in held:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


def closing_server(port: int = 25) -> contextlib.AbstractContextManager[RawServer]:
    """Accepts each connection and closes it at once, before any greeting."""
    return _raw_server(port)


def silent_server(port: int = 25) -> contextlib.AbstractContextManager[RawServer]:
    """Accepts each connection and never says anything."""
    return _raw_server(port, lambda _connection, _server: None)


def scripted_server(
    greeting: bytes, replies: Mapping[bytes, bytes], port: int = 25
) -> contextlib.AbstractContextManager[RawServer]:
    """Greets each connection with ``greeting`` (bytes as sent: CRLF included, in any
    charset), then answers each command line by its verb (``replies``: e.g. ``b"EHLO"`` to
    the whole reply), ``502`` for a verb not listed; closes after QUIT, or when the greeting
    is no 220. Every line read is kept in ``commands``."""

    def converse(connection: socket.socket, server: RawServer) -> None:
        with contextlib.suppress(OSError):
            connection.sendall(greeting)
            if not greeting.startswith(b"220"):
                return
            for line in connection.makefile("rb"):
                server.commands.append(line)
                verb = line.split(maxsplit=1)[0].upper() if line.strip() else b""
                connection.sendall(replies.get(verb, b"502 5.5.2 not here\r\n"))
                if verb == b"QUIT":
                    return

    return _raw_server(port, converse)


@pytest.fixture(scope="session")
def tls_authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    """A CA made for this test session; servers started with it present its certificates."""
    return make_authority(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch, tls_authority: Authority) -> Authority:
    """Make the code under test trust ``tls_authority`` (through SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_authority.ca_file))
    return tls_authority
