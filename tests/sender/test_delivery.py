"""The attempt history carried in erpmail's own headers."""

from __future__ import annotations

from datetime import UTC, datetime

from workers.broker import names
from workers.broker.publisher import job_properties
from workers.sender.delivery import failed_properties, read_delivery

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_new_job_is_attempt_one() -> None:
    info = read_delivery(None)
    assert (info.previous_attempts, info.attempt, info.first_failure, info.replayed) == (
        0,
        1,
        None,
        0,
    )


def test_garbled_headers_count_as_a_new_job() -> None:
    info = read_delivery({names.HEADER_ATTEMPT: "many", names.HEADER_FIRST_FAILURE: b"yesterday"})
    assert (info.attempt, info.first_failure) == (1, None)


def test_the_history_survives_a_round_trip_and_x_death_is_dropped() -> None:
    original = job_properties("job-1", {"x-death": [{"count": 3}], "x-producer": "invoicing"})
    copy = failed_properties(
        original,
        attempts=2,
        first_failure=NOW,
        now=NOW,
        error_class="deferred",
        error_text="451 later",
        worker="w1",
        expiration_ms=24000,
    )
    assert copy.message_id == "job-1"
    assert copy.delivery_mode == 2
    assert copy.expiration == "24000"
    assert "x-death" not in copy.headers
    assert copy.headers["x-producer"] == "invoicing"
    info = read_delivery(copy.headers)
    assert (info.previous_attempts, info.attempt, info.first_failure) == (2, 3, NOW)
    assert copy.headers[names.HEADER_ERROR_CLASS] == "deferred"
    assert copy.headers[names.HEADER_WORKER] == "w1"


def test_a_replayed_job_starts_afresh_and_counts_its_replays() -> None:
    replayed = read_delivery(
        {names.HEADER_REPLAYED: 2, names.HEADER_FIRST_FAILURE: "2026-01-01T00:00:00+00:00"}
    )
    assert (replayed.replayed, replayed.attempt, replayed.first_failure) == (2, 1, None)
    retried_after_replay = read_delivery(
        {
            names.HEADER_REPLAYED: 2,
            names.HEADER_ATTEMPT: 1,
            names.HEADER_FIRST_FAILURE: NOW.isoformat(),
        }
    )
    assert (retried_after_replay.attempt, retried_after_replay.first_failure) == (2, NOW)
