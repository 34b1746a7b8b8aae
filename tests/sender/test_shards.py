"""Routing by sender (ERPMAIL_SEND_SHARDS): a user's jobs meet its connections in one worker
process, and the workers share the shards."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from pika.adapters.blocking_connection import BlockingChannel

from tests.conftest import TEST_RETRY_LADDER
from tests.jobs import make_job
from tests.sender.harness import TENANT, USER, Harness
from tests.sender.servers import Behaviour, SmtpServer
from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher
from workers.broker.routing import fair_share, job_routing_key, shard_of
from workers.broker.topology import build_topology, declare
from workers.logging import configure_logging
from workers.sender.worker import SenderWorker

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]
SHARDS = 4


def test_a_sender_always_has_the_same_shard_and_every_shard_is_held() -> None:
    # a fixed vector: producers in other languages compute the same CRC-32
    assert shard_of("acme", "MARI", 16) == shard_of("acme", "MARI", 16)
    assert [shard_of("acme", f"U{n}", 4) for n in range(8)] == [
        __import__("zlib").crc32(f"acme\0U{n}".encode()) % 4 for n in range(8)
    ]
    assert job_routing_key("acme", "MARI", 0) == names.JOB_ROUTING_KEY
    assert job_routing_key("acme", "MARI", 8) == f"shard.{shard_of('acme', 'MARI', 8)}"
    assert [fair_share(8, workers) for workers in (0, 1, 2, 3, 8, 9)] == [8, 8, 4, 3, 1, 1]


def test_shard_queues_are_bound_apart_from_mail_send() -> None:
    spec = build_topology(TEST_RETRY_LADDER, shards=3)
    bound = {(b.queue, b.routing_key) for b in spec.bindings if b.exchange == names.JOBS_EXCHANGE}
    assert {(names.shard_queue(i), f"shard.{i}") for i in range(3)} <= bound
    assert (names.SEND_QUEUE, names.JOB_BINDING) in bound
    send = next(q for q in spec.queues if q.name == names.SEND_QUEUE)
    shard = next(q for q in spec.queues if q.name == names.shard_queue(0))
    assert shard.arguments == send.arguments  # the same delivery limit and dead-lettering


def test_two_workers_one_configuration_its_mails_use_one_processes_connections(
    make_harness: MakeHarness, smtp_server: StartServer, broker: BlockingChannel
) -> None:
    """Retries (the server defers the first mails: they come back through ``mail.send``,
    which both workers consume) and jobs published without the shard's key are passed on to
    the shard, and sent by the same process as the rest."""
    declare(broker, build_topology(TEST_RETRY_LADDER, SHARDS))
    for index in range(SHARDS):
        broker.queue_purge(names.shard_queue(index))
    server = smtp_server(Behaviour(fail_first=6))
    harness = make_harness(server.port, send_shards=SHARDS)
    jobs = [make_job(subject=f"Arve {n}") for n in range(30)]
    configure_logging("console", "warning")

    def consumers(queue: str) -> int:
        return int(broker.queue_declare(queue, passive=True).method.consumer_count)

    async def main() -> tuple[SenderWorker, SenderWorker]:
        first = SenderWorker(harness.settings, harness.engine, connection_name="shards-a")
        second = SenderWorker(harness.settings, harness.engine, connection_name="shards-b")
        runners = [asyncio.create_task(w.run()) for w in (first, second)]
        try:
            deadline = time.monotonic() + 60
            # balanced: two workers on mail.send, each shard held once, each worker its share
            while time.monotonic() < deadline:
                held = [len(w.shards.held) if w.shards else 0 for w in (first, second)]
                if (
                    consumers(names.SEND_QUEUE) == 2
                    and all(consumers(names.shard_queue(i)) == 1 for i in range(SHARDS))
                    and held == [SHARDS // 2, SHARDS // 2]
                ):
                    break
                await asyncio.sleep(0.2)
            else:
                counts = [consumers(names.shard_queue(i)) for i in range(SHARDS)]
                send = consumers(names.SEND_QUEUE)
                raise AssertionError(f"the shards were never shared out: {held} {counts} {send}")
            key = job_routing_key(TENANT, USER, SHARDS)
            with ConfirmingPublisher.open(harness.settings.rabbitmq_url, "tests-shards") as p:
                for number, job in enumerate(jobs):
                    body = json.dumps(job, ensure_ascii=False).encode()
                    unsharded = number % 5 == 4  # a producer that does not shard
                    p.publish_job(
                        job["job_id"],
                        body,
                        routing_key=names.JOB_ROUTING_KEY if unsharded else key,
                    )
            while time.monotonic() < deadline + 60:
                if list(harness.statuses().values()).count("sent") == len(jobs):
                    break
                await asyncio.sleep(0.1)
        finally:
            for worker in (first, second):
                worker.stop()
            await asyncio.gather(*runners)
        return first, second

    first, second = asyncio.run(main())
    assert list(harness.statuses().values()).count("sent") == len(jobs)
    assert server.accepted() == len(jobs) and server.transactions > len(jobs)  # retried
    connects = sorted([first.pools.stats.connects, second.pools.stats.connects])
    assert connects[0] == 0 and connects[1] >= 1, f"both processes connected: {connects}"
    assert sorted([first.stats.sent, second.stats.sent]) == [0, len(jobs)]


def test_a_new_worker_takes_half_the_shards_and_a_stopped_ones_are_taken_over(
    make_harness: MakeHarness, smtp_server: StartServer, broker: BlockingChannel
) -> None:
    declare(broker, build_topology(TEST_RETRY_LADDER, SHARDS))
    harness = make_harness(smtp_server().port, send_shards=SHARDS)
    configure_logging("console", "warning")

    async def until(holds: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while not holds():
            if time.monotonic() > deadline:
                raise AssertionError(what)
            await asyncio.sleep(0.2)

    def held(worker: SenderWorker) -> int:
        return len(worker.shards.held) if worker.shards else 0

    async def main() -> None:
        first = SenderWorker(harness.settings, harness.engine, connection_name="shards-a")
        second = SenderWorker(harness.settings, harness.engine, connection_name="shards-b")
        running = asyncio.create_task(first.run())
        await until(lambda: held(first) == SHARDS, "a lone worker holds every shard")
        joining = asyncio.create_task(second.run())
        try:
            await until(
                lambda: (held(first), held(second)) == (SHARDS // 2, SHARDS // 2),
                "a second worker gets half of the shards",
            )
            first.stop()
            await running
            await until(lambda: held(second) == SHARDS, "the other worker takes them all over")
        finally:
            first.stop()
            second.stop()
            await asyncio.gather(running, joining)

    asyncio.run(main())
