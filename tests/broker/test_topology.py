"""The topology on a real broker: declared idempotently, queues are quorum queues."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.conftest import TEST_RETRY_LADDER
from tests.queues import message_ids
from workers.broker import names
from workers.broker.connection import connect
from workers.broker.publisher import PublishRefused
from workers.broker.topology import (
    DEAD_DELIVERY_LIMIT,
    EVENTS_MAX_LENGTH,
    MIGRATING_SUFFIX,
    WHOLE_WINDOW,
    ConfirmWindow,
    build_topology,
    declare,
)
from workers.demo.local import vhost_of
from workers.sender.cli import declare_topology
from workers.settings import load_settings


def test_declaring_twice_changes_nothing(broker: BlockingChannel) -> None:
    spec = build_topology(TEST_RETRY_LADDER)
    declare(broker, spec)
    for queue in spec.queues:
        assert broker.queue_declare(queue.name, passive=True).method.message_count == 0


def test_a_start_logs_no_warning_for_the_holding_queues_it_finds_absent(
    broker: BlockingChannel, erpmail_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A worker's start declares the topology, asking for each queue whether a migration
    left its holding queue: the broker answers 'not found' by closing the probe's channel,
    which pika logs as a warning. That answer is said at debug; nothing at warning."""
    caplog.set_level(logging.DEBUG, logger="pika")  # (a command may have quieted pika)
    caplog.set_level(logging.DEBUG, logger="workers.broker.topology")
    settings = load_settings()
    declare_topology(settings)
    loud = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert loud == []
    answered = " ".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "workers.broker.topology" and record.levelno == logging.DEBUG
    )
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    for queue in spec.queues:
        assert f"no queue '{queue.name}{MIGRATING_SUFFIX}'" in answered


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
    # its 1 s TTL runs out on the broker's clock: a deadline for a loaded machine
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        method, properties, _body = broker.basic_get(names.SEND_QUEUE, auto_ack=True)
        if method is not None:
            assert properties.message_id == "r-1"
            return
        broker.connection.sleep(0.1)
    pytest.fail("the message did not come back from mail.retry.1s within 60 s")


