"""The session's reply reader: the same replies however the server's bytes are cut into
reads (a pipelined batch in one read, a reply over several, a line cut anywhere)."""

from __future__ import annotations

import asyncio
from typing import cast

import aiosmtplib
import pytest
from aiosmtplib import SMTPResponse

from workers.smtp.session import MAX_REPLY_BYTES, SmtpSession, _ReplyReader

# A batch as a server answers pipelined MAIL, RCPT, RCPT, DATA: single and multi-line
# replies, a lone LF ending, spaces and tabs around the text, a line with no text.
WIRE = (
    b"250 2.1.0 Ok\r\n"
    b"550-5.1.1 <a@example.ee>: no such user\r\n"
    b"550-\r\n"
    b"550 5.1.1 see https://example.ee/help \t\r\n"
    b"250 2.1.5 Ok\n"
    b"354 End data with <CR><LF>.<CR><LF>\r\n"
)
REPLIES = [
    SMTPResponse(250, "2.1.0 Ok"),
    SMTPResponse(550, "5.1.1 <a@example.ee>: no such user\n\n5.1.1 see https://example.ee/help"),
    SMTPResponse(250, "2.1.5 Ok"),
    SMTPResponse(354, "End data with <CR><LF>.<CR><LF>"),
]


def _cuts() -> list[list[bytes]]:
    """The wire whole, byte by byte, and cut at every place into two reads."""
    return [
        [WIRE],
        [WIRE[i : i + 1] for i in range(len(WIRE))],
        *([WIRE[:at], WIRE[at:]] for at in range(1, len(WIRE))),
    ]


@pytest.mark.parametrize("reads", _cuts())
def test_replies_are_the_same_however_the_reads_cut_them(reads: list[bytes]) -> None:
    async def read() -> list[SMTPResponse]:
        reader = _ReplyReader()
        waiter = reader.expect(len(REPLIES))
        for data in reads:
            reader.data_received(data)
        assert waiter.done(), "the replies are not all read"
        return waiter.result()

    assert asyncio.run(read()) == REPLIES


def test_a_line_that_is_no_reply_loses_the_connection() -> None:
    async def read() -> None:
        reader = _ReplyReader()
        waiter = reader.expect(2)
        reader.data_received(b"250 Ok\r\nhello there\r\n")
        assert waiter.done()
        waiter.result()

    with pytest.raises(aiosmtplib.SMTPResponseException, match="malformed SMTP reply line"):
        asyncio.run(read())


def test_a_reply_too_long_loses_the_connection() -> None:
    async def read() -> None:
        reader = _ReplyReader()
        waiter = reader.expect(1)
        line = b"250-" + b"x" * 1000 + b"\r\n"
        for _ in range(MAX_REPLY_BYTES // len(line) + 2):
            reader.data_received(line)
        assert waiter.done()
        waiter.result()

    with pytest.raises(aiosmtplib.SMTPResponseException, match="too long"):
        asyncio.run(read())


class _Transport:
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def set_protocol(self, protocol: object) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.written.append(data)


def test_no_command_lines_write_nothing() -> None:
    """An exchange of no commands would write a bare CRLF and wait for no reply."""
    transport = _Transport()

    async def exchange() -> None:
        session = SmtpSession(cast(asyncio.Transport, transport), {"pipelining": ""}, None)
        await session.commands()

    with pytest.raises(ValueError, match="no command"):
        asyncio.run(exchange())
    assert transport.written == []


def test_batches_are_answered_in_order_and_a_lost_connection_fails_only_the_unanswered() -> None:
    """A message's end and the next mail's commands in one write: two batches. The first's
    reply came before the connection was lost: it is the first's; the second gets the
    error (a reader answering the write as one batch would lose the first's 250)."""

    async def read() -> tuple[list[SMTPResponse], BaseException | None]:
        reader = _ReplyReader()
        own, then = reader.expect(1), reader.expect(3)
        reader.data_received(b"250 2.0.0 queued\r\n250 2.1.0 Ok\r\n")
        reader.eof_received()
        return own.result(), then.exception()

    own, lost = asyncio.run(read())
    assert own == [SMTPResponse(250, "2.0.0 queued")]
    assert isinstance(lost, aiosmtplib.SMTPServerDisconnected)


def test_a_batch_whose_waiter_went_still_takes_its_replies() -> None:
    async def read() -> list[SMTPResponse]:
        reader = _ReplyReader()
        own, then = reader.expect(1), reader.expect(3)
        own.cancel()  # its mail was cancelled after its message went
        reader.data_received(WIRE[: WIRE.index(b"250 2.1.5")] + b"250 2.1.5 Ok\r\n")
        closed: list[bool] = []
        reader.when_answered(lambda: closed.append(True))
        assert not closed  # the second batch is still awaited
        reader.data_received(b"354 go ahead\r\n")
        assert closed == [True]
        return then.result()

    assert [reply.code for reply in asyncio.run(read())] == [550, 250, 354]
