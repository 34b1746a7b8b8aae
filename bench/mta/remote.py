"""The stand-in remote server: aiosmtpd answering each case's documented reply at its stage,
and a bare listener that refuses at the greeting. Loopback only."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from bench.mta.cases import CASES, Case


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _reply(case: Case, sender: str, recipient: str = "") -> str:
    return case.reply.replace("<rcpt>", f"<{recipient}>").replace("<sender>", f"<{sender}>")


@dataclass
class Handler:
    """One case's server: refuses at the case's stage, accepts everything else."""

    case: Case
    accepted: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.case.stage == "mail":
            return _reply(self.case, address)
        envelope.mail_from = address
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.case.stage in ("rcpt", "defer"):
            return _reply(self.case, envelope.mail_from or "", address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.case.stage == "data":
            return _reply(self.case, envelope.mail_from or "", envelope.rcpt_tos[0])
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
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=30)
    server.start()
    try:
        yield handler, port
    finally:
        server.stop()


class GreetingRefuser:
    """A listener that answers every connection with one case's refusal as its greeting
    (RFC 5321 4.3.1: a 554 greeting, then only QUIT)."""

    def __init__(self, case: Case, port: int) -> None:
        self.case, self.port = case, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{self.case.reply}\r\n".encode())
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
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
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
    """One stand-in server per case that reaches a server, each on a free loopback port:
    ``{case name: port}``."""
    ports: dict[str, int] = {}
    running: list[Controller | GreetingRefuser] = []
    try:
        for case in cases:
            if case.stage == "nxdomain":
                continue
            port = ports[case.name] = free_port()
            server: Controller | GreetingRefuser
            if case.stage == "connect":
                server = GreetingRefuser(case, port)
            else:
                server = Controller(
                    Handler(case), hostname="127.0.0.1", port=port, ready_timeout=30
                )
            server.start()
            running.append(server)
        yield ports
    finally:
        for server in reversed(running):
            server.stop()
