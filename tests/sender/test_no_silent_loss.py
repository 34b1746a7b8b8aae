"""No silent loss on the event path: a full event queue refuses, the sender keeps its notices
until there is room, and a job RabbitMQ dead-letters itself is recorded and announced."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.contracts import check_event
from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.sender.servers import SmtpServer
from workers.broker import names
from workers.broker.topology import SEND_DELIVERY_LIMIT

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]
ROOM = 3  # the small capped queue's length


@pytest.fixture
def small_queue(broker: BlockingChannel) -> Iterator[str]:
    """A capped queue (3 messages, overflow reject-publish) bound to every event, as an event
    module might bind its own: while it is full the broker nacks every event."""
    name = f"test.events.{uuid.uuid4().hex[:8]}"
    broker.queue_declare(
        name,
        durable=True,
        arguments={"x-queue-type": "quorum", "x-max-length": ROOM, "x-overflow": "reject-publish"},
    )
    broker.queue_bind(name, names.EVENTS_EXCHANGE, routing_key="mail.#")
    # Full from the start: a quorum queue applies its limit to what it has committed, so
    # publishes racing to fill it overshoot (by one, seen on RabbitMQ 3.10).
    # Filled until the broker says it is full (its first nack), not to a count.
    for number in range(ROOM + 20):
        try:
            broker.basic_publish("", name, b"filler", pika.BasicProperties(message_id=f"f{number}"))
        except pika.exceptions.NackError:
            break
    else:
        pytest.fail("the capped queue never refused a message")
    yield name
    if broker.is_open:
        broker.queue_delete(name)


def test_a_full_event_queue_refuses_and_the_sender_keeps_every_notice_until_there_is_room(
    make_harness: MakeHarness,
    smtp_server: StartServer,
    small_queue: str,
    broker: BlockingChannel,
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    jobs = [make_job(subject=f"Arve {n}") for n in range(ROOM + 4)]
    harness.publish_jobs(jobs)
    received: dict[str, dict[str, object]] = {}

    def room_once_all_are_sent() -> bool:
        # Only once every mail is out and the full queue has refused a notice make room, a
        # message at a time, as a slow consumer would (room made sooner could take them all).
        statuses = harness.statuses()
        if len(statuses) < len(jobs) or set(statuses.values()) != {"sent"}:
            return False
        if harness.worker is None or harness.worker.stats.notices_refused < 1:
            return False
        method, properties, body = broker.basic_get(small_queue, auto_ack=True)
        if method is not None and body != b"filler":
            received[properties.message_id] = check_event(properties, body)
        return len(received) == len(jobs)

    worker = harness.run_until(room_once_all_are_sent, timeout=90)

    assert sorted(str(e["job_id"]) for e in received.values()) == sorted(j["job_id"] for j in jobs)
    assert {e["type"] for e in received.values()} == {names.EVENT_SENT}
    assert worker.stats.notices_refused >= 1  # the broker did refuse them
    assert worker.stats.requeued == 0  # kept, not given back to spin through redeliveries
    assert server.accepted() == len(jobs)  # nothing sent twice
    # mail.events (not full) took a copy of each refused try as well (the broker nacks
    # when any queue refuses): repeats with the same message id, for consumers to drop.
    notices = harness.notices()
    assert {str(n["message_id"]) for n in notices} == set(received)
    assert harness.queue_depth(small_queue) == 0


def test_a_job_the_broker_dead_letters_gets_a_dead_row_and_a_mail_failed(
    make_harness: MakeHarness, smtp_server: StartServer, broker: BlockingChannel
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    job = make_job()
    harness.publish_jobs([job])
    # A job no worker can finish: each delivery is given back (as when its worker crashes),
    # until RabbitMQ dead-letters it past mail.send's delivery limit.
    for _ in range(SEND_DELIVERY_LIMIT + 5):
        method, _properties, _body = broker.basic_get(names.SEND_QUEUE)
        if method is None:
            break
        broker.basic_nack(method.delivery_tag, requeue=True)
    assert harness.queue_depth(names.SEND_QUEUE) == 0

    harness.run_until(lambda: harness.statuses().get(job["job_id"]) == "dead", timeout=30)

    row = harness.rows()[job["job_id"]]
    assert row.error_class == "broker:delivery_limit"
    (failed,) = harness.notices()
    assert (failed["type"], failed["job_id"]) == (names.EVENT_FAILED, job["job_id"])
    assert failed["data"]["error_class"] == "broker:delivery_limit"
    assert harness.queue_depth(names.DEAD_QUEUE) == 1  # still there for the operator
    assert harness.queue_depth(names.DEAD_WATCH_QUEUE) == 0
    assert server.accepted() == 0


def test_a_worker_s_own_dead_letter_is_not_recorded_twice(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)
    job = make_job(kind="spam")  # invalid: the worker dead-letters it itself
    harness.publish_jobs([job])

    def letter_and_its_copy_taken() -> bool:
        # The job and the copy of its dead letter in mail.dead.watch both delivered to the
        # worker (a graceful stop lets it finish what it holds).
        worker = harness.worker
        taken = worker is not None and worker.stats.received >= 2
        return taken and harness.queue_depth(names.DEAD_QUEUE) == 1

    worker = harness.run_until(letter_and_its_copy_taken)

    # Its copy in mail.dead.watch was read and acknowledged (a stopped worker's unacked
    # messages are back in the queue), and nothing was recorded or announced for it.
    assert harness.queue_depth(names.DEAD_WATCH_QUEUE) == 0
    assert worker.stats.dead_by_broker == 0
    assert harness.rows() == {}
    assert harness.notices() == []
    assert server.accepted() == 0
