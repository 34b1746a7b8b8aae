"""A sender's frames in-process: pika's own path beside :class:`workers.broker.frames.FrameIO`.

The same frames are fed to each path on one open connection, CPU time of this thread per
message, rounds interleaved (pika, FrameIO, pika, …), the median of each:

- *delivery*: a job's ``basic.deliver`` (method, header, body frames of a job as the sender
  benchmarks publish it) read off the input, to a consumer's callback;
- *publish*: a notice's ``basic.publish`` (``mail.sent``, its properties) written out, the
  output going nowhere (the connection's way out replaced while it runs);
- *confirm*: publisher confirms (``basic.ack``, ten a read) read off the input, to the
  publisher's callback.

Nothing reaches the broker but the connection's own opening, a scratch queue and the
consumer's start. A connection's FrameIO reads every frame once installed: each path here
calls its reader itself (pika's ``_on_data_available`` of the class, FrameIO's own).

    python -m bench.frames [--messages 2000] [--rounds 5]
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import click
from pika import frame, spec
from pika.adapters.asyncio_connection import AsyncioConnection
from rich.console import Console
from rich.table import Table

from bench.sender_sink import job_document
from schemas.job import parse_job
from schemas.tables import MailStatus
from workers.broker.aio import AsyncConfirmingPublisher, open_connection
from workers.broker.frames import FrameIO
from workers.broker.publisher import job_properties
from workers.sender.notices import Notice

READ = 10  # confirms a read of the input holds


@dataclass
class Case:
    name: str
    pika: Callable[[], None]
    frames: Callable[[], None]
    count: int  # messages each call handles


def _deliveries(channel_number: int, consumer_tag: str, messages: int) -> list[bytes]:
    """Each delivery's frames as one read of the input."""
    document = job_document(0)
    body = json.dumps(document, ensure_ascii=False).encode()
    properties = job_properties(document["job_id"])
    reads = []
    for tag in range(1, messages + 1):
        method = spec.Basic.Deliver(consumer_tag, tag, False, "mail.jobs", "mail.send")
        reads.append(
            frame.Method(channel_number, method).marshal()
            + frame.Header(channel_number, len(body), properties).marshal()
            + frame.Body(channel_number, body).marshal()
        )
    return reads


def _confirms(channel_number: int, messages: int) -> list[bytes]:
    acks = [
        frame.Method(channel_number, spec.Basic.Ack(tag, False)).marshal()
        for tag in range(1, messages + 1)
    ]
    return [b"".join(acks[start : start + READ]) for start in range(0, messages, READ)]


def _cpu(run: Callable[[], None]) -> float:
    started = time.thread_time()
    run()
    return time.thread_time() - started


