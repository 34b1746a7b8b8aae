"""The asyncio publisher: confirmed publishes, refusals, many confirms awaited at once."""

from __future__ import annotations

import asyncio

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names
from workers.broker.aio import AsyncConfirmingPublisher, open_connection
from workers.broker.connection import BrokerUnavailable
from workers.broker.publisher import PublishRefused, job_properties


def test_many_publishes_are_confirmed_and_arrive(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-aio")
        publisher = await AsyncConfirmingPublisher.open(connection)
        await asyncio.gather(
            *(
                publisher.publish(
                    names.JOBS_EXCHANGE,
                    names.JOB_ROUTING_KEY,
                    f"job {n}".encode(),
                    job_properties(f"id-{n}"),
                )
                for n in range(300)
            )
        )
        await connection.close()

    asyncio.run(main())
    declared = broker.queue_declare(names.SEND_QUEUE, passive=True)
    assert declared.method.message_count == 300


def test_an_unroutable_message_is_refused(broker: BlockingChannel, rabbitmq_url: str) -> None:
    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-aio")
        publisher = await AsyncConfirmingPublisher.open(connection)
        try:
            with pytest.raises(PublishRefused, match="no queue is bound"):
                await publisher.publish(names.RETRY_EXCHANGE, "7777", b"{}", job_properties("x"))
            # the channel stays usable after a refusal
            await publisher.publish(
                names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, b"{}", job_properties("y")
            )
        finally:
            await connection.close()

    asyncio.run(main())


def test_an_unreachable_broker_is_reported_without_its_password() -> None:
    async def main() -> None:
        await open_connection("amqp://guest:secret@127.0.0.1:1/%2F", "erpmail-tests-aio")

    with pytest.raises(BrokerUnavailable) as raised:
        asyncio.run(main())
    assert "secret" not in str(raised.value)
