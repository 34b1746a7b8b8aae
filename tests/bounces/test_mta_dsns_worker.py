"""The bounce worker on the DSNs real MTAs wrote (``tests/dsn/mta``, ``python -m bench.mta
generate``): every one delivered into a Maildir the test writes, the worker run once, and the
Event rows checked against each case: its job (from the VERP address, signed with the
harness' key), its recipient, and, for the seen split, its cause. Both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from bench.mta.cases import PENDING, by_name, held_reasons
from bench.mta.generate import EXPECTED_FILE, VERP_KEY
from schemas.tables import Event, MailMessage, MailStatus, RawBounce
from tests.bounces.test_pipeline import SETTINGS, add_job
from tests.bounces.test_worker_maildir import files, make_maildir
from workers.bounces.maildir import MaildirSource
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.worker import BounceWorker
from workers.store.engine import session_scope

DSN_DIR = Path(__file__).resolve().parents[1] / "dsn"
SEEN, UNSEEN = DSN_DIR / "mta", DSN_DIR / "mta-unseen"


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / EXPECTED_FILE).read_text().splitlines()]


def _add_jobs(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Each case's job as the sender records it: sent to the case's recipient, its digest
    kept under the key that signed the VERP addresses."""
    for job_id, case in sorted({row["job_id"]: row["case"] for row in rows}.items()):
        add_job(engine, "shop", to=[by_name(case).recipient], job_id=job_id, key=VERP_KEY)


def test_the_worker_records_each_real_mta_dsn_with_its_cases_job_and_cause(
    engine: Engine, tmp_path: Path
) -> None:
    seen, unseen = _rows(SEEN), _rows(UNSEEN)
    by_file = {row["file"]: (SEEN, row) for row in seen} | {
        row["file"]: (UNSEEN, row) for row in unseen
    }
    assert len(by_file) == len(seen) + len(unseen)
    _add_jobs(engine, seen + unseen)
    root = make_maildir(
        tmp_path / "Maildir",
        {name: (where / name).read_bytes() for name, (where, _) in by_file.items()},
    )
    worker = BounceWorker(
        MaildirSource(root),
        BouncePipeline(engine, SETTINGS, VERP_KEY.decode()),
        engine,
        None,
        poll_seconds=1,
        max_message_bytes=SETTINGS.max_message_bytes,
    )
    summary = worker.run(once=True)

    assert summary.seen == summary.bounces == len(by_file)
    assert (summary.duplicates, summary.failed) == (0, 0)
    assert files(root / "new") == [] and len(files(root / "cur")) == len(by_file)
    with session_scope(engine) as session:
        raws = {raw.id: raw.content for raw in session.exec(select(RawBounce))}
        recorded = list(session.exec(select(Event)))
    by_content = {(where / name).read_bytes(): name for name, (where, _) in by_file.items()}
    found: dict[str, list[Event]] = {}
    for event in recorded:
        assert event.raw_bounce_id is not None
        found.setdefault(by_content[raws[event.raw_bounce_id]], []).append(event)
    assert sorted(found) == sorted(by_file)
    for name, (where, row) in by_file.items():
        case = by_name(row["case"])
        [event] = found[name]
        assert (event.job_id, event.tenant, event.verified) == (row["job_id"], "shop", True), name
        assert event.recipient == case.recipient, name
        # The unseen split's causes are measured, never held; nor those of the last round
        # read whose rules are pending (held by test_mta_dsns). A documented two-way case
        # gives one of its two readings.
        if where is SEEN and name not in PENDING:
            assert event.reason in held_reasons(case, row["mta"]), name
    with session_scope(engine) as session:
        jobs = {job.job_id: job.status for job in session.exec(select(MailMessage))}
    assert set(jobs) == {row["job_id"] for _, row in by_file.values()}
    assert MailStatus.SENT not in jobs.values()