async def _cases(url: str, messages: int) -> tuple[list[Case], Callable[[], Awaitable[None]]]:
    connection = await open_connection(url, "erpmail-bench-frames")
    raw = connection.connection
    io = FrameIO(raw)
    channel = await connection.channel()
    queue = f"erpmail-bench-frames-{uuid.uuid4().hex[:8]}"
    declared: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    channel.queue_declare(queue, exclusive=True, callback=lambda _f: declared.set_result(None))
    await declared
    taken = [0]  # (the callbacks' work: a count)

    def by_pika(_ch: object, _method: object, _properties: object, _body: bytes) -> None:
        taken[0] += 1

    def by_frames(_tag: int, _properties: spec.BasicProperties, _body: bytes) -> None:
        taken[0] += 1

    consumer_tag = channel.basic_consume(queue, by_pika)
    io.consume(channel.channel_number, consumer_tag, by_frames)
    deliveries = _deliveries(channel.channel_number, consumer_tag, messages)

    publisher = await AsyncConfirmingPublisher.open(connection, io)
    confirmed = publisher._confirmed

    def counted(tag: int, multiple: bool, acked: bool) -> None:
        taken[0] += 1
        confirmed(tag, multiple, acked)

    # both paths end in the publisher's own handling (its pending publishes: none), counted
    publisher._confirmed = counted  # type: ignore[method-assign,assignment]
    io.confirms(publisher.channel.channel_number, counted)
    number = publisher.channel.channel_number
    confirms = _confirms(number, messages)
    job = parse_job(json.dumps(job_document(0)).encode())
    notice = Notice.for_job(
        job, MailStatus.SENT, 1, smtp_host="127.0.0.1:465", smtp_response="250 ok"
    )
    body, properties = notice.body(), notice.properties()

    def read_pika(reads: list[bytes]) -> Callable[[], None]:
        def run() -> None:
            for data in reads:
                AsyncioConnection._on_data_available(raw, data)

        return run

    def read_frames(reads: list[bytes]) -> Callable[[], None]:
        def run() -> None:
            for data in reads:
                io._on_data(data)

        return run

    def quiet(publish: Callable[[], None]) -> Callable[[], None]:
        """``publish`` with the connection's output going nowhere."""

        def run() -> None:
            emit = raw._adapter_emit_data
            raw._adapter_emit_data = lambda _data: None
            try:
                publish()
            finally:
                raw._adapter_emit_data = emit

        return run

    def publish_pika() -> None:
        for _ in range(messages):
            publisher.channel.basic_publish(
                notice.exchange, notice.routing_key, body, properties, True
            )

    def publish_frames() -> None:
        for _ in range(messages):
            io.publish(number, notice.exchange, notice.routing_key, body, properties, True)

    def emitted(publish: Callable[[], None]) -> bytes:
        """What ``publish`` writes to the connection, kept from it."""
        written: list[bytes] = []
        emit = raw._adapter_emit_data
        raw._adapter_emit_data = written.append
        try:
            publish()
        finally:
            raw._adapter_emit_data = emit
        return b"".join(written)

    # The two paths are compared for speed only if they write the same frames.
    pika_wrote = emitted(
        lambda: publisher.channel.basic_publish(
            notice.exchange, notice.routing_key, body, properties, True
        )
    )
    frames_wrote = emitted(
        lambda: io.publish(number, notice.exchange, notice.routing_key, body, properties, True)
    )
    if pika_wrote != frames_wrote:
        raise RuntimeError("FrameIO.publish and pika's basic_publish write different bytes")

    cases = [
        Case("delivery", read_pika(deliveries), read_frames(deliveries), messages),
        Case("publish", quiet(publish_pika), quiet(publish_frames), messages),
        Case("confirm", read_pika(confirms), read_frames(confirms), messages),
    ]

    def handed(run: Callable[[], None], count: int) -> Callable[[], None]:
        """``run``, checked to hand each message read to its callback."""

        def checked() -> None:
            before = taken[0]
            run()
            if taken[0] - before != count:
                raise RuntimeError(f"{taken[0] - before} of {count} messages reached a callback")

        return checked

    for case in cases[::2]:  # the reads
        case.pika, case.frames = handed(case.pika, messages), handed(case.frames, messages)
    return cases, connection.close


def measure(url: str, messages: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Each case's µs of CPU per message on each path, one figure a round."""

    async def main() -> dict[str, dict[str, list[float]]]:
        cases, close = await _cases(url, messages)
        figures: dict[str, dict[str, list[float]]] = {
            case.name: {"pika": [], "FrameIO": []} for case in cases
        }
        for case in cases:
            for _ in range(rounds):
                for path, run in (("pika", case.pika), ("FrameIO", case.frames)):
                    figures[case.name][path].append(_cpu(run) / case.count * 1e6)
        await close()
        return figures

    return asyncio.run(main())


@click.command()
@click.option("--messages", default=2000, show_default=True, help="Messages a round.")
@click.option("--rounds", default=5, show_default=True, help="Rounds of each path.")
def main(messages: int, rounds: int) -> None:
    """A delivery, a notice's publish and a confirm: pika's path beside FrameIO's."""
    url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    console = Console()
    console.print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    figures = measure(url, messages, rounds)
    table = Table(
        title=f"CPU µs per message, median of {rounds} interleaved rounds of {messages:,}"
    )
    for column in ("what", "pika", "FrameIO", "saved", "rounds pika / FrameIO"):
        table.add_column(column)
    for name, paths in figures.items():
        slow, fast = statistics.median(paths["pika"]), statistics.median(paths["FrameIO"])
        table.add_row(
            name,
            f"{slow:.1f}",
            f"{fast:.1f}",
            f"{slow - fast:.1f}",
            " ".join(f"{v:.1f}" for v in paths["pika"])
            + " / "
            + " ".join(f"{v:.1f}" for v in paths["FrameIO"]),
        )
    console.print(table)
    console.print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
