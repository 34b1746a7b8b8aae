"""Bulk replay and purge, as a process: killed or stopped at any moment, nothing is lost or
doubled; reading the queue any number of times leaves it as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pika
import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests.bounces.running import ERPMAIL, wait_until
from tests.dlq.test_dlq import taken
from workers.broker import names
from workers.cli.main import cli
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import KEEP, Route, queue_depth, read_each, walk
from workers.dlq.replay import Replayer

pytestmark = pytest.mark.integration


def fill(channel: BlockingChannel, count: int, error_class: str = "deferred") -> list[str]:
    """``count`` dead letters, published in transactions of 500 (fast, all or nothing)."""
    fast = channel.connection.channel()
    fast.tx_select()
    job_ids = []
    for number in range(count):
        job_id = str(uuid.uuid4())
        job_ids.append(job_id)
        headers: dict[str, Any] = {
            names.HEADER_ERROR_CLASS: error_class,
            names.HEADER_ERROR_TEXT: "451 4.7.1 try again later",
            names.HEADER_ATTEMPT: 8,
            names.HEADER_LAST_FAILURE: "2026-11-25T11:00:00+00:00",
        }
        body = json.dumps({"job_id": job_id, "tenant": "acme", "user_code": "MARI"}).encode()
        fast.basic_publish(
            names.DEAD_EXCHANGE,
            "",
            body,
            pika.BasicProperties(
                message_id=job_id, headers=headers, delivery_mode=pika.DeliveryMode.Persistent
            ),
        )
        if number % 500 == 499:
            fast.tx_commit()
    fast.tx_commit()
    fast.close()
    return job_ids


def depth(channel: BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def settled_total(channel: BlockingChannel, expected: int) -> Callable[[], bool]:
    """A check: both queues together hold at least ``expected`` ready messages, and the same
    number for a second (a killed consumer's letters return to mail.dead asynchronously)."""
    last = [-1, 0.0]  # the total, and since when

    def check() -> bool:
        total = depth(channel, names.SEND_QUEUE) + depth(channel, names.DEAD_QUEUE)
        if total != last[0]:
            last[:] = [total, time.monotonic()]
        return total >= expected and time.monotonic() - last[1] >= 1.0

    return check


def replay_process(rabbitmq_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RABBITMQ_URL": rabbitmq_url, "ERPMAIL_LOG_FORMAT": "json"}
    return subprocess.Popen(
        [*ERPMAIL, "dlq", "replay", "--all", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


RATE = 400
IN_FLIGHT = 2 * (RATE // 10 + 1)  # the walk's prefetch window at that rate (dlq.queue._run)


@pytest.mark.slow
@pytest.mark.parametrize("after", [1, 150, 700])
def test_a_replay_killed_at_any_moment_loses_no_letter_and_doubles_only_those_in_flight(
    broker: BlockingChannel, rabbitmq_url: str, after: int
) -> None:
    """A letter leaves mail.dead only after the broker confirmed its copy: killed between
    the two, both remain (the sender sends a job recorded as sent only once); never neither."""
    job_ids = fill(broker, 1000)
    process = replay_process(rabbitmq_url, "--rate", str(RATE))
    try:
        wait_until(
            lambda: depth(broker, names.SEND_QUEUE) >= after, f"{after} letters replayed", 60
        )
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    wait_until(settled_total(broker, 1000), "every letter back in a queue", 60)
    replayed = Counter(job_id for job_id, _ in taken(broker, names.SEND_QUEUE))
    dead = Counter(job_id for job_id, _ in taken(broker, names.DEAD_QUEUE))
    assert sum(replayed.values()) >= after and dead, "the kill landed mid-run"
    assert set(replayed) | set(dead) == set(job_ids)
    assert set(replayed.values()) == set(dead.values()) == {1}  # none twice in one queue
    assert len(set(replayed) & set(dead)) <= IN_FLIGHT


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_replay_settles_what_it_holds_and_says_what_it_did(
    broker: BlockingChannel, rabbitmq_url: str, signum: signal.Signals
) -> None:
    job_ids = fill(broker, 600)
    process = replay_process(rabbitmq_url, "--rate", "200")
    wait_until(lambda: depth(broker, names.SEND_QUEUE) >= 50, "a replay under way", 60)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert f"stopped by {signum.name}" in err
    replayed = [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)]
    dead = [job_id for job_id, _ in taken(broker, names.DEAD_QUEUE)]
    assert f"replayed {len(replayed)}, skipped 0, failed 0, left {len(dead)} " in out
    assert 50 <= len(replayed) < 600
    assert sorted(replayed + dead) == sorted(job_ids)
    assert all(
        not headers.get("x-delivery-count") for _, headers in taken(broker, names.DEAD_QUEUE)
    )


def test_reading_thirty_times_leaves_every_letter_as_it_was(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    job_ids = fill(broker, 40)
    fill(broker, 3, error_class="invalid")
    runner = CliRunner()
    reads = [
        ["dlq", "list"],
        ["dlq", "list", "--json"],
        ["dlq", "show", job_ids[7][:8]],
        ["dlq", "export", "--class", "deferred"],
        ["dlq", "replay", "--class", "invalid", "--dry-run"],
    ]
    for number in range(30):
        result = runner.invoke(cli, reads[number % len(reads)])
        assert result.exit_code == 0, result.output
    assert "would replay 3 dead letter(s)" in result.output
    letters = taken(broker, names.DEAD_QUEUE)
    assert [job_id for job_id, _ in letters][:40] == job_ids  # all there, in order
    assert len(letters) == 43
    assert {headers.get("x-delivery-count", 0) for _, headers in letters} == {0}
    assert {headers[names.HEADER_ATTEMPT] for _, headers in letters} == {8}


def test_a_walk_reports_progress_up_to_the_whole_queue(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    fill(broker, 1200)
    seen: list[tuple[int, int]] = []

    def read(_letter: DeadLetter) -> Route:
        return KEEP

    outcome = walk(rabbitmq_url, read, progress=lambda done, total: seen.append((done, total)))
    assert outcome.kept == 1200
    assert seen[0] == (0, 1200) and seen[-1] == (1200, 1200)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert queue_depth(rabbitmq_url) == 1200


def test_a_second_walk_at_the_same_time_is_refused(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    fill(broker, 5)
    lock = broker.connection.channel()
    lock.queue_declare(names.DEAD_QUEUE + ".walking", exclusive=True, auto_delete=True)
    result = CliRunner().invoke(cli, ["dlq", "list"])
    assert result.exit_code == 1
    assert "another dlq command is working on the dead-letter queue" in result.output
    lock.close()
    assert queue_depth(erpmail_env["RABBITMQ_URL"]) == 5


def test_letters_of_any_size_pass_a_read_and_a_replay_byte_for_byte(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    """Deliveries are read frame by frame past pika (workers.broker.frames): an empty body,
    a one-frame body and one split over several frames come through whole."""
    frame_max = broker.connection._impl.params.frame_max
    bodies = {
        str(uuid.uuid4()): body for body in (b"", b"{}", bytes(range(256)) * (frame_max // 80))
    }
    for job_id, body in bodies.items():
        broker.basic_publish(
            names.DEAD_EXCHANGE,
            "",
            body,
            pika.BasicProperties(
                message_id=job_id,
                headers={names.HEADER_ERROR_CLASS: "deferred", "x-note": "ünïcode"},
                delivery_mode=pika.DeliveryMode.Persistent,
            ),
        )
    seen: dict[str, bytes] = {}

    def read(letter: DeadLetter) -> Route:
        seen[letter.job_id or ""] = letter.body
        assert letter.headers["x-note"] == "ünïcode"
        return KEEP

    assert walk(rabbitmq_url, read).kept == 3
    assert seen == bodies
    assert walk(rabbitmq_url, Replayer()).taken == 3
    replayed = {}
    while True:
        method, properties, body = broker.basic_get(names.SEND_QUEUE, auto_ack=True)
        if method is None:
            break
        replayed[properties.message_id] = body
    assert replayed == bodies
    assert queue_depth(rabbitmq_url) == 0


def test_a_replay_on_several_channels_takes_its_class_and_leaves_the_rest_once_each(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """Enough letters for a replay to walk on several channels (each its own transactions):
    each letter is settled once, the selected ones replayed, the rest put back untouched."""
    deferred = fill(broker, 900)
    invalid = fill(broker, 900, error_class="invalid")
    result = CliRunner().invoke(cli, ["dlq", "replay", "--class", "deferred"])
    assert result.exit_code == 0, result.output
    assert "replayed 900, skipped 0, failed 0, left 900 " in result.output
    replayed = [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)]
    left = taken(broker, names.DEAD_QUEUE)
    assert sorted(replayed) == sorted(deferred)
    assert sorted(job_id for job_id, _ in left) == sorted(invalid)
    assert {headers.get("x-delivery-count", 0) for _, headers in left} == {0}


def test_the_reader_stopped_by_a_signal_puts_every_letter_back_in_order(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    """The one reader (the dlq commands, status and the demo): a SIGINT mid-read ends it
    early, says so, and leaves every letter in the queue, once, untouched; those it had
    read go to the tail, still in order."""
    job_ids = fill(broker, 3000)
    seen: list[str] = []

    def each(letter: DeadLetter) -> None:
        seen.append(letter.job_id or "")
        if len(seen) == 5:
            os.kill(os.getpid(), signal.SIGINT)

    outcome = read_each(rabbitmq_url, each, signals=True)
    assert outcome.stopped_by == signal.SIGINT
    assert 5 <= len(seen) < 3000 and seen == job_ids[: len(seen)]
    letters = taken(broker, names.DEAD_QUEUE)
    order = [job_id for job_id, _ in letters]
    turned = order.index(job_ids[0])
    assert order[turned:] + order[:turned] == job_ids
    assert {headers.get("x-delivery-count", 0) for _, headers in letters} == {0}


_CRASH_AFTER_THE_FIRST_COMMIT = """
import os, signal, sys
import pika
from workers.broker import names
from workers.dlq.queue import Fate, Route, walk

def decide(letter):
    # a copy no queue takes: no binding of mail.jobs matches this key
    properties = pika.BasicProperties(message_id=letter.job_id, headers={}, delivery_mode=2)
    return Route(Fate.MOVE, names.JOBS_EXCHANGE, "nowhere", properties, letter.body)

def progress(done, total):
    if done:  # a batch is committed: the process dies before anything else is sent
        os.kill(os.getpid(), signal.SIGKILL)

walk(sys.argv[1], decide, progress=progress)
"""


def test_a_walk_killed_right_after_committing_unroutable_copies_loses_no_letter(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    """A copy no queue takes (the topology changed under a replay) is not lost: mail.jobs'
    alternate exchange parks it in mail.dead, and the broker confirms it there, before its
    letter is acked. Killed right after the first commit, every job is still in mail.dead:
    its letter, its parked copy, or both."""
    job_ids = fill(broker, 20)
    process = subprocess.run(
        [sys.executable, "-c", _CRASH_AFTER_THE_FIRST_COMMIT, rabbitmq_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    wait_until(settled_total(broker, 20), "every letter in mail.dead", 30)
    letters = [
        DeadLetter.from_message(0, job_id, headers, b"{}")
        for job_id, headers in taken(broker, names.DEAD_QUEUE)
    ]
    assert {letter.job_id for letter in letters} == set(job_ids)
    assert depth(broker, names.SEND_QUEUE) == 0
    parked = [letter for letter in letters if letter.error_class == "broker:unroutable"]
    assert parked, "the first commit settled a letter whose copy was parked"
    assert all("erpmail topology declare" in letter.error_text for letter in parked)
