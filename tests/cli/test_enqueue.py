"""`erpmail enqueue`: valid jobs are published with confirms, invalid ones refused by name."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests.jobs import job_bytes, make_job
from tests.queues import message_ids
from workers.broker import names
from workers.cli.main import cli


def drain(channel: BlockingChannel) -> list[str]:
    return message_ids(channel, names.SEND_QUEUE)


def test_one_pretty_printed_job_is_published(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    job = make_job()
    result = CliRunner().invoke(cli, ["enqueue", "-"], input=json.dumps(job, indent=2))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == job["job_id"]
    assert drain(broker) == [job["job_id"]]


def test_json_lines_publish_the_valid_and_refuse_the_invalid(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    good = [make_job(), make_job()]
    bad = make_job(to=["victim@example.ee\r\nBcc: all@example.ee"])
    lines = [json.dumps(good[0]), json.dumps(bad), "{broken", json.dumps(good[1])]
    result = CliRunner().invoke(cli, ["enqueue", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert result.stdout.split() == [good[0]["job_id"], good[1]["job_id"]]
    assert f"refused line 2 (job {bad['job_id']}): to[0]: contains a line break" in result.stderr
    assert "refused line 3: (job): not JSON" in result.stderr
    assert "published 2, refused 2" in result.stderr
    assert drain(broker) == [good[0]["job_id"], good[1]["job_id"]]


def test_non_utf8_input_is_refused(broker: BlockingChannel, erpmail_env: dict[str, str]) -> None:
    raw = job_bytes(subject="Arve").replace(b"Arve", b"Arv\xe9")
    result = CliRunner().invoke(cli, ["enqueue", "-"], input=raw)
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr
    assert drain(broker) == []


def test_an_unreachable_broker_is_a_clear_error(
    erpmail_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:secret@127.0.0.1:1/%2F")
    result = CliRunner().invoke(cli, ["enqueue", "-"], input=json.dumps(make_job()))
    assert result.exit_code == 4
    assert "cannot connect to RabbitMQ at 127.0.0.1:1" in result.stderr
    assert "check RABBITMQ_URL" in result.stderr
    assert "secret" not in result.output + result.stderr