def _old_dead_queue(channel: BlockingChannel, letters: int) -> list[str]:
    """mail.dead as an earlier release declared it (no delivery limit), holding letters."""
    channel.queue_delete(names.DEAD_QUEUE)
    channel.queue_declare(names.DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(names.DEAD_QUEUE, names.DEAD_EXCHANGE, routing_key="")
    job_ids = [f"old-{number}" for number in range(letters)]
    for job_id in job_ids:
        channel.basic_publish(
            names.DEAD_EXCHANGE,
            "",
            b"{}",
            pika.BasicProperties(
                message_id=job_id,
                delivery_mode=pika.DeliveryMode.Persistent,
                headers={names.HEADER_ERROR_CLASS: "config"},
            ),
        )
    return job_ids


def _dead_letters(channel: BlockingChannel) -> list[str]:
    return message_ids(channel, names.DEAD_QUEUE)


def test_an_earlier_dead_letter_queue_is_migrated_with_every_letter_in_order(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    job_ids = _old_dead_queue(broker, 450)
    spec = build_topology(TEST_RETRY_LADDER)
    declare(broker, spec)  # would be PRECONDITION_FAILED without the migration
    declare(broker, spec)  # and again: nothing to do
    connection = connect(rabbitmq_url, "erpmail-tests-args")
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.queue_declare(  # the old arguments are gone: the limit is set
            names.DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"}
        )
    assert refused.value.reply_code == 406
    connection.close()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        broker.connection.channel().queue_declare(names.DEAD_QUEUE + MIGRATING_SUFFIX, passive=True)
    broker.basic_publish(names.DEAD_EXCHANGE, "", b"{}", pika.BasicProperties(message_id="new"))
    assert _dead_letters(broker) == [*job_ids, "new"]


def test_a_migration_takes_the_letters_through_a_consumer_not_a_basic_get_each(
    broker: BlockingChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A basic.get is a round trip per letter; a consumer with a prefetch window has the
    letters come while a window's copies are confirmed (bench.dlq --migration)."""
    job_ids = _old_dead_queue(broker, 450)  # more than two windows
    calls: Counter[str] = Counter()
    for name in ("basic_get", "basic_consume"):
        original = getattr(pika.channel.Channel, name)

        def counted(
            self: Any, *args: Any, _name: str = name, _call: Any = original, **kw: Any
        ) -> Any:
            calls[_name] += 1
            return _call(self, *args, **kw)

        monkeypatch.setattr(pika.channel.Channel, name, counted)
    assert declare(broker, build_topology(TEST_RETRY_LADDER)) == [names.DEAD_QUEUE]
    assert calls == {"basic_consume": 2}  # to the holding queue, and back
    monkeypatch.undo()
    assert _dead_letters(broker) == job_ids


def test_a_window_of_copies_tells_the_refused_ones_from_the_broker_confirms() -> None:
    """A migration publishes a window of copies and awaits their confirms together: the
    broker acks or nacks them one by one or several at once (multiple), and an original is
    acked only when its copy was; a copy returned (the target queue gone) holds the window."""
    window = ConfirmWindow()

    def confirm(kind: type, tag: int, multiple: bool = False) -> None:
        window.confirmed(pika.frame.Method(1, kind(delivery_tag=tag, multiple=multiple)))

    confirm(pika.spec.Basic.Ack, 2, multiple=True)  # copies 0 and 1
    confirm(pika.spec.Basic.Nack, 3)  # copy 2 refused
    assert not window.settled(4)
    confirm(pika.spec.Basic.Ack, 4)
    assert window.settled(4)
    assert window.take() == {2}
    # the next window numbers its copies from 0 again
    confirm(pika.spec.Basic.Ack, 7, multiple=True)
    assert window.settled(3) and window.take() == set()
    window.returned()
    confirm(pika.spec.Basic.Ack, 8)
    assert window.take() == WHOLE_WINDOW


def test_a_migration_cut_short_is_finished_by_the_next_declare(
    broker: BlockingChannel,
) -> None:
    job_ids = _old_dead_queue(broker, 30)
    # where a migration killed half-way leaves things: some letters held, mail.dead gone
    holding = names.DEAD_QUEUE + MIGRATING_SUFFIX
    spec = build_topology(TEST_RETRY_LADDER)
    dead_spec = next(q for q in spec.queues if q.name == names.DEAD_QUEUE)
    broker.queue_declare(holding, durable=True, arguments=dead_spec.declared_arguments())
    for _ in range(30):
        method, properties, body = broker.basic_get(names.DEAD_QUEUE, auto_ack=False)
        broker.basic_publish("", holding, body, properties)
        broker.basic_ack(method.delivery_tag)
    broker.queue_delete(names.DEAD_QUEUE)
    declare(broker, spec)
    assert _dead_letters(broker) == job_ids
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        broker.connection.channel().queue_declare(holding, passive=True)


def test_the_dead_letter_queue_has_a_delivery_limit_of_its_own() -> None:
    spec = build_topology((30,))
    dead = next(q for q in spec.queues if q.name == names.DEAD_QUEUE)
    # RabbitMQ 4.x would drop a letter given back 20 times; no dlq command gives one back,
    # and this limit is out of reach of crashes too
    assert dead.arguments["x-delivery-limit"] == DEAD_DELIVERY_LIMIT >= 1_000_000


OLD_EVENTS_ARGUMENTS = {"x-queue-type": "quorum", "x-max-length": EVENTS_MAX_LENGTH}  # no overflow


def _old_events_queue(broker: BlockingChannel, count: int = 5) -> list[str]:
    """mail.events as an earlier release declared it, holding ``count`` events; their ids."""
    broker.queue_delete(names.EVENTS_QUEUE)
    broker.queue_declare(names.EVENTS_QUEUE, durable=True, arguments=OLD_EVENTS_ARGUMENTS)
    broker.queue_bind(names.EVENTS_QUEUE, names.EVENTS_EXCHANGE, routing_key="mail.#")
    for number in range(count):
        broker.basic_publish(
            names.EVENTS_EXCHANGE,
            names.EVENT_SENT,
            f"event {number}".encode(),
            pika.BasicProperties(delivery_mode=2, message_id=f"m-{number}"),
        )
    return [f"m-{number}" for number in range(count)]


def test_an_events_queue_of_an_earlier_release_is_recreated_with_its_messages(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    spec = build_topology(TEST_RETRY_LADDER)
    _old_events_queue(broker)

    assert declare(broker, spec) == [names.EVENTS_QUEUE]

    # Declared now with overflow reject-publish: the new arguments are accepted, the old
    # refused; the messages are there in their order, the holding queue is gone.
    connection = connect(rabbitmq_url, "erpmail-tests-arguments")
    channel = connection.channel()
    events = next(queue for queue in spec.queues if queue.name == names.EVENTS_QUEUE)
    assert events.arguments["x-overflow"] == "reject-publish"
    channel.queue_declare(names.EVENTS_QUEUE, durable=True, arguments=events.declared_arguments())
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.queue_declare(names.EVENTS_QUEUE, durable=True, arguments=OLD_EVENTS_ARGUMENTS)
    assert refused.value.reply_code == 406
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as missing:
        channel.queue_declare(f"{names.EVENTS_QUEUE}.migrating", passive=True)
    assert missing.value.reply_code == 404
    connection.close()
    assert message_ids(broker, names.EVENTS_QUEUE) == [f"m-{number}" for number in range(5)]
    # Still bound: a new event reaches it, and declaring again changes nothing.
    broker.basic_publish(names.EVENTS_EXCHANGE, names.EVENT_FAILED, b"{}")
    assert broker.queue_declare(names.EVENTS_QUEUE, passive=True).method.message_count == 1
    assert declare(broker, spec) == []


def test_what_no_queue_takes_on_mail_jobs_is_parked_in_mail_dead(broker: BlockingChannel) -> None:
    """mail.jobs' alternate exchange: a job published with a routing key nothing binds (and
    without mandatory, which many producers leave off) is confirmed and parked, not dropped."""
    broker.basic_publish(names.JOBS_EXCHANGE, "job-with-a-typo", b"{}", _id("unbound-1"))
    assert _dead_letters(broker) == ["unbound-1"]
    assert message_ids(broker, names.SEND_QUEUE) == []


def test_a_jobs_exchange_of_an_earlier_release_is_declared_anew_with_its_bindings(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    spec = build_topology(TEST_RETRY_LADDER)
    broker.exchange_delete(names.JOBS_EXCHANGE)
    broker.exchange_declare(names.JOBS_EXCHANGE, "topic", durable=True)  # no alternate
    broker.queue_bind(names.SEND_QUEUE, names.JOBS_EXCHANGE, routing_key=names.JOB_BINDING)

    assert declare(broker, spec) == [names.JOBS_EXCHANGE]  # PRECONDITION_FAILED without it
    assert declare(broker, spec) == []

    connection = connect(rabbitmq_url, "erpmail-tests-arguments")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        connection.channel().exchange_declare(names.JOBS_EXCHANGE, "topic", durable=True)
    assert refused.value.reply_code == 406  # the old arguments are refused now
    connection.close()
    broker.basic_publish(names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, b"{}", _id("routed"))
    broker.basic_publish(names.JOBS_EXCHANGE, "nowhere", b"{}", _id("parked"))
    assert message_ids(broker, names.SEND_QUEUE) == ["routed"]
    assert _dead_letters(broker) == ["parked"]


def _id(message_id: str) -> pika.BasicProperties:
    return pika.BasicProperties(delivery_mode=2, message_id=message_id)


@pytest.fixture
def capped_holding_queue(rabbitmq_url: str) -> Iterator[None]:
    """A policy that caps mail.events' holding queue at 2 messages, refusing more (as an
    operator's policy on every mail.* queue would); removed afterwards."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to set a policy on the tests' vhost")
    vhost = vhost_of(rabbitmq_url)
    pattern = f"^{re.escape(names.EVENTS_QUEUE + MIGRATING_SUFFIX)}$"
    limit = json.dumps({"max-length": 2, "overflow": "reject-publish"})
    ctl = ["rabbitmqctl", "-q", "-p", vhost]
    subprocess.run([*ctl, "set_policy", "cap-holding", pattern, limit], check=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run([*ctl, "clear_policy", "cap-holding"], check=True, timeout=60)


def test_a_migration_the_holding_queue_refuses_stops_and_loses_no_message(
    broker: BlockingChannel, capped_holding_queue: None, rabbitmq_url: str
) -> None:
    """Moved in transactions, a message the holding queue refused (full under a policy's
    length limit) was dropped without a word while the commit acked it in the old queue."""
    event_ids = _old_events_queue(broker, 450)  # more than a batch: the second was dropped
    spec = build_topology(TEST_RETRY_LADDER)
    with pytest.raises(PublishRefused, match="topology declare"):
        declare(broker, spec)
    holding = names.EVENTS_QUEUE + MIGRATING_SUFFIX
    channel = connect(rabbitmq_url, "erpmail-tests-migration").channel()
    moved, left = message_ids(channel, holding), message_ids(channel, names.EVENTS_QUEUE)
    assert 0 < len(moved) < len(event_ids)
    assert sorted(moved + left) == sorted(event_ids)  # every message in one of the two
    channel.connection.close()
