"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from schemas.tables import JobHistory, JobStep, MailMessage, MailStatus
from schemas.values import utc_now
from tests.jobs import job_row
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

TABLES = {
    "user_mail_settings",
    "system_settings",
    "mail_messages",
    "raw_bounces",
    "events",
    "suppressions",
}


def test_upgrade_creates_every_table(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_the_migrations_match_the_models(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], "models changed without a migration: add one with alembic"


def test_upgrade_twice_changes_nothing_and_downgrade_empties(database_url: str) -> None:
    migrate.upgrade(database_url)
    head = migrate.current(database_url)
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == head
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert not TABLES & set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_mail_message_round_trips(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        session.add(MailMessage(job_id="j-1", tenant="acme", user_code="MARI", kind="invoice"))
    with session_scope(engine) as session:
        stored = session.exec(select(MailMessage)).one()
    engine.dispose()
    assert (stored.job_id, stored.status) == ("j-1", MailStatus.QUEUED)


def test_going_back_before_the_claimed_state_makes_claimed_jobs_queued(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for job_id, status in (
            ("j-claimed", MailStatus.CLAIMED),
            ("j-sending", MailStatus.SENDING),
        ):
            session.add(job_row(status, job_id, sending_started_at=utc_now()))
    migrate.downgrade(database_url, "e015")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT job_id, status, sending_started_at FROM mail_messages ORDER BY job_id")
        ).all()
    migrate.upgrade(database_url)
    engine.dispose()
    # the older schema's workers cannot read 'claimed'; 'sending' may have reached the server
    assert [(job_id, status, started is None) for job_id, status, started in rows] == [
        ("j-claimed", "queued", True),
        ("j-sending", "sending", False),
    ]


def test_going_back_before_started_at_writes_the_starts_rows_hold_to_job_history(
    database_url: str,
) -> None:
    """An older release reads every start from job_history: a start still on a job's row
    is written there, as that release's sender would have written it."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    started = utc_now().replace(microsecond=0)
    with session_scope(engine) as session:
        session.add(
            job_row(
                MailStatus.SENT,
                "j-started",
                attempts=2,
                replayed=1,
                smtp_host="smtp.acme.ee:465",
                config_source='{"tier": "user"}',
                started_at=started,
            )
        )
        session.add(job_row(MailStatus.QUEUED, "j-queued"))
    migrate.downgrade(database_url, "e015c")
    with engine.connect() as connection:
        history = JobHistory.__table__  # type: ignore[attr-defined]
        rows = connection.execute(
            sa_select(
                history.c.job_id,
                history.c.at,
                history.c.step,
                history.c.attempt,
                history.c.replay,
                history.c.smtp_host,
                history.c.config_source,
            )
        ).all()
    migrate.upgrade(database_url)
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("j-started", started, JobStep.STARTED, 2, 1, "smtp.acme.ee:465", '{"tier": "user"}')
    ]


def test_every_write_to_the_cards_raises_their_version(database_url: str) -> None:
    """The sender reuses configurations while ``card_changes.version`` stands still: every
    insert, update and delete of a user's card or a company's settings raises it, whoever
    writes (the ORM, a statement, SQL by hand)."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    writes = [
        "INSERT INTO system_settings (tenant, company_name, company_slug, updated_at)"
        " VALUES ('acme', 'Acme', 'acme', '2026-01-01')",
        "INSERT INTO user_mail_settings (tenant, user_code, sender_mode, verify_certificate,"
        " updated_at) VALUES ('acme', 'MARI', 'own', true, '2026-01-01')",
        "UPDATE user_mail_settings SET email = 'mari@acme.ee'",
        "UPDATE system_settings SET mail_sending_user_code = 'MARI'",
        "DELETE FROM user_mail_settings",
        "DELETE FROM system_settings",
    ]
    versions = []
    for write in writes:
        with engine.begin() as connection:
            connection.execute(text(write))
            versions.append(
                connection.execute(text("SELECT sum(version) FROM card_changes")).scalar_one()
            )
    engine.dispose()
    assert versions == sorted(set(versions)) and len(versions) == len(writes)


_CARD = (
    "INSERT INTO user_mail_settings (tenant, user_code, sender_mode, verify_certificate,"
    " updated_at) VALUES ('acme', :user, 'own', true, '2026-01-01')"
)
_EDIT = "UPDATE user_mail_settings SET email = :email WHERE user_code = :user"
_VERSION = text("SELECT sum(version) FROM card_changes")


def test_writers_of_two_cards_do_not_wait_for_each_other_on_the_version(
    postgres_url: str,
) -> None:
    """Raising the cards' version holds up no other writer: while one transaction has written
    MARI's card (a key rotation, a change not yet committed), another writes JAAN's without
    waiting for it (one counter row made every writer wait for the one before to commit),
    and the first then writes JAAN's card too without a deadlock. Each write still raises
    the version the sender reads."""
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        for user in ("MARI", "JAAN"):
            connection.execute(text(_CARD), {"user": user})
        before = connection.execute(_VERSION).scalar_one()
    with engine.connect() as first, engine.connect() as second:
        first.execute(text(_EDIT), {"email": "mari@acme.ee", "user": "MARI"})
        # a wait would be for the first writer's commit, which comes only after this one
        second.execute(text("SET LOCAL lock_timeout = '5s'"))
        second.execute(text(_EDIT), {"email": "jaan@acme.ee", "user": "JAAN"})
        second.commit()
        first.execute(text(_EDIT), {"email": "jaan@acme.ee", "user": "JAAN"})
        first.commit()
        after_both = first.execute(_VERSION).scalar_one()
        first.commit()
    with engine.begin() as connection:
        connection.execute(text(_EDIT), {"email": "mari@acme.ee", "user": "MARI"})
    with engine.connect() as connection:
        last = connection.execute(_VERSION).scalar_one()
    engine.dispose()
    assert before < after_both < last
