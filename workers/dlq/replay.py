"""Replaying a dead letter: back to mail.jobs with its job_id, marked as replayed (pure).

A letter whose attempt may have reached the recipient's server (class ``interrupted``, or a
transient failure during DATA: the server may have taken the mail and its reply been lost)
is replayed only when the operator says so, and its copy carries ``x-erpmail-possible-
duplicate``: the sender then records the job as a possible duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pika

from workers.broker import names
from workers.broker.publisher import job_properties
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import KEEP, Fate, Route
from workers.smtp.diagnosis import Step
from workers.smtp.failures import ErrorClass

if TYPE_CHECKING:  # the tables (SQLAlchemy) load only where the store is read
    from schemas.tables import MailStatus

MAX_REPLAYS = 3
_DROPPED_HEADERS = {
    names.HEADER_ERROR_CLASS,
    names.HEADER_ERROR_TEXT,
    names.HEADER_ATTEMPT,
    names.HEADER_STAGE,
    names.HEADER_WALK,
    names.HEADER_REPLAY_UNDO,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
}
# What a parked copy gets back of its letter (dlq.queue): the failure state, and the mark of
# a possible duplicate as it was before the replay.
_RESTORED_HEADERS = (
    names.HEADER_ERROR_CLASS,
    names.HEADER_ERROR_TEXT,
    names.HEADER_ATTEMPT,
    names.HEADER_STAGE,
    names.HEADER_POSSIBLE_DUPLICATE,
)
# Transient failures that can happen after the server has the whole message.
_LOST_REPLY_CLASSES = {
    ErrorClass.TIMEOUT,
    ErrorClass.CONNECTION,
    ErrorClass.TLS,
    ErrorClass.INTERNAL,
}


def may_have_been_delivered(letter: DeadLetter) -> bool:
    """Whether the letter's last attempt may have reached the recipient's server."""
    if letter.error_class == ErrorClass.INTERRUPTED:
        return True
    return letter.stage == str(Step.DATA) and letter.error_class in _LOST_REPLY_CLASSES


def replay_headers(letter: DeadLetter, possible_duplicate: bool) -> dict[str, Any]:
    """The headers of the replayed message: failure state cleared, replay counted."""
    headers = {k: v for k, v in letter.headers.items() if k not in _DROPPED_HEADERS}
    headers[names.HEADER_REPLAY_UNDO] = {
        k: letter.headers[k] for k in _RESTORED_HEADERS if k in letter.headers
    }
    headers[names.HEADER_REPLAYED] = letter.replayed + 1
    if possible_duplicate:
        headers[names.HEADER_POSSIBLE_DUPLICATE] = 1
    return headers


def replay_properties(letter: DeadLetter, possible_duplicate: bool) -> pika.BasicProperties:
    return job_properties(letter.job_id or "", replay_headers(letter, possible_duplicate))


class SkipReason(StrEnum):
    ALREADY_SENT = "already_sent"  # the store records the job's mail as gone out
    REPLAYED_OFTEN = "replayed_often"
    MAY_HAVE_BEEN_DELIVERED = "may_have_been_delivered"


@dataclass(frozen=True)
class Skip:
    reason: SkipReason
    text: str


def _not_looked_up(_job_id: str | None) -> MailStatus | None:
    return None


@dataclass
class Replayer:
    """Decides, letter by letter, what ``erpmail dlq replay`` does with the selected ones.

    ``went_out``: the stored status of a job whose mail already went out, else None
    (:class:`workers.dlq.stored.StoredJobs`); such a letter is a leftover copy of a job
    sent, and is replayed only when forced (the sender would record it as a duplicate)."""

    force: bool = False
    may_duplicate: bool = False
    max_replays: int = MAX_REPLAYS
    went_out: Callable[[str | None], MailStatus | None] = _not_looked_up
    skipped: list[tuple[str | None, Skip]] = field(
        default_factory=list
    )  # (job id, why): no bodies held

    def __call__(self, letter: DeadLetter) -> Route:
        skip = self.why_skip(letter)
        if skip is not None:
            self.skipped.append((letter.job_id, skip))
            return KEEP
        return Route(
            Fate.MOVE,
            names.JOBS_EXCHANGE,
            names.JOB_ROUTING_KEY,
            replay_properties(letter, may_have_been_delivered(letter)),
            letter.body,
        )

    def why_skip(self, letter: DeadLetter) -> Skip | None:
        """Why the letter is not replayed, or None when it is (a dry run asks this too)."""
        if not self.force and (status := self.went_out(letter.job_id)) is not None:
            return Skip(
                SkipReason.ALREADY_SENT,
                f"already sent (its job is stored {status}); this letter is a "
                "leftover copy: purge it, or replay it with --force (the sender sends no job "
                "recorded as sent again)",
            )
        if letter.replayed >= self.max_replays and not self.force:
            return Skip(
                SkipReason.REPLAYED_OFTEN,
                f"already replayed {letter.replayed} times; fix the cause, or use --force",
            )
        if may_have_been_delivered(letter) and not self.may_duplicate:
            return Skip(
                SkipReason.MAY_HAVE_BEEN_DELIVERED,
                "its last attempt may have reached the server (the mail may have been "
                "delivered); replay it with --may-duplicate to send it anyway",
            )
        return None

    def count(self, reason: SkipReason) -> int:
        """Letters skipped for ``reason``."""
        return sum(skip.reason is reason for _, skip in self.skipped)
