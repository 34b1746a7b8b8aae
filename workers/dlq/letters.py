"""A dead-lettered job as ops see it, read from the message's headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from workers.broker import names
from workers.smtp.failures import DEAD_LETTER_CLASSES

KNOWN_CLASSES = DEAD_LETTER_CLASSES  # what the sender dead-letters with; the broker's are broker:*

BROKER_PREFIX = "broker:"
BROKER_UNROUTABLE = BROKER_PREFIX + "unroutable"
UNROUTABLE_TEXT = (
    f"no queue was bound to {names.JOBS_EXCHANGE} for it: its alternate exchange parked it "
    "here; run 'erpmail topology declare', then replay it"
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class DeadLetter:
    delivery_tag: int
    job_id: str | None
    error_class: str
    error_text: str
    attempts: int
    first_failure: str | None
    last_failure: str | None
    worker: str | None
    replayed: int
    body: bytes
    headers: dict[str, Any]
    stage: str | None = None

    @classmethod
    def from_message(
        cls, delivery_tag: int, message_id: str | None, headers: dict[str, Any] | None, body: bytes
    ) -> DeadLetter:
        headers = {k: v for k, v in (headers or {}).items() if k != names.HEADER_WALK}
        error_class = _text(headers.get(names.HEADER_ERROR_CLASS))
        error_text = _text(headers.get(names.HEADER_ERROR_TEXT))
        if error_class is None:
            # Dead-lettered by RabbitMQ itself (e.g. past the delivery limit of mail.send), or,
            # with no dead-lettering recorded, routed here by mail.jobs' alternate exchange.
            reason = _text(headers.get("x-first-death-reason"))
            if reason is None:
                error_class = BROKER_UNROUTABLE
                error_text = error_text or UNROUTABLE_TEXT
            else:
                error_class = BROKER_PREFIX + reason
                queue = _text(headers.get("x-first-death-queue")) or "?"
                error_text = error_text or f"dead-lettered by RabbitMQ from {queue} ({reason})"
        return cls(
            delivery_tag=delivery_tag,
            job_id=message_id,
            error_class=error_class,
            error_text=error_text or "",
            attempts=_int(headers.get(names.HEADER_ATTEMPT)),
            first_failure=_text(headers.get(names.HEADER_FIRST_FAILURE)),
            last_failure=_text(headers.get(names.HEADER_LAST_FAILURE)),
            worker=_text(headers.get(names.HEADER_WORKER)),
            replayed=_int(headers.get(names.HEADER_REPLAYED)),
            body=body,
            headers=headers,
            stage=_text(headers.get(names.HEADER_STAGE)),
        )

    @cached_property
    def _job(self) -> dict[str, Any]:
        """The job's JSON fields, or nothing when the body is not a JSON object."""
        try:
            job = json.loads(self.body)
        except ValueError:
            return {}
        return job if isinstance(job, dict) else {}

    @property
    def tenant(self) -> str | None:
        return _text(self._job.get("tenant"))

    @property
    def user_code(self) -> str | None:
        return _text(self._job.get("user_code"))

    @property
    def failed_at(self) -> datetime | None:
        """When the last attempt failed (None when the header is missing or garbled)."""
        if not self.last_failure:
            return None
        try:
            moment = datetime.fromisoformat(self.last_failure)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Selector:
    """Which dead letters an operation takes; every criterion given must hold.

    ``job_id`` is a whole job id or the start of one (the short id the tables print).
    """

    error_class: str | None = None
    job_id: str | None = None
    tenant: str | None = None
    user_code: str | None = None
    since: datetime | None = None

    def matches(self, letter: DeadLetter) -> bool:
        if self.job_id is not None and not (letter.job_id or "").startswith(self.job_id):
            return False
        if self.error_class is not None and letter.error_class != self.error_class:
            return False
        if self.tenant is not None and letter.tenant != self.tenant:
            return False
        if self.user_code is not None and letter.user_code != self.user_code:
            return False
        if self.since is not None:
            failed_at = letter.failed_at
            if failed_at is None or failed_at < self.since:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.error_class:
            parts.append(f"class {self.error_class}")
        if self.job_id:
            parts.append(f"job {self.job_id}")
        if self.tenant:
            parts.append(f"tenant {self.tenant}")
        if self.user_code:
            parts.append(f"user {self.user_code}")
        if self.since:
            parts.append(f"failed since {self.since.isoformat(timespec='seconds')}")
        return " and ".join(parts) or "every dead letter"


@dataclass(frozen=True)
class CauseGroup:
    error_class: str
    count: int
    oldest: str | None
    newest: str | None
    sample_error: str
    already_sent: int = 0  # letters whose job the store records as sent (workers.dlq.stored)


@dataclass
class _Tally:
    sample_error: str
    count: int = 0
    oldest: str | None = None
    newest: str | None = None
    already_sent: int = 0


class CauseTally:
    """Letters counted by cause as they are read: a queue of any size in a few counters."""

    def __init__(self) -> None:
        self._causes: dict[str, _Tally] = {}
        self.letters = 0
        self.already_sent = 0

    def add(self, letter: DeadLetter, already_sent: bool = False) -> None:
        """Count ``letter``; ``already_sent``: its job's mail went out (the store says)."""
        self.letters += 1
        self.already_sent += already_sent
        tally = self._causes.get(letter.error_class)
        if tally is None:
            tally = self._causes[letter.error_class] = _Tally(letter.error_text)
        tally.count += 1
        tally.already_sent += already_sent
        when = letter.last_failure
        if when:
            if tally.oldest is None or when < tally.oldest:
                tally.oldest = when
            if tally.newest is None or when > tally.newest:
                tally.newest = when

    def groups(self) -> list[CauseGroup]:
        """One row per error class, the largest group first."""
        rows = [
            CauseGroup(error_class, t.count, t.oldest, t.newest, t.sample_error, t.already_sent)
            for error_class, t in self._causes.items()
        ]
        return sorted(rows, key=lambda row: (-row.count, row.error_class))
