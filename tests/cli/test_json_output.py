"""`--json` on the commands that report what they did: one JSON object a script can read,
with the same counts the text gives."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from click.testing import CliRunner
from pika.adapters.blocking_connection import BlockingChannel

from tests.dsn.mails import dsn
from tests.jobs import make_job
from workers.broker.topology import build_topology
from workers.cli.main import cli
from workers.settings import load_settings
from workers.store import migrate


def test_topology_declare_json_counts_what_it_declared(erpmail_env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["topology", "declare", "--json"])
    assert result.exit_code == 0, result.output
    settings = load_settings()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    assert json.loads(result.stdout) == {
        "declared": {
            "exchanges": len(spec.exchanges),
            "queues": len(spec.queues),
            "bindings": len(spec.bindings),
        },
        "recreated": [],  # every queue already had its arguments
    }


def test_topology_show_json_is_one_binding_a_line(erpmail_env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["topology", "show", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    settings = load_settings()
    spec = build_topology(settings.retry_ladder, settings.send_shards)
    assert len(rows) == len(spec.bindings)
    assert {row["queue"] for row in rows} == {binding.queue for binding in spec.bindings}
    assert all(isinstance(row["arguments"], dict) for row in rows)


def test_worker_bounces_once_json_is_the_summary(
    erpmail_env: dict[str, str], tmp_path: Path
) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    maildir = tmp_path / f"box-{uuid.uuid4().hex[:4]}"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.eml").write_bytes(
        dsn([("mari@example.ee", "5.1.1", "550 5.1.1 no such user")])
    )
    (maildir / "new" / "2.eml").write_bytes(b"From: a@example.ee\r\nSubject: hi\r\n\r\nhello\r\n")
    result = CliRunner().invoke(
        cli, ["worker", "bounces", "--once", "--no-publish", "--maildir", str(maildir), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["mails"] == 2
    assert summary["by_kind"]["bounce"] == 1
    assert summary["by_kind"]["not_bounce"] == 1
    assert summary["events_written"] == 1
    assert summary["reasons"] == {"userunknown": 1}
    assert summary["source"] and str(maildir.name) in summary["source"]


def test_worker_bounces_json_needs_once(erpmail_env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["worker", "bounces", "--maildir", str(tmp_path), "--json"])
    assert result.exit_code == 2 and "--json goes with --once" in result.output


def test_enqueue_json_lists_published_and_refused(
    broker: BlockingChannel, erpmail_env: dict[str, str]
) -> None:
    good = make_job()
    bad = make_job(to=["victim@example.ee\r\nBcc: all@example.ee"])
    lines = [json.dumps(good), json.dumps(bad), "{broken"]
    result = CliRunner().invoke(cli, ["enqueue", "-", "--json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["published"] == [good["job_id"]]
    assert [(r["where"], r["job_id"]) for r in report["refused"]] == [
        ("line 2", bad["job_id"]),
        ("line 3", None),
    ]
    [problem] = report["refused"][0]["problems"]
    assert problem.startswith("to[0]: contains a line break")
