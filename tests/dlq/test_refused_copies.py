"""A replay whose copies the broker refuses (a full mail.send with overflow reject-publish, as
a length limit set by a policy makes it) leaves their letters in mail.dead and says so."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pika
import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests.conftest import TEST_RETRY_LADDER
from tests.dlq.test_bulk import depth, fill
from tests.dlq.test_dlq import taken
from workers.broker import names
from workers.broker.topology import build_topology, declare
from workers.cli.main import cli
from workers.dlq.letters import DeadLetter

pytestmark = pytest.mark.integration

ROOM = 3  # the capped mail.send's length


def _refill_until_refused(channel: BlockingChannel) -> int:
    """Fill mail.send until the broker nacks a job (a quorum queue applies its limit to what
    it has committed, so a count could overshoot); the jobs it holds."""
    for number in range(ROOM + 20):
        try:
            channel.basic_publish(
                names.JOBS_EXCHANGE,
                names.JOB_ROUTING_KEY,
                b"{}",
                pika.BasicProperties(message_id=f"filler-{number}"),
            )
        except pika.exceptions.NackError:
            return depth(channel, names.SEND_QUEUE)
    pytest.fail("the capped mail.send never refused a job")


@pytest.fixture
def full_send_queue(broker: BlockingChannel) -> Iterator[int]:
    """mail.send declared with a length limit (what a policy's max-length does) and full;
    declared as erpmail declares it again afterwards. The jobs it holds."""
    spec = build_topology(TEST_RETRY_LADDER)
    (send,) = [queue for queue in spec.queues if queue.name == names.SEND_QUEUE]
    broker.queue_delete(names.SEND_QUEUE)
    broker.queue_declare(
        names.SEND_QUEUE,
        durable=True,
        arguments={**send.declared_arguments(), "x-max-length": ROOM},
    )
    broker.queue_bind(names.SEND_QUEUE, names.JOBS_EXCHANGE, routing_key=names.JOB_BINDING)
    yield _refill_until_refused(broker)
    if broker.is_open:
        broker.queue_delete(names.SEND_QUEUE)
        declare(broker, spec)


def test_a_replay_into_a_full_send_queue_keeps_every_letter_and_says_so(
    broker: BlockingChannel, erpmail_env: dict[str, str], full_send_queue: int
) -> None:
    job_ids = fill(broker, 5)
    result = CliRunner().invoke(cli, ["dlq", "replay", "--all"])
    assert result.exit_code == 1, result.output
    assert "refused" in result.stderr and "still in the dead-letter queue" in result.stderr
    assert "replayed 0" in result.stdout
    assert depth(broker, names.SEND_QUEUE) == full_send_queue  # no copy got in
    letters = taken(broker, names.DEAD_QUEUE)
    assert sorted(job_id for job_id, _ in letters) == sorted(job_ids)
    for job_id, headers in letters:  # as they were: not counted as replayed, failure intact
        letter = DeadLetter.from_message(0, job_id, headers, b"{}")
        assert (letter.replayed, letter.error_class) == (0, "deferred")
        assert names.HEADER_REPLAY_UNDO not in headers


def test_a_replay_moves_what_the_send_queue_takes_and_keeps_the_rest(
    broker: BlockingChannel, erpmail_env: dict[str, str], full_send_queue: int
) -> None:
    taken(broker, names.SEND_QUEUE)  # room for ROOM jobs again
    job_ids = fill(broker, 12)
    # Slowly, a letter at a time: a quorum queue applies its limit to what it has committed,
    # so copies arriving together may all be taken.
    result = CliRunner().invoke(cli, ["dlq", "replay", "--all", "--json", "--rate", "5"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    replayed = [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)]
    dead = [job_id for job_id, _ in taken(broker, names.DEAD_QUEUE)]
    assert ROOM <= len(replayed) < len(job_ids)
    assert sorted(replayed + dead) == sorted(job_ids)  # each once: none lost, none doubled
    assert (report["replayed"], report["left"]) == (len(replayed), len(dead))
    assert report["failed"] >= 1
