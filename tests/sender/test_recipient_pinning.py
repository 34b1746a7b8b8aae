"""A bounce counts only against recipients its job really had (issue 12, point 1).

The VERP tag is in the Return-Path of every delivered mail, so every recipient of a job holds
the job's genuine tag. A forged DSN carrying it and listing addresses the job was never sent
to (another customer's ``ceo@``, another company's ``billing@``) got them all suppressed and
the job marked bounced. The sender now keeps, with the job, a keyed digest of each recipient
(HMAC under the secret key: the database holds no plain list), and the bounce worker pins a
reported recipient on the job only when it is one of them.

End to end: the real sender worker sends the job through a real SMTP server into the
database; the forged and the genuine bounces then go through the bounce pipeline.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from schemas.tables import Event, MailMessage, MailStatus, Suppression
from tests.bounces import mails
from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.sender.servers import SmtpServer
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import FetchedMessage, MessageRef
from workers.correlation import find_verp
from workers.settings import BounceSettings

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]
STRANGERS = ("ceo@other-customer.example", "billing@another-company.example")
RECIPIENTS = ("juri@example.ee", "kati@example.ee")


def forged_dsn(verp: str, *addresses: str) -> bytes:
    """A DSN sent to ``verp`` (the job's genuine return path) listing ``addresses``."""
    return mails.multi_dsn(verp, addresses)


def send_one_job(make_harness: MakeHarness, smtp_server: StartServer) -> tuple[Harness, str, str]:
    server = smtp_server()
    harness = make_harness(server.port)
    job = make_job(to=list(RECIPIENTS))
    harness.run_job(job, "sent")
    [received] = [r for r in server.received if r.job_id == job["job_id"]]
    verp = find_verp(received.mail_from)
    assert verp is not None and verp.job_id == job["job_id"]
    return harness, job["job_id"], received.mail_from


def record(engine: Engine, raw: bytes, secret_key: str = "test-secret-key") -> None:
    pipeline = BouncePipeline(engine, BounceSettings(), secret_key)
    pipeline.record(FetchedMessage(MessageRef("1", len(raw)), raw))


def suppressed(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Suppression.address)))


def test_the_sender_keeps_keyed_digests_of_the_recipients_not_the_addresses(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    harness, job_id, _ = send_one_job(make_harness, smtp_server)
    row = harness.rows()[job_id]
    assert row.recipient_digests is not None
    assert len(row.recipient_digests.split()) == len(RECIPIENTS)
    for address in RECIPIENTS:
        assert address not in row.recipient_digests
        assert address.split("@")[0] not in row.recipient_digests


def test_a_forged_bounce_with_a_genuine_tag_suppresses_nobody_the_job_did_not_mail(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    harness, job_id, verp = send_one_job(make_harness, smtp_server)
    record(harness.engine, forged_dsn(verp, *STRANGERS))
    assert suppressed(harness.engine) == set()
    assert harness.statuses()[job_id] == "sent"
    events = harness.events()
    assert sorted(e.recipient for e in events) == sorted(STRANGERS)
    for event in events:  # recorded, for a person to see, but pinned on nobody
        assert (event.job_id, event.tenant, event.verified) == (None, None, False)


def test_a_bounce_mixing_a_real_recipient_and_strangers_counts_only_the_real_one(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    harness, job_id, verp = send_one_job(make_harness, smtp_server)
    record(harness.engine, forged_dsn(verp, "Juri@Example.ee", *STRANGERS))
    assert suppressed(harness.engine) == {"juri@example.ee"}
    assert harness.statuses()[job_id] == "bounced"
    pinned = {e.recipient: (e.job_id, e.verified) for e in harness.events()}
    assert pinned["juri@example.ee"] == (job_id, True)
    assert all(pinned[stranger] == (None, False) for stranger in STRANGERS)


def test_after_a_key_rotation_the_old_keys_digests_still_pin(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    harness, job_id, verp = send_one_job(make_harness, smtp_server)
    record(harness.engine, forged_dsn(verp, "kati@example.ee"), "new-key,test-secret-key")
    assert suppressed(harness.engine) == {"kati@example.ee"}
    with Session(harness.engine) as session:
        job = session.get(MailMessage, job_id)
        assert job is not None and job.status is MailStatus.BOUNCED
        assert session.exec(select(func.count()).select_from(Event)).one() == 1
