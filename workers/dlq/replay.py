"""Replaying a dead letter: back to mail.jobs with its job_id, marked as replayed (pure).

A letter whose attempt may have reached the recipient's server (class ``interrupted``, or a
transient failure during DATA: the server may have taken the mail and its reply been lost)
is replayed only when the operator says so, and its copy carries ``x-erpmail-possible-
duplicate``: the sender then records the job as a possible duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pika

from workers.broker import names
from workers.broker.publisher import job_properties
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import KEEP, Fate, Route
from workers.smtp.diagnosis import Step
from workers.smtp.failures import ErrorClass

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


@dataclass
class Replayer:
    """Decides, letter by letter, what ``erpmail dlq replay`` does with the selected ones."""

    force: bool = False
    may_duplicate: bool = False
    max_replays: int = MAX_REPLAYS
    skipped: list[tuple[str | None, str]] = field(
        default_factory=list
    )  # (job id, why): no bodies held

    def __call__(self, letter: DeadLetter) -> Route:
        why = self.why_skip(letter)
        if why is not None:
            self.skipped.append((letter.job_id, why))
            return KEEP
        return Route(
            Fate.MOVE,
            names.JOBS_EXCHANGE,
            names.JOB_ROUTING_KEY,
            replay_properties(letter, may_have_been_delivered(letter)),
            letter.body,
        )

    def why_skip(self, letter: DeadLetter) -> str | None:
        """Why the letter is not replayed, or None when it is (a dry run asks this too)."""
        if letter.replayed >= self.max_replays and not self.force:
            return f"already replayed {letter.replayed} times; fix the cause, or use --force"
        if may_have_been_delivered(letter) and not self.may_duplicate:
            return (
                "its last attempt may have reached the server (the mail may have been "
                "delivered); replay it with --may-duplicate to send it anyway"
            )
        return None
