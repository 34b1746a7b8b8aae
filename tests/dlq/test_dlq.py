"""`erpmail dlq`: failures grouped by cause, replay or purge a group or one job, lose nothing."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pika
import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests.queues import drain
from workers.broker import names
from workers.cli.main import cli
from workers.dlq.letters import DeadLetter
from workers.dlq.queue import Route, queue_depth, walk


def dead_letter(
    channel: BlockingChannel,
    error_class: str,
    replayed: int = 0,
    text: str = "boom",
    stage: str | None = None,
    job_id: str | None = None,
) -> str:
    job_id = job_id or str(uuid.uuid4())
    headers: dict[str, Any] = {
        names.HEADER_ERROR_CLASS: error_class,
        names.HEADER_ERROR_TEXT: text,
        names.HEADER_ATTEMPT: 5,
        names.HEADER_FIRST_FAILURE: "2026-11-25T10:00:00Z",
        names.HEADER_LAST_FAILURE: "2026-11-25T11:00:00Z",
        names.HEADER_WORKER: "host:1",
    }
    if replayed:
        headers[names.HEADER_REPLAYED] = replayed
    if stage:
        headers[names.HEADER_STAGE] = stage
    channel.basic_publish(
        names.DEAD_EXCHANGE,
        "",
        json.dumps({"job_id": job_id}).encode(),
        pika.BasicProperties(
            message_id=job_id, headers=headers, delivery_mode=pika.DeliveryMode.Persistent
        ),
    )
    return job_id


def taken(channel: BlockingChannel, queue: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (properties.message_id, properties.headers or {}) for properties, _ in drain(channel, queue)
    ]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["dlq", *args])


def test_list_groups_dead_letters_by_cause(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    for _ in range(3):
        dead_letter(broker, "rejected", text="550 5.7.1 relaying denied")
    dead_letter(broker, "invalid", text="to[0]: is not a valid e-mail address")
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["error_class"], row["count"]) for row in rows] == [
        ("rejected", 3),
        ("invalid", 1),
    ]
    assert rows[0]["sample_error"] == "550 5.7.1 relaying denied"
    table = run("list")
    assert "rejected" in table.stdout and "4 dead letter(s) in 2 cause(s)" in table.stdout
    assert queue_depth(erpmail_env["RABBITMQ_URL"]) == 4


def test_replay_of_a_class_sends_those_back_marked_and_leaves_the_rest(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    retry = [dead_letter(broker, "deferred") for _ in range(2)]
    other = dead_letter(broker, "invalid")
    result = run("replay", "--class", "deferred")
    assert result.exit_code == 0, result.output
    assert "replayed 2, skipped 0, failed 0, left 1" in result.stdout
    replayed = taken(broker, names.SEND_QUEUE)
    assert sorted(job_id for job_id, _ in replayed) == sorted(retry)
    for _, headers in replayed:
        assert headers[names.HEADER_REPLAYED] == 1
        assert names.HEADER_ERROR_CLASS not in headers
        assert names.HEADER_ATTEMPT not in headers
    assert [job_id for job_id, _ in taken(broker, names.DEAD_QUEUE)] == [other]


def test_one_job_can_be_replayed_alone(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    first = dead_letter(broker, "config")
    dead_letter(broker, "config")
    assert run("replay", "--job", first).exit_code == 0
    assert [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)] == [first]


def test_a_job_replayed_too_often_is_skipped_unless_forced(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    looping = dead_letter(broker, "rejected", replayed=3)
    dry = run("replay", "--all", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would replay 0 dead letter(s), skip 1 (every dead letter)" in dry.stdout
    assert f"would skip {looping}: already replayed 3 times" in dry.stderr
    dry = run("replay", "--all", "--dry-run", "--force", "--json")
    assert (json.loads(dry.stdout)["would_replay"], json.loads(dry.stdout)["would_skip"]) == (1, 0)
    result = run("replay", "--all")
    assert "replayed 0, skipped 1, failed 0, left 1" in result.stdout
    assert f"skipped {looping}: already replayed 3 times" in result.stderr
    assert run("replay", "--all", "--force").exit_code == 0
    [(job_id, headers)] = taken(broker, names.SEND_QUEUE)
    assert (job_id, headers[names.HEADER_REPLAYED]) == (looping, 4)


def test_replay_and_purge_need_a_selection(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    dead_letter(broker, "invalid")
    for command in ("replay", "purge"):
        result = run(command)
        assert result.exit_code == 2
        assert "say which dead letters: --class CLASS, --job JOB_ID" in result.output


def test_purge_asks_first_and_removes_only_the_selection(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    gone = dead_letter(broker, "invalid")
    kept = dead_letter(broker, "invalid")
    assert run("purge", "--job", gone).exit_code == 1  # no answer on stdin: aborted
    assert queue_depth(erpmail_env["RABBITMQ_URL"]) == 2
    result = run("purge", "--job", gone, "--yes")
    assert "purged 1, left 1" in result.stdout
    assert [job_id for job_id, _ in taken(broker, names.DEAD_QUEUE)] == [kept]


def test_export_writes_json_lines_and_changes_nothing(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    job_id = dead_letter(broker, "invalid", text="subject: contains a line break")
    result = run("export")
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["job_id"] == job_id
    assert record["error_text"] == "subject: contains a line break"
    assert json.loads(record["body"]) == {"job_id": job_id}
    assert queue_depth(erpmail_env["RABBITMQ_URL"]) == 1
    shown = run("show", job_id)
    assert json.loads(shown.stdout)["attempts"] == 5


def test_a_failing_replay_returns_every_letter_to_the_queue(
    broker: BlockingChannel, rabbitmq_url: str
) -> None:
    for _ in range(3):
        dead_letter(broker, "invalid")

    def explode(_letter: DeadLetter) -> Route:
        raise RuntimeError("the broker went away")

    with pytest.raises(RuntimeError):
        walk(rabbitmq_url, explode)
    assert queue_depth(rabbitmq_url) == 3
    assert all(
        not headers.get("x-delivery-count") for _, headers in taken(broker, names.DEAD_QUEUE)
    )


def past_the_delivery_limit(broker: BlockingChannel, rabbitmq_url: str) -> None:
    """The job in mail.send given back until RabbitMQ dead-letters it into mail.dead."""
    for _ in range(50):
        method, _, _ = broker.basic_get(names.SEND_QUEUE, auto_ack=False)
        if method is None:
            break
        broker.basic_nack(method.delivery_tag, requeue=True)
    # dead-lettering (at-least-once) completes asynchronously, as late as the broker gets a
    # core: a deadline for a loaded machine, failing here rather than in the caller's asserts
    deadline = time.monotonic() + 60
    while queue_depth(rabbitmq_url) != 1:
        assert time.monotonic() < deadline, "RabbitMQ did not dead-letter the job within 60 s"
        broker.connection.sleep(0.1)


def test_a_job_past_the_delivery_limit_is_dead_lettered_by_the_broker(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    broker.basic_publish(
        names.JOBS_EXCHANGE,
        names.JOB_ROUTING_KEY,
        b"{}",
        pika.BasicProperties(message_id="poison", delivery_mode=pika.DeliveryMode.Persistent),
    )
    past_the_delivery_limit(broker, erpmail_env["RABBITMQ_URL"])
    rows = [json.loads(line) for line in run("list", "--json").stdout.splitlines()]
    assert [(row["error_class"], row["count"]) for row in rows] == [("broker:delivery_limit", 1)]


def test_a_replayed_job_the_broker_dead_letters_carries_no_undo_of_the_failure_before(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """A replay's copy carries its letter's failure aside (the replay undo, restored should
    the copy come back parked). Past mail.send's delivery limit RabbitMQ dead-letters the copy
    itself, headers and all, where no sender drops them (1b0dec7 covers a sender's dead
    letter): dlq show and export showed the failure before the replay beside the broker's."""
    job_id = dead_letter(broker, "config", text="the failure before the replay")
    assert run("replay", "--all").exit_code == 0
    past_the_delivery_limit(broker, erpmail_env["RABBITMQ_URL"])
    shown = run("show", job_id)
    assert shown.exit_code == 0, shown.output
    letter = json.loads(shown.stdout)
    assert (letter["error_class"], letter["replayed"]) == ("broker:delivery_limit", 1)
    assert "the failure before the replay" not in shown.stdout
    assert names.HEADER_REPLAY_UNDO not in letter["headers"]
    [(_, headers)] = taken(broker, names.DEAD_QUEUE)  # and the letter read was put back clean
    assert names.HEADER_REPLAY_UNDO not in headers
    assert headers[names.HEADER_REPLAYED] == 1


