"""The stand-in for many users' own servers: one process hosting N aiosmtpd servers.

``python -m bench.standin --servers N --delay-ms D --certs DIR --out FILE``: server ``i``
listens on :func:`server_address` ``(i)`` port 465 (implicit TLS with its own certificate,
``DIR/<address>.crt`` and ``.key``, naming that address alone as a real server's names
itself), requires AUTH (login ``user<i>@bench.example``, password :func:`password_of`)
and PIPELINING unless ``--no-pipelining``, CHUNKING (BDAT) with ``--chunking``, and delays
every reply by D ms (as a server D ms away would, without holding up its reading: replies
leave in order, each D ms after it was made; the lines of a reply, and the replies to
pipelined commands, leave in one write). The TLS handshake itself is not
delayed. Its CPU shares the benchmark's machine with the sender it measures, so it is kept
cheap: it runs on the sender's event loop, reads a message whole and a plain path directly
(:class:`StandinSMTP`).

It appends to FILE a line ``R <time> <job id>`` for each mail received (the job id read from
erpmail's Message-ID) and ``C <time>`` for each connection, flushed every 20 ms, and writes
``ready`` to stdout once every server listens. Ports below 1024 need root (as in CI) or
``net.ipv4.ip_unprivileged_port_start``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import ssl
import sys
import time
import warnings
from collections import deque
from pathlib import Path
from typing import Any, AnyStr, TextIO, cast

import click
from aiosmtpd.smtp import (
    DATA_SIZE_DEFAULT,
    MISSING,
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
    syntax,
)

from tests.smtp_servers import ChunkingSMTP, PipeliningSMTP
from workers import event_loop

PORT = 465
# the senders' own loop: the stand-in's CPU shares the machine with the sender it measures
LOOP = event_loop.UVLOOP
_LINE_LIMIT = 1001  # aiosmtpd's: 1,000 octets with CRLF (RFC 5321 4.5.3.1.6), one spare
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# RFC 5321 4.1.2: Path = "<" Mailbox ">", Mailbox = Dot-string "@" Domain (the plain forms)
_PLAIN_PATH = re.compile(
    rf"\s*<(?P<address>(?P<local>{_ATOM}(?:\.{_ATOM})*)@{_LABEL}(?:\.{_LABEL})*)>\s*(?P<rest>.*)\Z",
    re.S,
)
_MESSAGE_ID = re.compile(rb"^Message-ID: <erpmail\.([0-9a-f-]{36})@", re.MULTILINE | re.I)


def server_address(index: int) -> str:
    return f"127.66.{index // 250}.{index % 250 + 1}"


def login_of(index: int) -> str:
    return f"user{index}@bench.example"


def password_of(login: str) -> str:
    return f"bench-password-{login}"


class _Journal:
    """Lines for the benchmark, written in batches."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lines: list[str] = []

    def add(self, line: str) -> None:
        self._lines.append(line)

    async def flush_forever(self) -> None:
        while True:
            await asyncio.sleep(0.02)
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._out.write("".join(self._lines))
            self._out.flush()
            self._lines = []


