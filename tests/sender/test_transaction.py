"""One mail transaction on a pooled connection, with servers that pipeline (RFC 2920) and
servers that take one command at a time: the same outcomes either way."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from aiosmtplib import SMTPResponse

from schemas.values import TlsMode
from tests.sender.servers import Behaviour, SmtpServer
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.failures import ErrorClass
from workers.smtp.pool import SmtpPools
from workers.smtp.session import SmtpSession, data_lines
from workers.smtp.transaction import Accepted, Envelope, SendFailed, send

StartServer = Callable[..., SmtpServer]

MESSAGE = (
    b"From: a@example.ee\r\nTo: b@example.ee\r\nMessage-ID: <m1@example.ee>\r\n"
    b"Subject: test\r\n\r\nbody\r\n"
)


def endpoint(port: int, timeout: float = 5) -> SmtpEndpoint:
    return SmtpEndpoint("127.0.0.1", port, TlsMode.NONE, timeout_seconds=timeout)


def run(
    port: int, *envelopes: Envelope, timeout: float = 5, pause: float = 0
) -> tuple[list[Accepted | SendFailed], int]:
    """Send ``envelopes`` one after the other (``pause`` seconds apart) through a pool of one
    connection; each outcome and the number of connections opened."""
    pools = SmtpPools(size=1)

    async def main() -> list[Accepted | SendFailed]:
        pool = pools.get(endpoint(port, timeout))
        outcomes: list[Accepted | SendFailed] = []
        for number, envelope in enumerate(envelopes):
            if number and pause:
                await asyncio.sleep(pause)
            try:
                outcomes.append(await send(pool, envelope))
            except SendFailed as failed:
                outcomes.append(failed)
        await pools.close()
        return outcomes

    return asyncio.run(main()), pools.stats.connects


def mail(*recipients: str, message: bytes = MESSAGE) -> Envelope:
    return Envelope("a@example.ee", recipients or ("b@example.ee",), message)


WIRES = {
    "pipelining": {"pipelining": True},
    "one-command-at-a-time": {"pipelining": False},
    "chunking": {"pipelining": True, "chunking": True},  # BDAT (RFC 3030)
    "chunking-one-command-at-a-time": {"pipelining": False, "chunking": True},
}


@pytest.fixture(params=list(WIRES))
def wire(request: pytest.FixtureRequest) -> dict[str, bool]:
    """The server's extensions: the same outcomes whichever it offers."""
    return WIRES[request.param]


