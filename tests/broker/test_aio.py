"""The asyncio publisher: confirmed publishes, refusals, many confirms awaited at once; with
pika's own frames and with the connection's FrameIO (workers.broker.frames), which the
sender worker's publisher writes and reads its confirms through."""

from __future__ import annotations

import asyncio

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from workers.broker import names
from workers.broker.aio import (
    AioConnection,
    AsyncConfirmingPublisher,
    coalesce_writes,
    open_connection,
)
from workers.broker.connection import BrokerUnavailable
from workers.broker.frames import FrameIO
from workers.broker.publisher import PublishRefused, job_properties

FULL_QUEUE = "erpmail-tests-aio-full"
# How long the publishes of a test may wait for their confirms (the broker sends them within
# a second): a confirm lost on the way fails the test with the count missing, instead of
# leaving it to wait for pytest's timeout.
CONFIRMS_WAIT = 30.0


@pytest.fixture(params=["pika", "frames"])
def frames(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "frames")


async def publisher_of(connection: AioConnection, frames: bool) -> AsyncConfirmingPublisher:
    if not frames:
        return await AsyncConfirmingPublisher.open(connection)
    coalesce_writes(connection)
    return await AsyncConfirmingPublisher.open(connection, FrameIO(connection.connection))


def test_many_publishes_are_confirmed_and_arrive(
    broker: BlockingChannel, rabbitmq_url: str, frames: bool
) -> None:
    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-aio")
        publisher = await publisher_of(connection, frames)
        publishes = [
            asyncio.ensure_future(
                publisher.publish(
                    names.JOBS_EXCHANGE,
                    names.JOB_ROUTING_KEY,
                    f"job {n}".encode(),
                    job_properties(f"id-{n}"),
                )
            )
            for n in range(300)
        ]
        try:
            _done, unconfirmed = await asyncio.wait(publishes, timeout=CONFIRMS_WAIT)
            if unconfirmed:
                pytest.fail(
                    f"{len(unconfirmed)} of {len(publishes)} publishes got no confirm in "
                    f"{CONFIRMS_WAIT:.0f} s: their confirms were lost"
                )
            for publish in publishes:
                publish.result()  # (a refusal raises here)
        finally:
            for publish in publishes:
                publish.cancel()
            await connection.close()

    asyncio.run(main())
    declared = broker.queue_declare(names.SEND_QUEUE, passive=True)
    assert declared.method.message_count == 300


def test_an_unroutable_message_is_refused(
    broker: BlockingChannel, rabbitmq_url: str, frames: bool
) -> None:
    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-aio")
        publisher = await publisher_of(connection, frames)
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


def test_a_message_the_queue_has_no_room_for_is_nacked_and_the_others_confirmed(
    broker: BlockingChannel, rabbitmq_url: str, frames: bool
) -> None:
    broker.queue_declare(
        FULL_QUEUE, auto_delete=True, arguments={"x-max-length": 1, "x-overflow": "reject-publish"}
    )
    broker.queue_purge(FULL_QUEUE)

    async def main() -> list[BaseException | None]:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-aio")
        publisher = await publisher_of(connection, frames)
        try:
            outcomes: list[BaseException | None] = []
            for n in range(3):  # the first fits; the next two are nacked
                try:
                    await publisher.publish("", FULL_QUEUE, b"{}", job_properties(f"full-{n}"))
                    outcomes.append(None)
                except PublishRefused as refused:
                    outcomes.append(refused)
            await publisher.publish(
                names.JOBS_EXCHANGE, names.JOB_ROUTING_KEY, b"{}", job_properties("after")
            )
            return outcomes
        finally:
            await connection.close()

    first, *refused = asyncio.run(main())
    assert first is None
    assert all(isinstance(e, PublishRefused) and e.nacked for e in refused), refused
    assert len(refused) == 2


def test_an_unreachable_broker_is_reported_without_its_password() -> None:
    async def main() -> None:
        await open_connection("amqp://guest:secret@127.0.0.1:1/%2F", "erpmail-tests-aio")

    with pytest.raises(BrokerUnavailable) as raised:
        asyncio.run(main())
    assert "secret" not in str(raised.value)
