"""A dead-lettered job as ops see it, read from the message's headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.broker import names

BROKER_PREFIX = "broker:"


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

    @classmethod
    def from_message(
        cls, delivery_tag: int, message_id: str | None, headers: dict[str, Any] | None, body: bytes
    ) -> DeadLetter:
        headers = dict(headers or {})
        error_class = _text(headers.get(names.HEADER_ERROR_CLASS))
        error_text = _text(headers.get(names.HEADER_ERROR_TEXT))
        if error_class is None:
            # Dead-lettered by RabbitMQ itself (e.g. past the delivery limit of mail.send).
            reason = _text(headers.get("x-first-death-reason")) or "unknown"
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
        )


@dataclass(frozen=True)
class Selector:
    """Which dead letters an operation takes: by error class, by job id, or all."""

    error_class: str | None = None
    job_id: str | None = None

    def matches(self, letter: DeadLetter) -> bool:
        if self.job_id is not None and letter.job_id != self.job_id:
            return False
        return self.error_class is None or letter.error_class == self.error_class

    def describe(self) -> str:
        parts = []
        if self.error_class:
            parts.append(f"class {self.error_class}")
        if self.job_id:
            parts.append(f"job {self.job_id}")
        return " and ".join(parts) or "every dead letter"


@dataclass(frozen=True)
class CauseGroup:
    error_class: str
    count: int
    oldest: str | None
    newest: str | None
    sample_error: str


def group_by_cause(letters: list[DeadLetter]) -> list[CauseGroup]:
    """One row per error class, the largest group first."""
    groups: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        groups.setdefault(letter.error_class, []).append(letter)
    rows = []
    for error_class, members in groups.items():
        times = sorted(t for t in (m.last_failure for m in members) if t)
        rows.append(
            CauseGroup(
                error_class=error_class,
                count=len(members),
                oldest=times[0] if times else None,
                newest=times[-1] if times else None,
                sample_error=members[0].error_text,
            )
        )
    return sorted(rows, key=lambda row: (-row.count, row.error_class))
