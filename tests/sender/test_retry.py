"""The retry policy: the ladder, jitter, and when to give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workers.sender.retry import GiveUp, Retry, RetryPolicy
from workers.settings import load_settings
from workers.smtp.failures import ErrorClass, Failure, Kind

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRANSIENT = Failure(Kind.TRANSIENT, ErrorClass.DEFERRED, "451 try later")
PERMANENT = Failure(Kind.PERMANENT, ErrorClass.REJECTED, "554 no")
POLICY = RetryPolicy(ladder=(30, 120, 600), max_attempts=5, max_age=timedelta(days=1), jitter=0.2)


def test_the_ladder_is_climbed_and_its_last_step_repeats() -> None:
    steps = [POLICY.decide(TRANSIENT, n, NOW, NOW, rand=0.0) for n in (1, 2, 3, 4)]
    assert steps == [Retry(30, 30000), Retry(120, 120000), Retry(600, 600000), Retry(600, 600000)]
    assert Retry(30, 30000).routing_key == "30"


def test_jitter_only_shortens_the_wait_within_its_fraction() -> None:
    shortest = POLICY.decide(TRANSIENT, 1, NOW, NOW, rand=1.0)
    assert shortest == Retry(30, 24000)
    for rand in (0.0, 0.3, 0.99):
        retry = POLICY.decide(TRANSIENT, 2, NOW, NOW, rand=rand)
        assert isinstance(retry, Retry)
        assert 96000 <= retry.expiration_ms <= 120000


def test_a_permanent_failure_is_given_up_at_once() -> None:
    decision = POLICY.decide(PERMANENT, 1, NOW, NOW)
    assert isinstance(decision, GiveUp)
    assert "554 no" in decision.reason


def test_attempts_run_out() -> None:
    assert isinstance(POLICY.decide(TRANSIENT, 4, NOW, NOW), Retry)
    decision = POLICY.decide(TRANSIENT, 5, NOW, NOW)
    assert isinstance(decision, GiveUp)
    assert "after 5 attempts" in decision.reason


def test_a_job_failing_for_too_long_is_given_up() -> None:
    decision = POLICY.decide(TRANSIENT, 2, NOW - timedelta(days=1, seconds=1), NOW)
    assert isinstance(decision, GiveUp)


def test_the_policy_comes_from_the_settings() -> None:
    settings = load_settings(
        {"ERPMAIL_RETRY_LADDER": "5,50", "ERPMAIL_MAX_ATTEMPTS": "3", "ERPMAIL_RETRY_MAX_AGE": "60"}
    )
    policy = RetryPolicy.from_settings(settings)
    assert (policy.ladder, policy.max_attempts, policy.max_age) == (
        (5, 50),
        3,
        timedelta(60 / 86400),
    )


def test_a_rate_limit_deferral_picks_a_step_long_enough() -> None:
    assert POLICY.shortest_step_at_least(45) == 120
    assert POLICY.shortest_step_at_least(5000) == 600
