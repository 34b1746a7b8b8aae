"""Names of the exchanges, queues and routing keys (DESIGN.md, "Queues")."""

from __future__ import annotations

from schemas.events import EventType

JOBS_EXCHANGE = "mail.jobs"
SEND_QUEUE = "mail.send"
JOB_ROUTING_KEY = "job.send"
JOB_BINDING = "job.#"
# With ERPMAIL_SEND_SHARDS: a job of shard i is published as "shard.<i>" (not matched by
# "job.#") and waits in mail.send.shard.<i>; retries come back as job.retry to mail.send,
# from where a worker passes them on to their shard.
SHARD_ROUTING_PREFIX = "shard."
SHARD_QUEUE_PREFIX = "mail.send.shard."

RETRY_EXCHANGE = "mail.retry"
RETRY_ROUTING_KEY = "job.retry"

DEAD_EXCHANGE = "mail.dead"
DEAD_QUEUE = "mail.dead"
# A second queue on the mail.dead fanout: the sender workers read it to record (and announce)
# the jobs RabbitMQ dead-lettered itself, which no worker saw fail.
DEAD_WATCH_QUEUE = "mail.dead.watch"

EVENTS_EXCHANGE = "mail.events"
EVENTS_QUEUE = "mail.events"
# The routing keys of mail.events are the event types (schemas/events.py).
EVENT_SENT = EventType.SENT
EVENT_FAILED = EventType.FAILED
EVENT_BOUNCED = EventType.BOUNCED
EVENT_COMPLAINT = EventType.COMPLAINT

# Headers erpmail keeps on job messages (x-death counts are not reliable across versions).
HEADER_ATTEMPT = "x-erpmail-attempt"
HEADER_FIRST_FAILURE = "x-erpmail-first-failure"
HEADER_LAST_FAILURE = "x-erpmail-last-failure"
HEADER_ERROR_CLASS = "x-erpmail-error-class"
HEADER_ERROR_TEXT = "x-erpmail-error-text"
HEADER_WORKER = "x-erpmail-worker"
HEADER_REPLAYED = "x-erpmail-replayed"
HEADER_STAGE = "x-erpmail-stage"  # where in the SMTP conversation the last attempt failed
HEADER_POSSIBLE_DUPLICATE = "x-erpmail-possible-duplicate"  # a replay of a maybe-sent job
HEADER_WALK = "x-erpmail-walk"  # the dlq walk that put a letter back (internal)
# A replayed copy: the failure headers the replay dropped from its letter, restored should the
# copy come back parked (internal; replaced at each replay)
HEADER_REPLAY_UNDO = "x-erpmail-replay-undo"


def shard_queue(shard: int) -> str:
    return f"{SHARD_QUEUE_PREFIX}{shard}"


def shard_routing_key(shard: int) -> str:
    return f"{SHARD_ROUTING_PREFIX}{shard}"


def retry_queue(delay_seconds: int) -> str:
    """The retry queue that holds a job for ``delay_seconds`` before it returns to mail.jobs."""
    return f"mail.retry.{delay_seconds}s"