def test_a_short_job_id_selects_its_letter_and_an_ambiguous_one_is_refused(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    first = dead_letter(broker, "config", job_id="3cfda759-1111-4000-8000-000000000001")
    second = dead_letter(broker, "config", job_id="3cfda759-2222-4000-8000-000000000002")
    shown = run("show", first[:10])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["job_id"] == first
    ambiguous = run("replay", "--job", "3CFDA759")
    assert ambiguous.exit_code == 2
    assert "is the start of 2 job ids" in ambiguous.output
    assert run("replay", "--job", second[:10]).exit_code == 0
    assert [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)] == [second]


def test_selectors_that_match_nothing_say_so_and_fail(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    dead_letter(broker, "config")
    unknown_job = run("replay", "--job", str(uuid.uuid4()))
    assert unknown_job.exit_code == 3
    assert "no dead letter matches job" in unknown_job.stderr
    assert run("show", "ffffffff").exit_code == 3
    nosuch = run("replay", "--class", "nosuch")
    assert nosuch.exit_code == 2 and "no release of erpmail dead-letters" in nosuch.output
    none_of_class = run("purge", "--class", "auth", "--yes")
    assert none_of_class.exit_code == 3
    assert "no dead letter matches class auth" in none_of_class.stderr
    assert run("replay", "--tenant", "nobody").exit_code == 3
    assert run("replay", "--since", "2099-01-01").exit_code == 3
    assert run("replay", "--class", "config", "--dry-run", "--user", "ghost").exit_code == 3
    assert queue_depth(erpmail_env["RABBITMQ_URL"]) == 1


def test_tenant_user_and_since_select_by_the_job_and_its_failure(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    job_id = str(uuid.uuid4())
    broker.basic_publish(
        names.DEAD_EXCHANGE,
        "",
        json.dumps({"job_id": job_id, "tenant": "acme", "user_code": "MARI"}).encode(),
        pika.BasicProperties(
            message_id=job_id,
            headers={
                names.HEADER_ERROR_CLASS: "deferred",
                names.HEADER_LAST_FAILURE: "2026-11-25T11:00:00+00:00",
            },
            delivery_mode=pika.DeliveryMode.Persistent,
        ),
    )
    dead_letter(broker, "deferred")  # no tenant in its body
    assert run("replay", "--tenant", "acme", "--user", "OTHER").exit_code == 3
    assert run("replay", "--since", "2026-11-26").exit_code == 3
    result = run("replay", "--tenant", "acme", "--user", "MARI", "--since", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert [j for j, _ in taken(broker, names.SEND_QUEUE)] == [job_id]


def test_what_may_have_been_delivered_is_replayed_only_when_asked_and_flagged(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    interrupted = dead_letter(broker, "interrupted", text="interrupted mid-send")
    lost_reply = dead_letter(broker, "timeout", stage="data")
    before_data = dead_letter(broker, "timeout", stage="rcpt")
    dry = run("replay", "--all", "--dry-run")
    assert "would replay 1 dead letter(s), skip 2" in dry.stdout
    assert f"would skip {interrupted}: its last attempt may have reached" in dry.stderr
    dry = run("replay", "--all", "--dry-run", "--may-duplicate")
    assert "would replay 3" in dry.stdout and "2 of them may have been delivered" in dry.stdout
    result = run("replay", "--all")
    assert result.exit_code == 0
    assert "replayed 1, skipped 2, failed 0, left 2" in result.stdout
    assert "replay it with --may-duplicate" in result.stderr
    [(job_id, headers)] = taken(broker, names.SEND_QUEUE)
    assert job_id == before_data and names.HEADER_POSSIBLE_DUPLICATE not in headers
    assert run("replay", "--all", "--may-duplicate").exit_code == 0
    flagged = taken(broker, names.SEND_QUEUE)
    assert sorted(job_id for job_id, _ in flagged) == sorted([interrupted, lost_reply])
    assert all(headers[names.HEADER_POSSIBLE_DUPLICATE] == 1 for _, headers in flagged)
    assert all(names.HEADER_STAGE not in headers for _, headers in flagged)


def test_replay_and_purge_report_as_json(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    retry = [dead_letter(broker, "deferred") for _ in range(2)]
    dead_letter(broker, "rejected", replayed=3)
    gone = dead_letter(broker, "invalid")
    dry = run("replay", "--class", "deferred", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout) == {
        "would_replay": 2,
        "would_skip": 0,
        "already_sent": 0,
        "may_have_been_delivered": 0,
        "selection": "class deferred",
    }
    replayed = run("replay", "--class", "deferred", "--json")
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout) == {
        "replayed": 2,
        "parked": 0,
        "skipped": 0,
        "already_sent": 0,
        "failed": 0,
        "left": 2,
        "selection": "class deferred",
        "stopped_by": None,
    }
    assert sorted(job_id for job_id, _ in taken(broker, names.SEND_QUEUE)) == sorted(retry)
    skipped = json.loads(run("replay", "--class", "rejected", "--json").stdout)
    assert (skipped["replayed"], skipped["skipped"], skipped["left"]) == (0, 1, 2)
    purged = run("purge", "--job", gone, "--yes", "--json")
    assert purged.exit_code == 0, purged.output
    report = json.loads(purged.stdout)
    assert (report["purged"], report["left"], report["stopped_by"]) == (1, 1, None)


def test_a_replay_without_mail_send_moves_nothing_and_says_to_declare_the_topology(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """Its copies would come straight back through mail.jobs' alternate exchange, each
    counted as replayed: the replay refuses to start instead."""
    job_id = dead_letter(broker, "deferred")
    broker.queue_delete(names.SEND_QUEUE)
    result = run("replay", "--all")
    assert result.exit_code == 5, result.output
    assert "no queue 'mail.send'" in result.output and "erpmail topology declare" in result.output
    [(letter, headers)] = taken(broker, names.DEAD_QUEUE)
    assert (letter, headers[names.HEADER_ERROR_CLASS]) == (job_id, "deferred")


def test_a_replayed_copy_parked_by_the_alternate_exchange_is_reported_parked_and_kept(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """mail.send is there but nothing binds it to mail.jobs for the replay's key (a topology
    edited by hand): each copy is taken by mail.jobs' alternate exchange, back into
    mail.dead. Not one reached a sender: the replay says they were parked, not replayed,
    fails, and each letter stays in mail.dead, its replay not counted."""
    parked = sorted(dead_letter(broker, "deferred", replayed=1) for _ in range(3))
    broker.queue_unbind(names.SEND_QUEUE, names.JOBS_EXCHANGE, names.JOB_BINDING)
    result = run("replay", "--all", "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["replayed"], report["parked"], report["left"]) == (0, 3, 3), report
    assert all(f"parked {job_id}" in result.stderr for job_id in parked), result.stderr
    assert "erpmail topology declare" in result.stderr
    letters = taken(broker, names.DEAD_QUEUE)
    assert sorted(job_id for job_id, _ in letters) == parked
    assert {headers[names.HEADER_REPLAYED] for _, headers in letters} == {1}
    assert depth_of(broker, names.SEND_QUEUE) == 0
    # once the binding is back, the parked letters replay
    broker.queue_bind(names.SEND_QUEUE, names.JOBS_EXCHANGE, names.JOB_BINDING)
    for job_id in parked:
        dead_letter(broker, "deferred", job_id=job_id)
    again = run("replay", "--all")
    assert again.exit_code == 0, again.output
    # (no "parked N" count nor "parked <job>" line; the test's folder name holds "parked_")
    assert "replayed 3, skipped 0" in again.stdout and "parked " not in again.output
    assert sorted(job_id for job_id, _ in taken(broker, names.SEND_QUEUE)) == parked


def test_a_parked_copy_is_put_back_with_its_failure_headers(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    """A letter whose last attempt may have reached the server, replayed with
    --may-duplicate into a topology that parks it: put back as it was, its error class,
    text, attempt and stage kept (dlq list groups by them, and the next replay still asks
    for --may-duplicate), and no possible-duplicate mark of the replay that never was."""
    job_id = dead_letter(broker, "timeout", stage="data", text="no reply to the final dot")
    broker.queue_unbind(names.SEND_QUEUE, names.JOBS_EXCHANGE, names.JOB_BINDING)
    result = run("replay", "--all", "--may-duplicate", "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["parked"] == 1
    [(letter, headers)] = taken(broker, names.DEAD_QUEUE)
    assert letter == job_id
    assert {
        key: headers.get(key)
        for key in (
            names.HEADER_ERROR_CLASS,
            names.HEADER_ERROR_TEXT,
            names.HEADER_ATTEMPT,
            names.HEADER_STAGE,
            names.HEADER_POSSIBLE_DUPLICATE,
            names.HEADER_REPLAYED,
        )
    } == {
        names.HEADER_ERROR_CLASS: "timeout",
        names.HEADER_ERROR_TEXT: "no reply to the final dot",
        names.HEADER_ATTEMPT: 5,
        names.HEADER_STAGE: "data",
        names.HEADER_POSSIBLE_DUPLICATE: None,
        names.HEADER_REPLAYED: None,
    }


def depth_of(channel: BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def test_a_job_no_queue_took_is_listed_as_unroutable(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    broker.basic_publish(
        names.JOBS_EXCHANGE,
        "shard.7",  # a shard this deployment does not have
        json.dumps({"job_id": "j-1"}).encode(),
        pika.BasicProperties(message_id="j-1", delivery_mode=pika.DeliveryMode.Persistent),
    )
    [row] = [json.loads(line) for line in run("list", "--json").stdout.splitlines()]
    assert (row["error_class"], row["count"]) == ("broker:unroutable", 1)
    assert "no queue was bound to mail.jobs" in row["sample_error"]
    assert run("replay", "--class", "broker:unroutable").exit_code == 0
    assert [job_id for job_id, _ in taken(broker, names.SEND_QUEUE)] == ["j-1"]