class _DelayedReplies(SMTP):
    """Replies leave ``delay`` seconds after they are made, in order, without blocking.

    The replies to pipelined commands leave together in one write (one TLS record), as a
    server's do when it writes its replies once its input is drained (Postfix's smtpd): a
    reply made while a command still waits to be read is held for the next one, and the
    batch leaves ``delay`` after its last reply was made. Whether input waits is what
    decides, not how soon the replies follow each other, which a loaded machine stretches."""

    def __init__(self, *args: Any, delay: float, journal: _Journal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._delay = delay
        self._journal = journal
        self._batch: list[bytes] = []  # the replies made since the last batch was closed
        self._more_follow = False
        self._due: deque[tuple[float, list[bytes]]] = deque()  # closed batches, in order

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._journal.add(f"C {time.time():.6f}\n")
        super().connection_made(transport)

    async def push(self, status: AnyStr) -> None:
        if not self._delay:
            await super().push(status)
            return
        line = (status.encode() if isinstance(status, str) else status) + b"\r\n"
        if self._more_follow:
            self._batch.append(line)  # held: it leaves with the replies still to be made
        else:
            self._batch = [line]
        # a line of a reply with more lines to come, or a reply made while a whole command
        # waits to be read: the server does not stop to write yet
        self._more_follow = line[3:4] == b"-" or self._command_waits()
        if not self._more_follow:
            self._due.append((time.monotonic() + self._delay, self._batch))
            asyncio.get_running_loop().call_later(self._delay, self._write_due)

    def _command_waits(self) -> bool:
        # asyncio's StreamReader keeps what it has received and not yet given out in its
        # _buffer (uvloop uses the same reader); no public call tells it
        return b"\n" in getattr(self._reader, "_buffer", b"")

    def _write_due(self) -> None:
        """Writes the batches whose time has come, in order. The loop's clock is read once
        a turn (and libuv's is coarse): a timer may fire early, and then waits again."""
        now = time.monotonic()
        # a stream transport whatever its class (uvloop's is not an asyncio.WriteTransport)
        transport = cast(asyncio.WriteTransport | None, self.transport)
        while self._due and self._due[0][0] <= now:
            _, lines = self._due.popleft()
            if transport is not None and not transport.is_closing():
                transport.write(b"".join(lines))
        if self._due and self._due[0][0] > now:
            asyncio.get_running_loop().call_later(self._due[0][0] - now, self._write_due)

    @syntax("QUIT")
    async def smtp_QUIT(self, arg: str) -> None:
        """The replies still due go out before the connection closes, as a real server's do:
        a client that pipelines QUIT after a message's end (Postfix) must get the 250 for
        the message, or it sends the mail again. aiosmtpd's own QUIT closes at once."""
        if not self._delay or arg:
            await super().smtp_QUIT(arg)
            return
        await self.push("221 Bye")
        while self._due:  # the 221 is the last of them
            await asyncio.sleep(max(0.001, self._due[-1][0] - time.monotonic()))
        if self._handler_coroutine is not None:
            self._handler_coroutine.cancel()


class StandinSMTP(PipeliningSMTP, ChunkingSMTP, _DelayedReplies):
    """PIPELINING and CHUNKING in EHLO (or not), then the delay; DATA read whole.

    aiosmtpd reads a message line by line (a read, a log call and a few checks per line):
    in this one process standing for hundreds of remote servers that cost more than the
    sender's own work per mail, and the benchmark's machine is shared by both. Here the
    reader's limit is the message size limit, and the message is read up to its end in a
    few reads; the lines' length limit (RFC 5321 4.5.3.1.6), the size limit and the
    dot-stuffing (4.5.2) are then applied to the whole, with aiosmtpd's replies."""

    line_length_limit = DATA_SIZE_DEFAULT  # the reader's limit; command lines keep theirs

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """A path of the plain form ``<dot-string@domain>`` read as it is (aiosmtpd's parser,
        the email package's header parser, would give the same address for it at many times
        the cost); any other form, e.g. a quoted local part or ``<>``, by aiosmtpd's."""
        found = _PLAIN_PATH.match(arg) if arg else None
        if found is None:
            return super()._getaddr(arg)
        address, local = found.group("address", "local")
        if self.local_part_limit and len(local) > self.local_part_limit:
            return None, None
        return address, found.group("rest")

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        envelope = self.envelope
        assert envelope is not None
        if not envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = await self._read_data()
        if data is None:  # the rest is not read: the session is given up
            await self.push("552 Error: Too much mail data")
            self._writer.close()
            return
        lines = data.split(b"\r\n")
        if max(map(len, lines)) + 2 > _LINE_LIMIT:
            self._set_post_data_state()
            await self.push("500 Line too long (see RFC5321 4.5.3.1.6)")
            return
        content = b"\r\n".join(line[1:] if line[:1] == b"." else line for line in lines)
        envelope.content = envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    async def _read_data(self) -> bytes | None:
        """The message's lines, each with its CRLF, up to the lone dot that ends them; none
        when they are more than the size limit."""
        data = bytearray()
        while len(data) <= DATA_SIZE_DEFAULT:
            try:
                # up to a line ending in a dot, the end only where the dot is alone on it
                data += await self._reader.readuntil(b".\r\n")
            except asyncio.LimitOverrunError:
                return None
            if data == b".\r\n":
                return b""
            if data.endswith(b"\r\n.\r\n"):
                return bytes(data[:-3])
        return None


class _Receiver:
    def __init__(self, journal: _Journal) -> None:
        self._journal = journal

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        found = _MESSAGE_ID.search(content)
        job = found.group(1).decode() if found else "-"
        self._journal.add(f"R {time.time():.6f} {job}\n")
        return "250 2.0.0 queued"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    if isinstance(auth_data, LoginPassword):
        login = auth_data.login.decode("utf-8", "replace")
        if auth_data.password.decode("utf-8", "replace") == password_of(login):
            return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


def standin_server(
    handler: Any, journal: _Journal, delay: float, pipelining: bool, chunking: bool
) -> StandinSMTP:
    """One connection's server."""
    return StandinSMTP(
        handler,
        pipelining=pipelining,
        chunking=chunking,
        delay=delay,
        journal=journal,
        authenticator=_authenticate,
        auth_required=True,  # as a submission server: no mail without a login
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS
        hostname="standin.bench.example",
    )


async def serve(
    servers: int,
    delay: float,
    pipelining: bool,
    chunking: bool,
    certs: Path,
    out: TextIO,
) -> None:
    loop = asyncio.get_running_loop()
    journal = _Journal(out)
    handler = _Receiver(journal)

    def factory() -> SMTP:
        return standin_server(handler, journal, delay, pipelining, chunking)

    listening = []
    for index in range(servers):
        address = server_address(index)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certs / f"{address}.crt", certs / f"{address}.key")
        listening.append(await loop.create_server(factory, address, PORT, ssl=context, backlog=512))
    flusher = asyncio.ensure_future(journal.flush_forever())
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await stop.wait()
    flusher.cancel()
    journal.flush()
    for server in listening:
        server.close()


@click.command()
@click.option("--servers", type=int, required=True)
@click.option("--delay-ms", type=float, default=0.0)
@click.option("--pipelining/--no-pipelining", default=True)
@click.option("--chunking/--no-chunking", default=False, help="Offer CHUNKING (RFC 3030 BDAT).")
@click.option(
    "--certs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="The servers' certificates and keys, <address>.crt and <address>.key.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True)
def main(
    servers: int,
    delay_ms: float,
    pipelining: bool,
    chunking: bool,
    certs: Path,
    out: Path,
) -> None:
    """Serve N SMTP servers until SIGTERM."""
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's deprecation notices
    # its warning that AUTH is required without STARTTLS, once per connection: the TLS here
    # is implicit, which aiosmtpd does not count
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    with out.open("a") as journal:
        event_loop.run(serve(servers, delay_ms / 1000, pipelining, chunking, certs, journal), LOOP)


if __name__ == "__main__":
    main()
