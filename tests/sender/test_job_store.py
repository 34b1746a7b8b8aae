"""The claim and the outcome as batch operations: one batch mixing tenants, users and verdicts."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas.job import MailJobV1, parse_job
from schemas.tables import (
    JobHistory,
    JobStep,
    MailMessage,
    MailStatus,
    Suppression,
    UserMailSettings,
)
from schemas.values import TlsMode, utc_now
from tests.cards import acme_card, acme_with_admin_as_global
from workers.config.presets import load_presets
from workers.config.resolved import ResolvedConfig
from workers.config.service import resolve_for_job
from workers.job.story import read_story, timeline
from workers.sender.job_store import (
    ClaimRequest,
    ClaimResult,
    Hold,
    JobOutcome,
    Verdict,
    claim_jobs,
    hold_jobs,
    record_outcomes,
    release_claims,
)
from workers.settings import Settings
from workers.store.engine import session_scope

SETTINGS = Settings(secret_key="records-key", relay_host="relay.erpmail.test", relay_port=2525)
PRESETS = load_presets(None)


def _resolve(session: Session, tenant: str, user: str) -> ResolvedConfig:
    return resolve_for_job(session, SETTINGS, tenant, user, PRESETS)


CLAIM = claim_jobs(_resolve)


def _job(tenant: str, user: str, *to: str) -> MailJobV1:
    return parse_job(
        json.dumps(
            {
                "schema_version": 1,
                "job_id": str(uuid.uuid4()),
                "tenant": tenant,
                "user_code": user,
                "kind": "invoice",
                "to": list(to),
                "subject": "Arve",
                "text": "Tere!",
            }
        )
    )


def _request(job: MailJobV1, *, resend_interrupted: bool = True) -> ClaimRequest:
    return ClaimRequest(
        job,
        attempt=2,
        recipients=tuple(job.to),
        message_id=f"<erpmail.{job.job_id}@events.erpmail.test>",
        resend_interrupted=resend_interrupted,
        lease_seconds=60,
    )


def _row(engine: Engine, job: MailJobV1) -> MailMessage | None:
    with Session(engine) as session:
        return session.get(MailMessage, str(job.job_id))


def _seed(engine: Engine) -> None:
    now = utc_now()
    with session_scope(engine) as session:
        session.add(acme_with_admin_as_global())
        session.add(acme_card())
        session.add(UserMailSettings(tenant="acme", user_code="MARI", email="mari@acme.ee"))
        session.add(UserMailSettings(tenant="beta", user_code="MARI", email="mari@beta.ee"))
        session.add(Suppression(tenant="acme", address="blocked@example.ee", reason="hard"))
        session.add(
            Suppression(
                tenant="acme",
                address="expired@example.ee",
                reason="soft",
                expires_at=now - timedelta(hours=1),
            )
        )


def _stored(
    engine: Engine,
    job: MailJobV1,
    status: MailStatus,
    started_ago: timedelta,
    response: str | None = None,
) -> None:
    """The row an earlier attempt left: started ``started_ago``."""
    with session_scope(engine) as session:
        session.add(
            MailMessage(
                job_id=str(job.job_id),
                tenant=job.tenant,
                user_code=job.user_code,
                kind="invoice",
                status=status,
                attempts=1,
                sending_started_at=utc_now() - started_ago,
                smtp_response=response,
            )
        )


def test_a_batch_of_several_tenants_users_and_verdicts(engine: Engine) -> None:
    _seed(engine)
    suppressed = _job("acme", "MARI", "Blocked@Example.ee")
    other_tenant = _job("beta", "MARI", "blocked@example.ee")  # acme's suppression only
    partly = _job("acme", "MARI", "blocked@example.ee", "expired@example.ee")
    second_of_user = _job("acme", "MARI", "someone@example.ee")
    no_settings = _job("acme", "NOBODY", "someone@example.ee")
    already_sent = _job("beta", "MARI", "someone@example.ee")
    interrupted = _job("acme", "ADMIN", "someone@example.ee")
    busy = _job("beta", "MARI", "other@example.ee")
    at_most_once = _job("acme", "ADMIN", "other@example.ee")
    for job, status, ago, response in (
        (already_sent, MailStatus.SENT, timedelta(hours=1), "250 2.0.0 queued as A"),
        (interrupted, MailStatus.SENDING, timedelta(minutes=5), None),
        (busy, MailStatus.SENDING, timedelta(seconds=5), None),
        (at_most_once, MailStatus.SENDING, timedelta(minutes=5), None),
    ):
        _stored(engine, job, status, ago, response)
    requests = [
        _request(job)
        for job in (
            suppressed,
            other_tenant,
            partly,
            second_of_user,
            no_settings,
            already_sent,
            interrupted,
            busy,
        )
    ] + [_request(at_most_once, resend_interrupted=False)]
    with session_scope(engine) as session:
        claims = dict(zip((r.job.job_id for r in requests), CLAIM(session, requests), strict=True))

    def claim(job: MailJobV1) -> ClaimResult:
        return claims[job.job_id]

    assert claim(suppressed).verdict == Verdict.SUPPRESSED
    assert claim(suppressed).suppressed == {"blocked@example.ee": "hard"}
    assert claim(other_tenant).verdict == Verdict.SEND
    assert claim(other_tenant).suppressed == {}
    assert claim(partly).verdict == Verdict.SEND
    assert claim(partly).suppressed == {"blocked@example.ee": "hard"}  # the expired one is not
    assert claim(partly).recipients_to_send(partly.to) == ("expired@example.ee",)
    assert claim(second_of_user).verdict == Verdict.SEND
    assert claim(no_settings).verdict == Verdict.CONFIG_ERROR
    assert "NOBODY" in (claim(no_settings).config_error or "")
    assert claim(already_sent).verdict == Verdict.DUPLICATE
    assert claim(already_sent).previous_response == "250 2.0.0 queued as A"
    assert claim(interrupted).verdict == Verdict.SEND
    assert claim(interrupted).possible_duplicate
    assert claim(busy).verdict == Verdict.BUSY
    assert 50 < claim(busy).busy_for <= 55
    assert claim(at_most_once).verdict == Verdict.INTERRUPTED

    # each user's own configuration
    acme_mari, beta_mari = claim(partly).config, claim(other_tenant).config
    assert acme_mari is not None and beta_mari is not None
    assert acme_mari.endpoint.host == "smtp.acme.ee"  # acme's global user's server
    assert beta_mari.endpoint.host == "relay.erpmail.test"  # beta has no company settings
    second = claim(second_of_user).config
    assert second is not None and second.endpoint == acme_mari.endpoint
    # one resolution serves all of a user's jobs in a batch
    assert second is acme_mari
    admin = claim(interrupted).config
    assert admin is not None and admin.endpoint.host == "smtp.acme.ee"

    # what the claim committed before any send
    row = _row(engine, partly)
    assert row is not None
    assert (row.status, row.attempts, row.message_id) == (
        MailStatus.CLAIMED,
        2,
        f"<erpmail.{partly.job_id}@events.erpmail.test>",
    )
    assert row.smtp_host == "smtp.acme.ee:587"
    assert row.config_source and json.loads(row.config_source)["tier"] == "global"
    assert row.sending_started_at is not None and not row.possible_duplicate
    beta_row = _row(engine, other_tenant)
    assert beta_row is not None and beta_row.smtp_host == "relay.erpmail.test:2525"
    interrupted_row = _row(engine, interrupted)
    assert interrupted_row is not None
    assert interrupted_row.status == MailStatus.CLAIMED and interrupted_row.possible_duplicate
    assert interrupted_row.attempts == 2
    suppressed_row = _row(engine, suppressed)
    assert suppressed_row is not None and suppressed_row.status == MailStatus.SUPPRESSED
    assert suppressed_row.error_text == "blocked@example.ee: hard"
    assert _row(engine, no_settings) is None
    for untouched, status in (
        (already_sent, MailStatus.SENT),
        (busy, MailStatus.SENDING),
        (at_most_once, MailStatus.SENDING),
    ):
        found = _row(engine, untouched)
        assert found is not None and (found.status, found.attempts) == (status, 1)

    # the outcomes, claimed or not, in one batch
    outcomes = [
        JobOutcome(partly, MailStatus.SENT, 2, smtp_response="250 ok", claimed=True),
        JobOutcome(other_tenant, MailStatus.RETRYING, 2, error_class="smtp", error_text="451"),
        JobOutcome(no_settings, MailStatus.DEAD, 2, error_class="config", error_text="no user"),
    ]
    with session_scope(engine) as session:
        assert record_outcomes(session, outcomes) == [None, None, None]
    sent = _row(engine, partly)
    assert sent is not None and sent.status == MailStatus.SENT and sent.sent_at is not None
    assert sent.smtp_response == "250 ok" and sent.smtp_host == "smtp.acme.ee:587"
    retrying = _row(engine, other_tenant)
    assert retrying is not None and (retrying.status, retrying.error_text) == (
        MailStatus.RETRYING,
        "451",
    )
    dead = _row(engine, no_settings)
    assert dead is not None and (dead.status, dead.tenant, dead.user_code, dead.attempts) == (
        MailStatus.DEAD,
        "acme",
        "NOBODY",
        2,
    )


def test_the_next_batch_sees_changed_settings_and_new_suppressions(engine: Engine) -> None:
    _seed(engine)
    with session_scope(engine) as session:
        first = CLAIM(session, [_request(_job("beta", "MARI", "late@example.ee"))])
    assert first[0].verdict == Verdict.SEND
    config = first[0].config
    assert config is not None and config.endpoint.host == "relay.erpmail.test"
    with session_scope(engine) as session:
        card = session.exec(
            select(UserMailSettings).where(
                UserMailSettings.tenant == "beta", UserMailSettings.user_code == "MARI"
            )
        ).one()
        card.smtp_host, card.smtp_port, card.smtp_tls = "smtp.beta.ee", 465, TlsMode.SSL
        session.add(card)
        session.add(Suppression(tenant="beta", address="late@example.ee", reason="complaint"))
    with session_scope(engine) as session:
        late, other = CLAIM(
            session,
            [
                _request(_job("beta", "MARI", "late@example.ee")),
                _request(_job("beta", "MARI", "fine@example.ee")),
            ],
        )
    assert late.verdict == Verdict.SUPPRESSED
    assert late.suppressed == {"late@example.ee": "complaint"}
    assert other.verdict == Verdict.SEND
    assert other.config is not None and other.config.endpoint.host == "smtp.beta.ee"
    with session_scope(engine) as session:
        session.delete(
            session.exec(
                select(UserMailSettings).where(
                    UserMailSettings.tenant == "beta", UserMailSettings.user_code == "MARI"
                )
            ).one()
        )
    with session_scope(engine) as session:
        (gone,) = CLAIM(session, [_request(_job("beta", "MARI", "fine@example.ee"))])
    assert gone.verdict == Verdict.CONFIG_ERROR


def test_two_copies_of_one_job_in_one_batch_are_not_both_sent(engine: Engine) -> None:
    # a producer that republished after a lost confirm: the copies can share a batch
    _seed(engine)
    job = _job("acme", "MARI", "kati@example.ee")
    with session_scope(engine) as session:
        first, second = CLAIM(session, [_request(job), _request(job)])
    assert first.verdict == Verdict.SEND
    assert second.verdict == Verdict.BUSY
    row = _row(engine, job)
    assert row is not None and row.status == "claimed"


@pytest.mark.parametrize(
    "status", [MailStatus.BOUNCED, MailStatus.SOFT_BOUNCED, MailStatus.DELIVERED]
)
def test_a_job_whose_mail_a_report_came_back_for_is_a_duplicate(
    engine: Engine, status: MailStatus
) -> None:
    """A bounce or a delivery report moved the sent job's row on: a copy of the job (a dead
    letter replayed after a kill -9 left it beside its sent copy) is not sent again."""
    _seed(engine)
    job = _job("acme", "MARI", "kati@example.ee")
    _stored(engine, job, status, timedelta(hours=1), "250 2.0.0 queued as B")
    with session_scope(engine) as session:
        [claim] = CLAIM(session, [_request(job)])
    assert (claim.verdict, claim.previous_response) == (Verdict.DUPLICATE, "250 2.0.0 queued as B")
    row = _row(engine, job)
    assert row is not None and (row.status, row.attempts) == (status, 1)


def test_only_a_job_that_held_a_connection_is_taken_over_as_a_possible_duplicate(
    engine: Engine,
) -> None:
    _seed(engine)
    claimed, sending, claimed_lately = (_job("acme", "MARI", "a@example.ee") for _ in range(3))
    claimed_at_most_once = _job("acme", "MARI", "b@example.ee")
    for job, status, ago in (
        (claimed, MailStatus.CLAIMED, timedelta(minutes=5)),
        (sending, MailStatus.SENDING, timedelta(minutes=5)),
        (claimed_lately, MailStatus.CLAIMED, timedelta(seconds=5)),
        (claimed_at_most_once, MailStatus.CLAIMED, timedelta(minutes=5)),
    ):
        _stored(engine, job, status, ago)
    requests = [_request(job) for job in (claimed, sending, claimed_lately)]
    requests.append(_request(claimed_at_most_once, resend_interrupted=False))
    with session_scope(engine) as session:
        after_claim, after_sending, lately, at_most_once = CLAIM(session, requests)

    # a claim whose attempt stopped before it held a connection: nothing was on the wire
    assert (after_claim.verdict, after_claim.possible_duplicate) == (Verdict.SEND, False)
    assert after_claim.taken_over == MailStatus.CLAIMED
    assert (at_most_once.verdict, at_most_once.possible_duplicate) == (Verdict.SEND, False)
    # one that held a connection may have handed the mail over
    assert (after_sending.verdict, after_sending.possible_duplicate) == (Verdict.SEND, True)
    assert after_sending.taken_over == MailStatus.SENDING
    # a claim within its lease may still be waiting for a connection
    assert lately.verdict == Verdict.BUSY
    for job in (claimed, sending):
        row = _row(engine, job)
        assert row is not None and row.status == MailStatus.CLAIMED


def test_a_hold_marks_sending_only_the_attempts_own_claim(engine: Engine) -> None:
    _seed(engine)
    mine, taken_over, finished = (_job("acme", "MARI", "a@example.ee") for _ in range(3))
    with session_scope(engine) as session:
        claims = CLAIM(session, [_request(job) for job in (mine, taken_over, finished)])
    stamps = [claim.claimed_at for claim in claims]
    assert all(stamps) and all(claim.verdict == Verdict.SEND for claim in claims)
    # another attempt claimed one after this attempt's lease ran out; another ended one
    with session_scope(engine) as session:
        row = session.get(MailMessage, str(taken_over.job_id))
        assert row is not None and row.sending_started_at is not None
        row.sending_started_at += timedelta(seconds=61)
        session.add(row)
    with session_scope(engine) as session:
        record_outcomes(session, [JobOutcome(finished, MailStatus.SENT, 2, claimed=True)])

    holds = [
        Hold(str(job.job_id), stamp)
        for job, stamp in zip((mine, taken_over, finished), stamps, strict=True)
        if stamp is not None
    ]
    with session_scope(engine) as session:
        marks = hold_jobs(session, holds)
    assert [mark is not None for mark in marks] == [True, False, False]
    statuses = [getattr(_row(engine, job), "status", None) for job in (mine, taken_over, finished)]
    assert statuses == [MailStatus.SENDING, MailStatus.CLAIMED, MailStatus.SENT]
    held = _row(engine, mine)
    assert held is not None and held.sending_started_at is not None
    assert stamps[0] is not None and held.sending_started_at >= stamps[0]  # the lease anew
    assert marks[0] == Hold(str(mine.job_id), held.sending_started_at, MailStatus.SENDING)
    with session_scope(engine) as session:  # held once: a second hold is not the claim's
        assert hold_jobs(session, holds[:1]) == [None]
    # marked ahead of its connection, then the worker stops: the mark is given back, the
    # stale claim gives back nothing
    with session_scope(engine) as session:
        assert release_claims(session, [holds[0], marks[0]]) == [False, True]
    given_back = _row(engine, mine)
    assert given_back is not None and given_back.status == MailStatus.QUEUED


def test_a_server_reply_with_nul_and_overlong_fields_is_stored_cleaned_on_both_databases(
    engine: Engine,
) -> None:
    """The job rows are written past SQLAlchemy's statements (workers.store.raw): each value
    still passes its column's own processing, text cleaning first (PostgreSQL refuses a NUL),
    and reads back as SQLAlchemy wrote it (times, the flag)."""
    _seed(engine)
    job = _job("acme", "MARI", "a@example.ee")
    with session_scope(engine) as session:
        [claim] = CLAIM(session, [replace(_request(job), possible_duplicate=True)])
    assert claim.verdict == Verdict.SEND and claim.claimed_at is not None
    with session_scope(engine) as session:
        [mark] = hold_jobs(session, [Hold(str(job.job_id), claim.claimed_at)])
    assert mark is not None
    outcome = JobOutcome(
        job,
        MailStatus.RETRYING,
        2,
        smtp_response="451 4.3.0 try\x00 later, Jüri",
        error_class="temporary\x00" + "x" * 100,
        error_text="\x00" + "y" * 20,
        claimed=True,
    )
    with session_scope(engine) as session:
        record_outcomes(session, [outcome])
    row = _row(engine, job)
    assert row is not None
    assert row.smtp_response == "451 4.3.0 try later, Jüri"
    assert row.error_class == ("temporary" + "x" * 100)[:64]
    assert row.error_text == "y" * 20
    assert (row.status, row.possible_duplicate) == (MailStatus.RETRYING, True)
    assert row.sending_started_at == mark.claimed_at and row.started_at is None


def test_each_attempts_start_is_told_once_whether_its_row_or_the_history_holds_it(
    engine: Engine,
) -> None:
    """A claim keeps its attempt's start on the job's row; the start goes to job_history when
    the job moves on: taken over by another attempt after the lease, or retried. A sent job
    keeps its last start on the row. The story tells every start once, in order."""
    _seed(engine)
    job = _job("acme", "MARI", "kati@example.ee")
    with session_scope(engine) as session:
        (first,) = CLAIM(session, [_request(job)])
    with session_scope(engine) as session:  # its worker died; the lease ran out
        row = session.get(MailMessage, str(job.job_id))
        assert row is not None and row.started_at == first.claimed_at
        assert row.sending_started_at is not None
        row.sending_started_at -= timedelta(seconds=61)
        session.add(row)
    with session_scope(engine) as session:
        (second,) = CLAIM(session, [_request(job)])
    assert second.taken_over == MailStatus.CLAIMED
    with session_scope(engine) as session:
        record_outcomes(session, [JobOutcome(job, MailStatus.RETRYING, 2, claimed=True)])
    with session_scope(engine) as session:
        (third,) = CLAIM(session, [_request(job)])
    with session_scope(engine) as session:
        record_outcomes(session, [JobOutcome(job, MailStatus.SENT, 2, "250 ok", claimed=True)])
    with Session(engine) as session:
        story = read_story(session, str(job.job_id))
        history = session.exec(select(JobHistory.step)).all()
    assert history == [JobStep.STARTED, JobStep.STARTED, JobStep.RETRYING]
    assert story.job.started_at == third.claimed_at
    steps = [(step.what, step.at) for step in timeline(story) if step.what != "queued"]
    assert steps == [
        ("started", first.claimed_at),
        ("started", second.claimed_at),
        ("retrying", steps[2][1]),
        ("started", third.claimed_at),
        ("sent", story.job.sent_at),
    ]
    starts = [step.detail for step in timeline(story) if step.what == "started"]
    assert story.job.smtp_host and story.job.config_source
    assert all(
        (start["attempt"], start["smtp_host"], start["config_source"])
        == (2, story.job.smtp_host, story.job.config_source)
        for start in starts
    )
