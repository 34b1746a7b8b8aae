"""The headers erpmail keeps on a job message between attempts (pure).

RabbitMQ 3.13+ no longer counts deliveries in ``x-death``, so the attempt count travels in
erpmail's own ``x-erpmail-attempt`` header, with the first and last failure times. A message
republished to a retry queue or to the dead-letter queue keeps its body, its properties and
the producer's headers; the broker's ``x-death`` bookkeeping and a replay's are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pika

from workers.broker import names
from workers.broker.publisher import copy_properties

MAX_HEADER_TEXT = 2000
_BROKER_HEADERS = ("x-death", "x-first-death-", "x-last-death-", "x-delivery-count")
# A replay's bookkeeping of its copy in flight (dlq.queue): a copy a sender took was not
# parked, and a dead letter that kept them showed the failure before the replay (its undo)
# beside its own until the next replay.
_REPLAY_HEADERS = (names.HEADER_REPLAY_UNDO, names.HEADER_WALK)


@dataclass(frozen=True)
class DeliveryInfo:
    """What the headers of a delivered job message say about its history."""

    previous_attempts: int
    first_failure: datetime | None
    replayed: int  # times replayed from the dead-letter queue
    possible_duplicate: bool = False  # replayed although an attempt may have been delivered

    @property
    def attempt(self) -> int:
        """The number of the attempt about to be made (1 for a new job)."""
        return self.previous_attempts + 1


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    return None


def read_delivery(headers: Mapping[str, Any] | None) -> DeliveryInfo:
    """The history in ``headers``; missing or garbled values count as a new job.

    A job replayed from the dead-letter queue starts afresh: the replay drops its attempt
    count, and the failures before it no longer count towards its age either.
    """
    headers = headers or {}
    attempts = _count(headers.get(names.HEADER_ATTEMPT))
    replayed = _count(headers.get(names.HEADER_REPLAYED))
    first_failure = _time(headers.get(names.HEADER_FIRST_FAILURE))
    if replayed and names.HEADER_ATTEMPT not in headers:
        first_failure = None
    maybe_sent = _count(headers.get(names.HEADER_POSSIBLE_DUPLICATE)) > 0
    return DeliveryInfo(attempts, first_failure, replayed, maybe_sent)


def _count(raw: Any) -> int:
    try:
        return max(0, int(raw)) if raw is not None else 0
    except (TypeError, ValueError):
        return 0


def _kept_headers(properties: pika.BasicProperties) -> dict[str, Any]:
    return {
        key: value
        for key, value in (properties.headers or {}).items()
        if not key.startswith(_BROKER_HEADERS) and key not in _REPLAY_HEADERS
    }


def deferred_properties(
    properties: pika.BasicProperties, expiration_ms: int
) -> pika.BasicProperties:
    """Properties of a job parked without an attempt counted (a rate limit, a busy job): the
    delivered ones, the broker's bookkeeping dropped, expiring after ``expiration_ms``."""
    return copy_properties(
        properties, _kept_headers(properties), properties.message_id, str(expiration_ms)
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def failed_properties(
    properties: pika.BasicProperties,
    *,
    attempts: int,
    first_failure: datetime,
    now: datetime,
    error_class: str,
    error_text: str,
    worker: str,
    expiration_ms: int | None = None,
    stage: str | None = None,
) -> pika.BasicProperties:
    """Properties of a job after attempt ``attempts`` failed, for a retry queue (with its own
    ``expiration_ms``) or for the dead-letter queue: why, when, after how many tries, which
    worker, and at which SMTP ``stage``."""
    headers = _kept_headers(properties)
    headers.pop(names.HEADER_STAGE, None)
    headers.update(
        {
            names.HEADER_ATTEMPT: attempts,
            names.HEADER_FIRST_FAILURE: _iso(first_failure),
            names.HEADER_LAST_FAILURE: _iso(now),
            names.HEADER_ERROR_CLASS: error_class,
            names.HEADER_ERROR_TEXT: error_text[:MAX_HEADER_TEXT],
            names.HEADER_WORKER: worker,
        }
    )
    if stage is not None:  # where it failed: after DATA, the server may have the mail
        headers[names.HEADER_STAGE] = str(stage)
    expiration = str(expiration_ms) if expiration_ms is not None else None
    return copy_properties(properties, headers, properties.message_id, expiration)
