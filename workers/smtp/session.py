"""An SMTP connection ready for mail: commands written, replies read, pipelined when offered.

aiosmtplib opens the connection (TCP, implicit TLS or STARTTLS, EHLO, AUTH); then
:meth:`SmtpSession.take_over` moves its transport to the small reply reader here, on which
the mail transactions are written. A server that advertises ``PIPELINING`` (RFC 2920: Postfix,
Exim, Gmail, Office 365 …) gets MAIL FROM, every RCPT TO and DATA in one write and answers
them together: two round trips per mail instead of three plus one per recipient, which is
what makes a distant server fast and a near one cheap to talk to.

RFC 2920 section 3.1 lets "the actual transfer of message content" be the first command
of a group: :meth:`SmtpSession.message_then` writes a message's end and the next mail's
MAIL FROM, RCPT TO and DATA in one write. Replies are handed out in the order of the
batches asked for (each batch its own future), so the first mail's reply to its end of data
is its own even when the connection is lost before the next mail's replies come, and a
batch whose caller has gone still takes its replies off the line.

Errors are aiosmtplib's own exception types (``SMTPServerDisconnected``,
``SMTPReadTimeoutError``, ``SMTPResponseException``, ``SMTPNotSupported``), so that one
classifier (:mod:`workers.smtp.failures`) reads them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import ssl
from collections import deque
from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

import aiosmtplib
from aiosmtplib import SMTPResponse

from workers.smtp.client import reply_text
from workers.smtp.codes import Reply

MAX_REPLY_BYTES = 64 * 1024  # a reply (all its lines) longer than this is a broken server
_LONE_LINE_ENDING = re.compile(rb"\r\n|\r|\n")
Replies = asyncio.Future[list[SMTPResponse]]  # of a batch of commands written
# a reply's code by its three digits: one look-up instead of a check and a conversion
_CODES = {b"%03d" % code: code for code in range(1000)}
# an SMTPResponse of its two fields, without the Python-level __new__ a NamedTuple has
_response: Callable[[tuple[int, str]], SMTPResponse] = functools.partial(
    tuple.__new__, SMTPResponse
)


class _ReplyReader(asyncio.Protocol):
    """Parses the server's replies in order and hands them out in batches."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._lines: list[bytes] = []  # of a reply whose last line has not come yet
        self._replies: deque[SMTPResponse] = deque()
        # the batches asked for and not yet answered, in the order their commands went out
        self._batches: deque[_Batch] = deque()
        self._answered: Callable[[], None] | None = None  # called once none is awaited
        self._lost: aiosmtplib.SMTPException | None = None
        self._paused = False
        self._drained: asyncio.Future[None] | None = None

    # -- what the session asks -----------------------------------------------------------

    def expect(self, count: int, deadline: float | None = None) -> Replies:
        """A future of ``count`` replies: those after the batches asked for before it.
        ``deadline`` (loop time): when they are late (:attr:`deadline`)."""
        waiter: Replies = asyncio.get_running_loop().create_future()
        self._batches.append(_Batch(count, waiter, deadline))
        self._settle()
        return waiter

    @property
    def deadline(self) -> float | None:
        """The deadline of the oldest batch still unanswered; None: none is awaited."""
        return self._batches[0].deadline if self._batches else None

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        if self._lost is not None:
            raise self._lost
        if self._paused:
            self._drained = asyncio.get_running_loop().create_future()
            await self._drained

    @property
    def paused(self) -> bool:
        """The transport's write buffer is over its high-water mark (:meth:`drain`)."""
        return self._paused

    def when_answered(self, then: Callable[[], None]) -> None:
        """Call ``then`` once no batch asked for is awaited any more (now, when none is)."""
        if self._batches:
            self._answered = then
        else:
            then()

    @property
    def lost(self) -> bool:
        return self._lost is not None

    def time_out(self) -> None:
        """The server took too long: whoever waits gets a timeout, and the connection,
        whose replies are no longer in step with the commands, is done."""
        self._lose(aiosmtplib.SMTPReadTimeoutError("timed out waiting for the server"))

    # -- asyncio.Protocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            self._parse()
        except aiosmtplib.SMTPResponseException as error:
            self._lose(error)
            return
        self._settle()

    def eof_received(self) -> bool:
        self._lose(aiosmtplib.SMTPServerDisconnected("the server closed the connection"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        detail = f": {exc}" if exc else ""
        self._lose(aiosmtplib.SMTPServerDisconnected(f"connection lost{detail}"))

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # -- inside --------------------------------------------------------------------------

    def _parse(self) -> None:
        """Complete lines off the buffer; a line "250 ..." (not "250-...") ends a reply.
        The complete lines are taken off together and split: a read holds a batch of
        pipelined replies, copied once for them all instead of once a line. Nearly every
        reply is one line: its text is that line's, joined with nothing."""
        buffer = self._buffer
        end = buffer.rfind(b"\n")
        complete = bytes(buffer[: end + 1])
        del buffer[: end + 1]
        pending, replies = self._lines, self._replies
        for line in complete.split(b"\n")[:-1]:
            head = line[:3]
            code = _CODES.get(head)
            if code is None:
                if not head.isdigit():
                    raise aiosmtplib.SMTPResponseException(
                        -1, f"malformed SMTP reply line: {line[:200]!r}"
                    )
                code = int(head)  # (a last line of one or two digits, nothing after)
            text = line[4:].strip(b" \t\r")
            if line[3:4] == b"-":
                pending.append(text)
                continue
            if pending:
                pending.append(text)
                text = b"\n".join(pending)
                pending.clear()
            # outside text, on into logs, the database and notices (client.reply_text)
            replies.append(_response((code, reply_text(text))))
        if len(buffer) + sum(map(len, pending)) > MAX_REPLY_BYTES:
            raise aiosmtplib.SMTPResponseException(-1, "SMTP reply too long")

    def _settle(self) -> None:
        """Answer the batches whose replies are all in, oldest first; a batch whose waiter
        was cancelled takes its replies all the same (the next batch's come after them).
        Lost: every batch still waiting gets the error."""
        batches, replies = self._batches, self._replies
        while batches and len(replies) >= batches[0].size:
            batch = batches.popleft()
            if batch.size == len(replies):  # (nearly always: the read held this batch's)
                answer = list(replies)
                replies.clear()
            else:
                answer = [replies.popleft() for _ in range(batch.size)]
            if not batch.waiter.done():
                batch.waiter.set_result(answer)
        if self._lost is not None:
            while batches:
                waiter = batches.popleft().waiter
                if not waiter.done():
                    waiter.set_exception(self._lost)
                    waiter.exception()  # retrieved: its caller may have gone
        if not batches and self._answered is not None:
            then, self._answered = self._answered, None
            then()

    def _lose(self, error: aiosmtplib.SMTPException) -> None:
        if self._lost is None:
            self._lost = error
        self._settle()
        if self._drained is not None and not self._drained.done():
            self._drained.set_exception(error)
            self._drained.exception()  # retrieved: nobody may be waiting


class _Batch(NamedTuple):
    size: int  # replies
    waiter: Replies
    deadline: float | None  # loop time


class SmtpSession:
    """One open SMTP connection, past greeting, EHLO, TLS and login."""

    def __init__(
        self,
        transport: asyncio.Transport,
        extensions: dict[str, str],
        timeout: float | None,
    ) -> None:
        self._transport = transport
        self._reader = _ReplyReader()
        transport.set_protocol(self._reader)
        self.extensions = extensions
        self.timeout = timeout
        self.pipelining = "pipelining" in extensions
        self._loop = asyncio.get_running_loop()
        self._alarm: asyncio.TimerHandle | None = None

    @classmethod
    def take_over(cls, smtp: aiosmtplib.SMTP) -> SmtpSession:
        """The connection ``smtp`` opened, from now on written here (``smtp`` is done)."""
        transport = smtp.transport
        if transport is None or transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("the connection closed before any mail")
        # a stream transport (uvloop's is not a subclass of asyncio.Transport)
        session = cls(
            cast(asyncio.Transport, transport), dict(smtp.esmtp_extensions), _timeout(smtp)
        )
        smtp.transport = None  # aiosmtplib must not close or read what it handed over
        smtp.protocol = None
        return session

    def supports(self, extension: str) -> bool:
        return extension.lower() in self.extensions

    @property
    def tls(self) -> ssl.SSLObject | None:
        """The connection's TLS object; None in plain text."""
        tls = self._transport.get_extra_info("ssl_object")
        return tls if isinstance(tls, ssl.SSLObject) else None

    @property
    def is_open(self) -> bool:
        return not self._reader.lost and not self._transport.is_closing()

    async def commands(self, *lines: bytes) -> list[SMTPResponse]:
        """Write the command ``lines`` (each without CRLF) in one go and read one reply each.
        Only for servers that pipeline, or for a single command."""
        if not lines:  # a bare CRLF, then waiting for no reply: no exchange at all
            raise ValueError("no command to write")
        _check_lines(lines)
        return await self._exchange(b"\r\n".join(lines) + b"\r\n", len(lines))

    async def command(self, line: bytes) -> SMTPResponse:
        return (await self.commands(line))[0]

    @property
    def chunking(self) -> bool:
        """The server takes the message as BDAT chunks (RFC 3030 CHUNKING)."""
        return "chunking" in self.extensions

    async def chunk(self, content: bytes, crlf: bool = False, *before: bytes) -> list[SMTPResponse]:
        """The message as one ``BDAT <size> LAST`` chunk (RFC 3030: the octets as they are,
        no dot-stuffing, no 354 to wait for), written after the command lines ``before`` in
        the same write (only for a server that pipelines); one reply each, the chunk's last."""
        _check_lines(before)
        body = canonical_lines(content, crlf)
        data = b"\r\n".join((*before, b"BDAT %d LAST\r\n" % len(body))) + body
        return await self._exchange(data, len(before) + 1, drain=True)

    async def message(self, content: bytes, crlf: bool = False) -> SMTPResponse:
        """After a 354: the message (dot-stuffed, CRLF line ends) and its end; the reply.
        ``crlf``: every line of ``content`` is known to end in CRLF already."""
        return (await self._exchange(data_lines(content, crlf) + b".\r\n", 1, drain=True))[0]

    def message_then(
        self, content: bytes, crlf: bool, lines: Sequence[bytes]
    ) -> tuple[Replies, Replies]:
        """After a 354: the message and its end, then the command ``lines`` of the next
        mail, in one write (RFC 2920 3.1; only for a server that pipelines). The futures of
        the message's reply and of the lines' replies, in that order: await the first with
        :meth:`reply` (it waits for a full write buffer too)."""
        if not lines:
            raise ValueError("no command to write")
        _check_lines(tuple(lines))
        data = data_lines(content, crlf) + b".\r\n" + b"\r\n".join(lines) + b"\r\n"
        own, then = self._write(data, 1, len(lines))
        return own, then

    async def reply(self, waiter: Replies) -> list[SMTPResponse]:
        """The replies of a batch written before (:meth:`message_then`)."""
        return await self._replies_of(waiter, drain=True)

    async def reset(self) -> bool:
        """RSET; True when the connection is still good for another mail."""
        try:
            reply = await self.command(b"RSET")
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        return reply.code == Reply.OK

    async def quit(self, timeout: float = 2.0) -> None:
        """QUIT politely when the connection is still open, then close it."""
        if self.is_open:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await asyncio.wait_for(self.command(b"QUIT"), timeout=timeout)
        self.close()

    def close_when_answered(self) -> None:
        """Close once the replies awaited are in (at once when none is): commands of a mail
        that gave up on them are answered first, so that the replies before theirs still
        reach the mails that wait for them; a late server times out as ever."""
        self._reader.when_answered(self.close)

    def close(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        if not self._transport.is_closing():
            self._transport.close()

    async def _exchange(self, data: bytes, replies: int, drain: bool = False) -> list[SMTPResponse]:
        (waiter,) = self._write(data, replies)
        return await self._replies_of(waiter, drain)

    def _write(self, data: bytes, *batches: int) -> list[Replies]:
        """Write ``data``: commands answered by ``batches`` of replies, a future each. They
        are late a timeout after the write (:meth:`_on_alarm`)."""
        if self._transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("the connection is closed")
        deadline = None if self.timeout is None else self._loop.time() + self.timeout
        waiters = [self._reader.expect(count, deadline) for count in batches]
        self._transport.write(data)
        if deadline is not None and self._alarm is None:
            self._alarm = self._loop.call_at(deadline, self._on_alarm)
        return waiters

    async def _replies_of(self, waiter: Replies, drain: bool) -> list[SMTPResponse]:
        try:
            if drain and self._reader.paused:  # (no coroutine made for a buffer with room)
                await self._reader.drain()
            return await waiter
        except aiosmtplib.SMTPReadTimeoutError:
            self.close()
            raise

    def _on_alarm(self) -> None:
        """The connection's one timer. It is set for the deadline of a batch of replies and,
        when it rings, looks at the oldest batch still unanswered: past its deadline, the
        connection times out; otherwise the timer is set again for that batch's deadline;
        none, it rests. Replies that come in time (nearly all) cost no timer of their own."""
        self._alarm = None
        deadline = self._reader.deadline
        if deadline is None:
            return
        if self._loop.time() >= deadline:
            self._reader.time_out()
        else:
            self._alarm = self._loop.call_at(deadline, self._on_alarm)


def canonical_lines(content: bytes, crlf: bool = False) -> bytes:
    """``content`` with CRLF line ends and a final CRLF, as SMTP carries a message. Lone CRs
    and LFs are mended unless ``crlf`` says there are none (as in every message
    :mod:`workers.sender.message` writes)."""
    if not crlf:
        pairs = content.count(b"\r\n")
        if content.count(b"\n") != pairs or content.count(b"\r") != pairs:
            content = _LONE_LINE_ENDING.sub(b"\r\n", content)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    return content


def data_lines(content: bytes, crlf: bool = False) -> bytes:
    """``content`` as DATA carries it: :func:`canonical_lines` with a leading dot doubled
    (RFC 5321 4.5.2)."""
    content = canonical_lines(content, crlf)
    if b"\r\n." in content:
        content = content.replace(b"\r\n.", b"\r\n..")
    if content.startswith(b"."):
        content = b"." + content
    return content


def _check_lines(lines: tuple[bytes, ...]) -> None:
    for line in lines:
        if b"\r" in line or b"\n" in line:
            raise ValueError(f"an SMTP command holds a line break: {line[:80]!r}")


def _timeout(smtp: aiosmtplib.SMTP) -> float | None:
    timeout = smtp.timeout
    return float(timeout) if isinstance(timeout, int | float) else None
