"""The stand-in remote server: aiosmtpd answering each case's documented reply at its stage,
and a bare listener that refuses at the greeting. Loopback only."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from bench.mta.cases import ALL_CASES, CASES, Case


def address_of(case: Case) -> str:
    """The loopback address of a case's stand-in: one each, so that an MTA that holds back
    an address after a refusal (OpenSMTPD does, for a 5xx greeting) or limits connections
    per address holds back no other case."""
    number = ALL_CASES.index(case)
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


def free_port(host: str = "127.0.0.1", wanted: int = 0) -> int:
    """A port free on ``host``: ``wanted`` when it is, else any."""
    with socket.socket() as probe:
        try:
            probe.bind((host, wanted))
        except OSError:
            probe.bind((host, 0))
        return int(probe.getsockname()[1])


# The addresses a case's reply may name: "<rcpt>" as RFC 5321's path, "{rcpt}" bare, as some
# servers print the address, "<sender>" as the reverse-path.
PLACEHOLDERS = ("<rcpt>", "{rcpt}", "<sender>")


def reply_text(case: Case, sender: str, recipient: str = "") -> str:
    """The case's reply as its stand-in sends it: the addresses put in its placeholders."""
    reply = case.reply
    addresses = (f"<{recipient}>", recipient, f"<{sender}>")
    for held, address in zip(PLACEHOLDERS, addresses, strict=True):
        reply = reply.replace(held, address)
    return reply


def greeting_text(case: Case) -> str:
    """The case's reply as its stand-in's greeting, which comes before any address is given:
    a reply naming one (``PLACEHOLDERS``) cannot be sent there."""
    named = [held for held in PLACEHOLDERS if held in case.reply]
    if named:
        raise ValueError(f"{case.name}: a greeting cannot name an address ({named})")
    return case.reply


@dataclass
class Handler:
    """One case's server: refuses at the case's stage, accepts everything else."""

    case: Case
    accepted: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.case.stage == "mail":
            return reply_text(self.case, address)
        envelope.mail_from = address
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.case.stage in ("rcpt", "defer"):
            return reply_text(self.case, envelope.mail_from or "", address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.case.stage == "data":
            return reply_text(self.case, envelope.mail_from or "", envelope.rcpt_tos[0])
        self.accepted.extend(envelope.rcpt_tos)
        return "250 2.0.0 Ok: queued"


@dataclass
class Sink:
    """The event mailbox's server: keeps every mail it is given (the DSNs)."""

    mails: list[bytes] = field(default_factory=list)

    async def handle_DATA(  # aiosmtpd's hook
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        head = "".join(f"X-Envelope-To: {a}\r\n" for a in envelope.rcpt_tos).encode()
        self.mails.append(head + bytes(envelope.original_content or envelope.content))
        return "250 2.0.0 Ok: kept"


@contextmanager
def sink(host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[Sink, int]]:
    """The event mailbox's server on ``host`` (another loopback address keeps it apart from
    the stand-ins: an MTA that holds back a refusing address holds back no bounce), on
    ``port`` when it is free there."""
    handler, port = Sink(), free_port(host, port)
    server = Controller(handler, hostname=host, port=port, ready_timeout=30)
    server.start()
    try:
        yield handler, port
    finally:
        server.stop()


class GreetingRefuser:
    """A listener that answers every connection with one case's refusal as its greeting
    (RFC 5321 4.3.1: a 554 greeting, then only QUIT)."""

    def __init__(self, case: Case, port: int, host: str = "127.0.0.1") -> None:
        self.case, self.port, self.host = case, port, host
        self._greeting = greeting_text(case)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{self._greeting}\r\n".encode())
        await writer.drain()
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            if line.upper().startswith(b"QUIT"):
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._serve, self.host, self.port)
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the greeting listener did not start")

    def stop(self) -> None:
        def close() -> None:
            if self._server is not None:
                self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        self._thread.join(10)


@contextmanager
def remote_servers(cases: tuple[Case, ...] = CASES) -> Iterator[dict[str, int]]:
    """One stand-in server per case that reaches a server, each on its own loopback address
    (``address_of``), all on one port number where it is free (Sendmail's mailers name one
    port for every host): ``{case name: port}``."""
    ports: dict[str, int] = {}
    common = free_port()
    running: list[Controller | GreetingRefuser] = []
    try:
        for case in cases:
            if case.stage == "nxdomain":
                continue
            host = address_of(case)
            port = ports[case.name] = free_port(host, common)
            server: Controller | GreetingRefuser
            if case.stage == "connect":
                server = GreetingRefuser(case, port, host)
            else:
                server = Controller(Handler(case), hostname=host, port=port, ready_timeout=30)
            server.start()
            running.append(server)
        yield ports
    finally:
        for server in reversed(running):
            server.stop()


class _NoSuchDomain(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        query, answer_to = self.request
        if len(query) < 12:
            return
        # RFC 1035 4.1.1: the query's id, QR (a response), its opcode and RD, RA set, RCODE 3
        # (name error), the question echoed, no answers.
        flags = 0x8000 | (query[2] & 0x79) << 8 | 0x0080 | 3
        answer = query[:2] + struct.pack(">H", flags) + query[4:6] + bytes(6) + query[12:]
        answer_to.sendto(answer, self.client_address)


@contextmanager
def nxdomain_resolver(port: int = 53) -> Iterator[None]:
    """A name server on the loopback that answers every query "no such domain": for MTAs
    that ask DNS themselves (OpenSMTPD's resolver does not read /etc/hosts for MX), with
    ``nameserver 127.0.0.1`` in their resolv.conf. Port 53: the resolver this OpenSMTPD
    build carries takes no other (a "[127.0.0.1]:port" name server was never asked), so one
    generator at a time on a machine."""
    server = socketserver.ThreadingUDPServer(("127.0.0.1", port), _NoSuchDomain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
