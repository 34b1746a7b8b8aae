"""A job's story, read from the database and put in time order.

:func:`find_job` resolves a whole or short job id; :func:`read_story` gathers the job's row,
its ``job_history`` (attempts, retries, dead-lettering, replays) with the start of the last
attempt and the sending that its row records, its Events (refusals at RCPT TO, bounces,
complaints) and the suppressions of the addresses those Events name; :func:`timeline`
orders them (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from schemas.tables import Event, JobHistory, JobStep, MailMessage, Suppression
from workers.events.query import event_to_json
from workers.store.rows import row_json, utc_json


class JobNotFound(LookupError):
    """No job has this id, or this start of one."""


class AmbiguousJob(LookupError):
    """Several jobs' ids start this way."""

    def __init__(self, prefix: str, job_ids: list[str]) -> None:
        shown = ", ".join(job_ids[:5]) + (", ..." if len(job_ids) > 5 else "")
        super().__init__(f"{prefix!r} is the start of several job ids ({shown}); give more of it")
        self.job_ids = job_ids


@dataclass(frozen=True)
class Step:
    """One line of the story."""

    at: datetime
    what: str  # a JobStep, "queued", "event", "suppressed"
    summary: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Story:
    job: MailMessage
    history: list[JobHistory]
    events: list[Event]
    suppressions: list[Suppression]


def find_job(session: Session, wanted: str) -> str:
    """The whole id of the job ``wanted`` names (its id, or the start of it)."""
    prefix = wanted.strip().lower()
    if not prefix:
        raise JobNotFound("no job id given")
    exact = session.get(MailMessage, prefix)
    if exact is not None:
        return exact.job_id
    ids = list(
        session.exec(
            select(MailMessage.job_id)
            .where(col(MailMessage.job_id).startswith(prefix, autoescape=True))
            .order_by(col(MailMessage.job_id))
            .limit(6)
        )
    )
    if not ids:
        raise JobNotFound(f"no job {wanted!r}")
    if len(ids) > 1:
        raise AmbiguousJob(wanted, ids)
    return ids[0]


def read_story(session: Session, job_id: str) -> Story:
    job = session.get(MailMessage, job_id)
    if job is None:
        raise JobNotFound(f"no job {job_id!r}")
    history = list(
        session.exec(
            select(JobHistory)
            .where(JobHistory.job_id == job_id)
            .order_by(col(JobHistory.at), col(JobHistory.id))
        )
    )
    start = _start(job)
    if start is not None:
        history.append(start)
    sending = _sending(job)
    if sending is not None and not any(row.step == JobStep.SENT for row in history):
        history.append(sending)  # (a job sent by an older sender has a row for it)
    events = list(
        session.exec(select(Event).where(Event.job_id == job_id).order_by(col(Event.received_at)))
    )
    addresses = {event.recipient for event in events if event.recipient}
    event_ids = {event.id for event in events if event.id is not None}
    suppressions: list[Suppression] = []
    if addresses or event_ids:
        suppressions = list(
            session.exec(
                select(Suppression)
                .where(Suppression.tenant == job.tenant)
                .where(
                    or_(
                        col(Suppression.address).in_(addresses),
                        col(Suppression.event_id).in_(event_ids),
                    )
                )
                .order_by(col(Suppression.created_at))
            )
        )
    return Story(job, history, events, suppressions)


def _start(job: MailMessage) -> JobHistory | None:
    """The start of the row's attempt, read from its row: the sender writes it to
    ``job_history`` only once the job moves on (``MailMessage.started_at``)."""
    if job.started_at is None:
        return None
    return _row_step(
        job,
        JobStep.STARTED,
        job.started_at,
        smtp_host=job.smtp_host,
        config_source=job.config_source,
    )


def _sending(job: MailMessage) -> JobHistory | None:
    """The step that sent the job, read from its row: a sending is a job's last step, and the
    sender writes no ``job_history`` row that would say it twice."""
    if job.sent_at is None:
        return None
    return _row_step(job, JobStep.SENT, job.sent_at, smtp_response=job.smtp_response)


def _row_step(job: MailMessage, step: JobStep, at: datetime, **values: Any) -> JobHistory:
    """A step of the row's attempt, as a ``job_history`` row would say it (not stored)."""
    return JobHistory(
        job_id=job.job_id, at=at, step=step, attempt=job.attempts, replay=job.replayed, **values
    )


def _history_step(row: JobHistory) -> Step:
    number = f"attempt {row.attempt}" + (f" of replay {row.replay}" if row.replay else "")
    if row.step == JobStep.STARTED:
        summary = f"{number} started via {row.smtp_host or '?'}"
    elif row.step == JobStep.REPLAYED:
        summary = f"replayed from the dead-letter queue (replay {row.replay})"
    elif row.step == JobStep.SENT:
        summary = f"{number} sent: {row.smtp_response or ''}".rstrip(": ")
    else:
        summary = f"{number} {row.step}: {row.error_class or ''} {row.error_text or ''}".rstrip()
    detail = {
        "attempt": row.attempt,
        "replay": row.replay,
        "smtp_host": row.smtp_host,
        "config_source": row.config_source,
        "smtp_response": row.smtp_response,
        "error_class": row.error_class,
        "error_text": row.error_text,
    }
    return Step(row.at, str(row.step), summary, {k: v for k, v in detail.items() if v is not None})


def _event_step(event: Event) -> Step:
    where = "refused at RCPT TO" if event.source == "smtp" else f"{event.bounce_type} bounce"
    summary = f"{event.recipient}: {where}, {event.reason} {event.status or ''}".rstrip()
    return Step(event.received_at, "event", summary, event_to_json(event))


def _suppression_step(row: Suppression) -> Step:
    until = f" until {row.expires_at.isoformat(timespec='seconds')}" if row.expires_at else ""
    return Step(
        row.created_at,
        "suppressed",
        f"{row.address} suppressed ({row.reason}){until}",
        row_json(row, "address", "reason", "detail", "event_id", "expires_at"),
    )


def timeline(story: Story) -> list[Step]:
    """Every step of the story, oldest first."""
    steps = [Step(story.job.created_at, "queued", "first seen by a sender", {})]
    steps += [_history_step(row) for row in story.history]
    steps += [_event_step(event) for event in story.events]
    steps += [_suppression_step(row) for row in story.suppressions]
    return sorted(steps, key=lambda step: step.at)


def job_summary(job: MailMessage) -> dict[str, Any]:
    """The job's row as it stands, JSON-ready."""
    return row_json(job)


def story_to_json(story: Story) -> dict[str, Any]:
    return {
        "job": job_summary(story.job),
        "timeline": [
            {
                "at": utc_json(step.at),
                "what": step.what,
                "summary": step.summary,
                "detail": step.detail,
            }
            for step in timeline(story)
        ],
    }
