"""The benchmark's stand-in for the users' servers stays a faithful SMTP server: its own
DATA reader (the message read whole) and its replies due together written as one."""

from __future__ import annotations

import asyncio
import io
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.standin import LOOP, StandinSMTP, _Journal, password_of, standin_server
from tests.certificates import issue, make_authority
from workers import event_loop

LOGIN = "user1@bench.example"
DELAY = 0.02


class _Kept:
    def __init__(self) -> None:
        self.contents: list[bytes] = []
        self.rcpt_pause = 0.0  # how long the server thinks over a recipient

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: Any
    ) -> str:
        await asyncio.sleep(self.rcpt_pause)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.contents.append(envelope.original_content or b"")
        return "250 2.0.0 queued"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[tuple[int, Path, _Kept]]:
    authority = make_authority(tmp_path / "ca")
    certificate = issue(authority, ["127.0.0.1"])
    kept = _Kept()
    journal = _Journal(io.StringIO())
    make_loop = event_loop.loop_factory(LOOP)
    loop = make_loop() if make_loop is not None else asyncio.new_event_loop()

    def factory() -> SMTP:
        return standin_server(kept, journal, DELAY, pipelining=True, chunking=False)

    server = loop.run_until_complete(
        loop.create_server(factory, "127.0.0.1", 0, ssl=certificate.server_context())
    )
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1], authority.ca_file, kept
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def _client(port: int, ca_file: Path) -> smtplib.SMTP_SSL:
    client = smtplib.SMTP_SSL(
        "127.0.0.1", port, context=ssl.create_default_context(cafile=str(ca_file)), timeout=10
    )
    client.login(LOGIN, password_of(LOGIN))
    return client


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_messages_arrive_as_sent_dots_unstuffed(standin: tuple[int, Path, _Kept]) -> None:
    port, ca_file, kept = standin
    sent = [
        b"Subject: a\r\n\r\nends with a dot.\r\n.starts with one\r\n..\r\nlast.",
        b"Subject: b\r\n\r\n" + b"x" * 998 + b"\r\n",
        b"Subject: c\r\n\r\n.\r\n",
    ]
    client = _client(port, ca_file)
    for message in sent:
        assert client.sendmail(LOGIN, ["a@b.example"], message) == {}
    client.quit()
    # smtplib dot-stuffs and ends the last line with CRLF; the server gives back the lines
    assert kept.contents == [
        b"Subject: a\r\n\r\nends with a dot.\r\n.starts with one\r\n..\r\nlast.\r\n",
        b"Subject: b\r\n\r\n" + b"x" * 998 + b"\r\n",
        b"Subject: c\r\n\r\n.\r\n",
    ]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_a_line_over_the_limit_is_refused_and_the_session_goes_on(
    standin: tuple[int, Path, _Kept],
) -> None:
    port, ca_file, kept = standin
    client = _client(port, ca_file)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail(LOGIN, ["a@b.example"], b"Subject: d\r\n\r\n" + b"y" * 1000 + b"\r\n")
    assert refused.value.smtp_code == 500
    assert client.sendmail(LOGIN, ["a@b.example"], b"Subject: e\r\n\r\nok\r\n") == {}
    client.quit()
    assert kept.contents == [b"Subject: e\r\n\r\nok\r\n"]


@pytest.mark.parametrize("rcpt_pause", [0.0, 0.05])
@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_pipelined_replies_leave_together_after_the_delay(
    standin: tuple[int, Path, _Kept], rcpt_pause: float
) -> None:
    """However long the server takes between them (a loaded machine, or a server that
    looks a recipient up), replies to commands sent together leave together."""
    port, ca_file, kept = standin
    kept.rcpt_pause = rcpt_pause
    client = _client(port, ca_file)
    sock: Any = client.sock
    started = time.monotonic()
    sock.sendall(b"MAIL FROM:<" + LOGIN.encode() + b">\r\nRCPT TO:<a@b.example>\r\nDATA\r\n")
    first = sock.recv(4096)
    waited = time.monotonic() - started
    # the three replies in one read (one write, one TLS record), none before the delay
    assert first.split(b"\r\n")[:3] == [
        b"250 OK",
        b"250 OK",
        b"354 End data with <CR><LF>.<CR><LF>",
    ]
    assert waited >= DELAY
    # QUIT pipelined after the message's end, as Postfix sends it: the message's 250 and
    # the 221 leave together, before the connection closes
    sock.sendall(b"Subject: f\r\n\r\nhi\r\n.\r\nQUIT\r\n")
    assert sock.recv(4096) == b"250 2.0.0 queued\r\n221 Bye\r\n"
    assert kept.contents == [b"Subject: f\r\n\r\nhi\r\n"]
    client.close()


@pytest.mark.parametrize(
    "path",
    [
        "<a@b.example>",
        "<bounce+x=y@events.bench.example>  SIZE=123 BODY=8BITMIME",
        "<a-b.c_d@x-y.example>",
        '<"q u"@b.example>',  # the others by aiosmtpd's parser
        "<>",
        "a@b.example",
        "<@relay.example:a@b.example>",
        "<a..b@c.example>",
    ],
)
@pytest.mark.parametrize("local_part_limit", [0, 3])
def test_a_path_reads_as_aiosmtpd_reads_it(path: str, local_part_limit: int) -> None:
    ours, theirs = StandinSMTP.__new__(StandinSMTP), SMTP.__new__(SMTP)
    ours.local_part_limit = theirs.local_part_limit = local_part_limit
    assert ours._getaddr(path) == theirs._getaddr(path)
