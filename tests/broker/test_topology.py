"""The topology on a real broker: declared idempotently, queues are quorum queues."""

from __future__ import annotations

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.conftest import TEST_RETRY_LADDER
from workers.broker import names
from workers.broker.connection import connect
from workers.broker.topology import build_topology, declare


def test_declaring_twice_changes_nothing(broker: BlockingChannel) -> None:
    spec = build_topology(TEST_RETRY_LADDER)
    declare(broker, spec)
    for queue in spec.queues:
        assert broker.queue_declare(queue.name, passive=True).method.message_count == 0


@pytest.mark.parametrize(
    "queue", [names.SEND_QUEUE, names.DEAD_QUEUE, names.EVENTS_QUEUE, names.retry_queue(1)]
)
def test_queues_are_quorum_queues(broker: BlockingChannel, rabbitmq_url: str, queue: str) -> None:
    connection = connect(rabbitmq_url, "erpmail-tests-classic")
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
    assert refused.value.reply_code == 406  # PRECONDITION_FAILED: it exists as a quorum queue
    connection.close()


def test_the_retry_ladder_has_one_queue_per_delay() -> None:
    spec = build_topology((30, 120, 30))
    retry = [q for q in spec.queues if q.name.startswith("mail.retry.")]
    assert [(q.name, q.arguments["x-message-ttl"]) for q in retry] == [
        ("mail.retry.30s", 30_000),
        ("mail.retry.120s", 120_000),
    ]
    assert all(q.arguments["x-dead-letter-exchange"] == names.JOBS_EXCHANGE for q in retry)


def test_a_message_in_a_retry_queue_returns_to_the_send_queue(broker: BlockingChannel) -> None:
    broker.basic_publish(
        names.RETRY_EXCHANGE,
        "1",
        b"{}",
        pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent, message_id="r-1"),
    )
    for _ in range(50):
        method, properties, _body = broker.basic_get(names.SEND_QUEUE, auto_ack=True)
        if method is not None:
            assert properties.message_id == "r-1"
            return
        broker.connection.sleep(0.1)
    pytest.fail("the message did not come back from mail.retry.1s within 5 s")