def test_a_mail_is_delivered_and_the_connection_reused(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    server = smtp_server(**wire)
    outcomes, connects = run(server.port, mail(), mail("c@example.ee"))
    assert all(isinstance(o, Accepted) and o.reply.startswith("250") for o in outcomes)
    assert [r.recipients for r in server.received] == [["b@example.ee"], ["c@example.ee"]]
    assert connects == 1


def test_the_refused_recipients_are_named_and_the_others_get_the_mail(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    refusal = "550 5.1.1 <gone@example.ee>: Recipient address rejected: User unknown"
    server = smtp_server(Behaviour(refuse={"gone@example.ee": refusal}), **wire)
    outcomes, connects = run(server.port, mail("b@example.ee", "gone@example.ee"), mail())
    first = outcomes[0]
    assert isinstance(first, Accepted)
    assert [(r.recipient, r.code) for r in first.refusals] == [("gone@example.ee", 550)]
    assert "User unknown" in first.refusals[0].message
    assert [r.recipients for r in server.received] == [["b@example.ee"], ["b@example.ee"]]
    assert connects == 1


def test_every_recipient_refused_fails_the_mail_and_keeps_the_connection(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    refusal = "550 5.1.1 User unknown"
    server = smtp_server(
        Behaviour(refuse={"x@example.ee": refusal, "y@example.ee": refusal}),
        **wire,
    )
    outcomes, connects = run(server.port, mail("x@example.ee", "y@example.ee"), mail())
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert failed.failure.error_class == ErrorClass.RECIPIENTS_REFUSED
    assert failed.failure.permanent
    assert [r.recipient for r in failed.failure.refusals] == ["x@example.ee", "y@example.ee"]
    assert isinstance(outcomes[1], Accepted)
    assert server.accepted() == 1
    assert connects == 1


def test_a_deferred_recipient_defers_the_whole_mail_and_nobody_gets_it(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    """With pipelining the server has already said 354 to DATA; the message is not sent, the
    connection is dropped instead (ending DATA would deliver it to the other recipients)."""
    server = smtp_server(Behaviour(refuse={"busy@example.ee": "451 4.3.0 try again later"}), **wire)
    outcomes, _connects = run(server.port, mail("b@example.ee", "busy@example.ee"), mail())
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert failed.failure.error_class == ErrorClass.DEFERRED
    assert not failed.failure.permanent
    assert isinstance(outcomes[1], Accepted)
    assert [r.recipients for r in server.received] == [["b@example.ee"]]  # the second mail only


def test_a_refused_sender_fails_the_mail_and_the_connection_stays_in_step(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    server = smtp_server(
        Behaviour(refuse_sender="553 5.7.1 Sender address rejected: not owned by user"),
        **wire,
    )
    outcomes, connects = run(server.port, mail(), mail())
    for failed in outcomes:
        assert isinstance(failed, SendFailed)
        assert failed.failure.error_class == ErrorClass.SENDER_REFUSED
        assert failed.failure.reply_code == 553
        assert "not owned by user" in failed.failure.text
    assert server.accepted() == 0
    assert connects == 1  # RSET put the connection back in step each time


def test_a_refused_message_is_rejected_with_the_servers_words(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    server = smtp_server(Behaviour(reject_data="554 5.7.1 Message rejected as spam"), **wire)
    outcomes, connects = run(server.port, mail(), mail())
    for failed in outcomes:
        assert isinstance(failed, SendFailed)
        assert failed.failure.error_class == ErrorClass.REJECTED
        assert "rejected as spam" in failed.failure.text
    assert connects == 1


def test_a_stalled_server_times_out_and_the_next_mail_gets_a_new_connection(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    # Timeouts long enough for the second mail's new connection on a loaded machine.
    server = smtp_server(Behaviour(stall_seconds=5, stall_first=1), **wire)
    outcomes, connects = run(server.port, mail(), mail(), timeout=3)
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert failed.failure.error_class == ErrorClass.TIMEOUT
    assert isinstance(outcomes[1], Accepted)
    assert connects == 2


def test_a_connection_that_answered_in_time_still_times_out_when_it_stalls_later(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    # the connection's one timer, set for the first mail's deadline, rings while the second
    # mail (sent 1.5 s after the first is through) still has time, and is moved on to the
    # second mail's deadline; the first mail may take up to 1.5 s (a loaded machine) for the
    # timer to ring while the second is under way
    server = smtp_server(Behaviour(stall_seconds=5, stall_after=1), **wire)
    outcomes, connects = run(server.port, mail(), mail(), timeout=3, pause=1.5)
    assert isinstance(outcomes[0], Accepted)
    failed = outcomes[1]
    assert isinstance(failed, SendFailed)
    assert failed.failure.error_class == ErrorClass.TIMEOUT
    assert connects == 1


def test_the_message_arrives_as_written_dots_and_line_ends_included(
    smtp_server: StartServer, wire: dict[str, bool]
) -> None:
    body = b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nbare\nline\rends\r\nlast"
    server = smtp_server(**wire)
    outcomes, _connects = run(server.port, mail(message=body))
    assert isinstance(outcomes[0], Accepted)
    expected = b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nbare\r\nline\r\nends\r\nlast"
    assert server.received[0].data.rstrip(b"\r\n") == expected


def test_chunking_sends_bdat_and_a_mail_to_one_recipient_in_one_round_trip(
    smtp_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 3030: MAIL FROM, RCPT TO and the message as ``BDAT <size> LAST`` in one write
    where there is one recipient; with several, the recipients' replies come first (a 4xx
    for one must keep the message from the others)."""
    server = smtp_server(chunking=True)
    writes: list[bytes] = []
    exchange = SmtpSession._exchange

    async def recorded(
        session: SmtpSession, data: bytes, replies: int, drain: bool = False
    ) -> list[SMTPResponse]:
        writes.append(b" | ".join(line.split(b":")[0] for line in data.split(b"\r\n")[:-1]))
        return await exchange(session, data, replies, drain)

    monkeypatch.setattr(SmtpSession, "_exchange", recorded)
    outcomes, connects = run(server.port, mail(), mail("b@example.ee", "c@example.ee"))
    assert all(isinstance(outcome, Accepted) for outcome in outcomes)
    assert server.chunks == 2 and connects == 1
    assert [r.data for r in server.received] == [MESSAGE, MESSAGE]
    assert [w.split(b" | From")[0] for w in writes] == [
        b"MAIL FROM | RCPT TO | BDAT %d LAST" % len(MESSAGE),
        b"MAIL FROM | RCPT TO | RCPT TO",
        b"BDAT %d LAST" % len(MESSAGE),
        b"QUIT",
    ]


# -- the wire: what a pipelining client writes, and replies however they are cut ------------


@contextlib.contextmanager
def scripted_server(
    pieces: list[bytes],
    wait_for: bytes = b"DATA\r\n",
    last: bytes = b"250 2.0.0 queued as 1\r\n",
) -> Iterator[tuple[int, list[bytes]]]:
    """A server that greets, answers EHLO offering PIPELINING, then reads until ``wait_for``
    without answering anything, and only then sends the replies ``pieces``, one ``send`` each
    (so that replies arrive cut where the test says). Yields its port and what it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    read: list[bytes] = []

    def read_until(connection: socket.socket, marker: bytes) -> bytes:
        received = b""
        while marker not in received:
            chunk = connection.recv(4096)
            if not chunk:  # the client hung up
                break
            received += chunk
        return received

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            connection.sendall(b"220 scripted ESMTP\r\n")
            read_until(connection, b"\r\n")
            connection.sendall(b"250-scripted\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n")
            read.append(read_until(connection, wait_for))
            for piece in pieces:
                connection.sendall(piece)
                threading.Event().wait(0.02)
            read.append(read_until(connection, b"\r\n.\r\n"))
            connection.sendall(last)
            with contextlib.suppress(OSError):
                connection.recv(4096)  # QUIT

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port, read
    finally:
        thread.join(timeout=10)
        listener.close()


def test_a_pipelining_client_writes_the_envelope_before_any_reply() -> None:
    """The server answers nothing until it has read DATA: a client waiting for each reply
    would time out; a pipelining one gets the mail through."""
    replies = [b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with .\r\n"]
    with scripted_server(replies) as (port, read):
        outcomes, _ = run(port, mail("b@example.ee", "c@example.ee"), timeout=3)
    assert isinstance(outcomes[0], Accepted)
    assert outcomes[0].reply == "250 2.0.0 queued as 1"
    assert read[0] == (
        b"MAIL FROM:<a@example.ee> SIZE=%d\r\nRCPT TO:<b@example.ee>\r\n"
        b"RCPT TO:<c@example.ee>\r\nDATA\r\n" % len(MESSAGE)
    )
    assert read[1] == MESSAGE + b".\r\n"


def test_replies_cut_anywhere_and_spread_over_lines_are_read_whole() -> None:
    replies = [
        b"25",
        b"0 2.1.0 Ok\r\n250-2.1.5 first line\r",
        b"\n250-2.1.5 second line\r\n250 2.1.5 last",
        b" line\r\n3",
        b"54 go ahead\r\n",
    ]
    with scripted_server(replies) as (port, _read):
        outcomes, _ = run(port, mail(), timeout=3)
    assert isinstance(outcomes[0], Accepted)


def test_a_reply_in_bytes_that_are_not_utf8_is_text_a_notice_can_carry() -> None:
    """Latin-1 from a server (or junk) becomes U+FFFD, not lone surrogates: the reply is
    written on into the job's row and its mail.sent notice, whose UTF-8 encode would fail."""
    replies = [b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"]
    last = b"250 2.0.0 re\xe7u, file d'attente \xff\r\n"
    with scripted_server(replies, last=last) as (port, _read):
        outcomes, _ = run(port, mail(), timeout=3)
    accepted = outcomes[0]
    assert isinstance(accepted, Accepted)
    assert accepted.reply == "250 2.0.0 re\ufffdu, file d'attente \ufffd"


# -- pure: the DATA form of a message ----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "wire"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n"),
        (b"a\nb", b"a\r\nb\r\n"),
        (b"a\rb\r\n", b"a\r\nb\r\n"),
        (b".a\r\n.\r\nb.\r\n", b"..a\r\n..\r\nb.\r\n"),
        (b"a\n.b", b"a\r\n..b\r\n"),
        (b"", b"\r\n"),
    ],
)
def test_data_lines_end_in_crlf_and_double_a_leading_dot(content: bytes, wire: bytes) -> None:
    assert data_lines(content) == wire


def test_data_lines_trust_a_message_known_to_be_crlf() -> None:
    assert data_lines(b"a\r\n.b\r\nc", crlf=True) == b"a\r\n..b\r\nc\r\n"


def test_an_address_with_a_line_break_is_refused_before_anything_is_written(
    smtp_server: StartServer,
) -> None:
    server = smtp_server()
    injected = mail("b@example.ee>\r\nRCPT TO:<victim@example.org")
    outcomes, _connects = run(server.port, injected, mail())
    failed = outcomes[0]
    assert isinstance(failed, SendFailed)
    assert failed.failure.permanent
    assert "control character" in failed.failure.text
    assert isinstance(outcomes[1], Accepted)
    assert [r.recipients for r in server.received] == [["b@example.ee"]]
