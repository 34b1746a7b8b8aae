"""A server that greets, answers EHLO or answers AUTH in bytes that are not UTF-8 (Latin-1,
junk): its reply reaches the job's row, its dead letter, its notice and the worker's log as
text with U+FFFD. aiosmtplib decodes such bytes into lone surrogates, on which every UTF-8
encode raises; the session's own reply reader already read them as U+FFFD (fa8296a), the
replies of opening a connection did not."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.smtp_servers import scripted_server
from workers.broker import names

MakeHarness = Callable[..., Harness]
HELLO = b"220 mx.example.fr ESMTP\r\n"
OFFERS_AUTH = b"250-mx.example.fr\r\n250 AUTH PLAIN\r\n"
# what each reply reads as: the Latin-1 letters and the junk byte each a U+FFFD
REFUSED = "refus\ufffd \ufffd"

CASES = {
    "greeting": (b"554 5.7.1 Acc\xe8s refus\xe9 \xff\r\n", {}),
    "ehlo": (
        HELLO,
        {
            b"EHLO": b"550 5.7.1 H\xf4te refus\xe9 \xff\r\n",
            b"HELO": b"550 5.7.1 H\xf4te refus\xe9 \xff\r\n",
        },
    ),
    "auth": (
        HELLO,
        {b"EHLO": OFFERS_AUTH, b"AUTH": b"535 5.7.8 Identifiants refus\xe9 \xff\r\n"},
    ),
}


@pytest.mark.parametrize("step", list(CASES))
def test_a_refusal_in_latin1_while_connecting_is_stored_sent_and_logged_as_text(
    step: str, make_harness: MakeHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    greeting, replies = CASES[step]
    with scripted_server(greeting, replies) as server:
        harness = make_harness(server.port)
        harness.own_server(server.host, server.port, "mari@acme.fr", "right-password")
        job = make_job()
        harness.run_job(job, "dead")
    if step == "auth":
        assert any(line.startswith(b"AUTH PLAIN") for line in server.commands)
    row = harness.rows()[job["job_id"]]
    assert row.error_text is not None and REFUSED in row.error_text, row.error_text
    [(properties, _)] = harness.drain(names.DEAD_QUEUE)
    headers = json.dumps(properties.headers, ensure_ascii=False)
    assert REFUSED in headers, headers
    [notice] = [n for n in harness.notices() if n["type"] == names.EVENT_FAILED]
    assert REFUSED in json.dumps(notice, ensure_ascii=False), notice
    assert REFUSED in capsys.readouterr().err
