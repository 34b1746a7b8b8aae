"""``python -m bench.sender_cpu --part store``: the job store's CPU per mail, measured on
rounds whose jobs are really claimed, held and recorded sent."""

from __future__ import annotations

from typing import Any

import pytest

from bench import sender_cpu
from schemas.tables import MailStatus
from workers.sender import job_store


def test_the_store_part_claims_holds_and_records_every_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held: list[str] = []
    recorded: list[MailStatus] = []
    hold_jobs, record_outcomes = job_store.hold_jobs, job_store.record_outcomes

    def holding(session: Any, holds: list[job_store.Hold]) -> Any:
        marks = hold_jobs(session, holds)
        held.extend(mark.job_id for mark in marks if mark is not None)
        return marks

    def recording(session: Any, outcomes: list[job_store.JobOutcome]) -> Any:
        recorded.extend(outcome.status for outcome in outcomes)
        return record_outcomes(session, outcomes)

    monkeypatch.setattr(job_store, "hold_jobs", holding)
    monkeypatch.setattr(job_store, "record_outcomes", recording)
    assert sender_cpu.store_cpu(10, batch=4) > 0
    assert len(set(held)) == 10
    assert recorded == [MailStatus.SENT] * 10
