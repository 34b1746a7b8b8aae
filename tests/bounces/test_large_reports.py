"""No silent caps on a DSN's recipients (issue 12, point 4).

With Gmail-length diagnostics a DSN listing 300 or 500 recipients (500 is a job's maximum)
gave 203 Events, one listing 100,000 gave 1,786, and nothing was logged: the delivery-status
part was cut at 128 KiB. Every recipient now becomes an Event up to a documented limit
(``MAX_DSN_RECIPIENTS``); past it the worker logs and records how many it did not read.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select
from structlog.testing import capture_logs

from schemas.job import MAX_RECIPIENTS
from schemas.tables import Event, RawBounce
from tests.bounces import mails
from tests.bounces.test_pipeline import add_job, fetched, pipeline
from workers.bounces.summary import Summary
from workers.correlation import envelope_sender
from workers.dsn import parse_bounce
from workers.dsn.rfc3464 import MAX_DSN_RECIPIENTS
from workers.store.engine import session_scope

# What Gmail says for an unknown mailbox, wrapped as its DSNs wrap it (about 400 characters).
GMAIL = (
    "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
    " 550-5.1.1 double-checking the recipient's email address for typos or\n"
    " 550-5.1.1 unnecessary spaces. For more information, go to\n"
    " 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
    "d2e1a72fcca58-{rcpt}-gsmtp"
)


def addresses(count: int) -> list[str]:
    return [f"customer{n:06d}@example.ee" for n in range(count)]


def test_the_limit_covers_a_jobs_recipients() -> None:
    assert MAX_DSN_RECIPIENTS >= MAX_RECIPIENTS


@pytest.mark.parametrize("count", [300, MAX_RECIPIENTS])
def test_every_recipient_of_a_large_dsn_is_read(count: int) -> None:
    raw = mails.multi_dsn(f"bounce@{mails.EVENT_DOMAIN}", addresses(count), diagnostic=GMAIL)
    report = parse_bounce(raw)
    assert [r.address for r in report.recipients] == addresses(count)
    assert all(r.status == "5.1.1" and r.reason.value == "userunknown" for r in report.recipients)
    assert report.dropped_recipients == 0


def test_a_job_at_its_maximum_gets_an_event_per_recipient(engine: Engine) -> None:
    rcpts = addresses(MAX_RECIPIENTS)
    job_id = add_job(engine, to=rcpts)
    verp = envelope_sender(job_id, mails.EVENT_DOMAIN, mails.SECRET.encode())
    handled = pipeline(engine).record(fetched(mails.multi_dsn(verp, rcpts, diagnostic=GMAIL)))
    assert len(handled.suppressed) == MAX_RECIPIENTS
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == MAX_RECIPIENTS


def test_past_the_limit_the_dropped_recipients_are_logged_and_recorded(engine: Engine) -> None:
    extra = 150
    raw = mails.multi_dsn(
        f"bounce+{uuid.uuid4()}.aaaaaaaa@{mails.EVENT_DOMAIN}",
        addresses(MAX_DSN_RECIPIENTS + extra),
        diagnostic=GMAIL,
    )
    report = parse_bounce(raw)
    assert len(report.recipients) == MAX_DSN_RECIPIENTS
    assert report.dropped_recipients == extra
    with capture_logs() as logs:
        handled = pipeline(engine).record(fetched(raw))
    warned = [line for line in logs if line.get("dropped_recipients") == extra]
    assert warned and warned[0]["log_level"] == "warning", logs
    assert handled.dropped_recipients == extra
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == MAX_DSN_RECIPIENTS
        [row] = session.exec(select(RawBounce)).all()
        assert row.dropped_recipients == extra
    summary = Summary()
    summary.add(handled)
    assert summary.dropped_recipients == extra
