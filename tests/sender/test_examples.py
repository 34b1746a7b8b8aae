"""The producer and event-consumer examples (Python and Node.js) against the real broker.

Each producer publishes a job as an ERP would; erpmail's sender worker sends it to a test
SMTP server; each consumer then reads the job's ``mail.sent`` from ``mail.events``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.sender.harness import TENANT, USER, Harness
from tests.sender.servers import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]


def command(language: str, script: str) -> list[str]:
    if language == "python":
        return [sys.executable, str(EXAMPLES / "python" / f"{script}.py")]
    node = shutil.which("node")
    assert node is not None, "Node.js runs the Node examples"
    assert (EXAMPLES / "node" / "node_modules" / "amqplib").is_dir(), "run 'make node-deps'"
    return [node, str(EXAMPLES / "node" / f"{script}.mjs")]


def run(language: str, script: str, *args: str, url: str) -> str:
    done = subprocess.run(
        [*command(language, script), *args],
        env={**os.environ, "RABBITMQ_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("language", ["python", "node"])
def test_the_producer_publishes_a_job_that_is_sent_and_the_consumer_reads_its_event(
    language: str, make_harness: MakeHarness, smtp_server: StartServer, rabbitmq_url: str
) -> None:
    server = smtp_server()
    harness = make_harness(server.port)

    job_id = run(
        language,
        "producer",
        "--tenant",
        TENANT,
        "--user",
        USER,
        "--to",
        "juri@example.ee",
        url=rabbitmq_url,
    ).strip()
    harness.run_until(lambda: harness.statuses().get(job_id) == "sent")
    assert server.accepted() == 1

    lines = run(language, "consumer", "--count", "1", "--timeout", "30", url=rabbitmq_url)
    (event,) = [json.loads(line) for line in lines.splitlines()]
    assert (event["type"], event["job_id"], event["tenant"]) == ("mail.sent", job_id, TENANT)
    assert event["data"]["status"] == "sent"
    assert harness.queue_depth("mail.events") == 0  # read and acknowledged


@pytest.mark.parametrize("language", ["python", "node"])
def test_the_producer_refuses_a_job_the_schema_refuses(language: str, rabbitmq_url: str) -> None:
    done = subprocess.run(
        [*command(language, "producer"), "--to", "not an address"],
        env={**os.environ, "RABBITMQ_URL": rabbitmq_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "the job is not valid" in done.stderr
    assert "/to/0: " in done.stderr
