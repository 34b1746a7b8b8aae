"""Publishing a job: confirmed by the broker, readable from mail.send with its properties."""

from __future__ import annotations

import json

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.jobs import make_job
from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher, PublishRefused, job_properties


def test_a_published_job_is_read_back_with_its_properties(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    job = make_job()
    body = json.dumps(job).encode()
    with ConfirmingPublisher.open(rabbitmq_url) as publisher:
        publisher.publish_job(job["job_id"], body)
    method, properties, received = broker.basic_get(names.SEND_QUEUE, auto_ack=True)
    assert method is not None, "the job is not in mail.send"
    assert received == body
    assert properties.delivery_mode == 2
    assert properties.content_type == "application/json"
    assert properties.message_id == job["job_id"]


def test_an_unroutable_message_is_refused_not_lost(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    with (
        ConfirmingPublisher.open(rabbitmq_url) as publisher,
        pytest.raises(PublishRefused, match="no queue is bound"),
    ):
        publisher.publish(names.RETRY_EXCHANGE, "no-such-delay", b"{}", job_properties("x"))
