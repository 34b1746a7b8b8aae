"""Job status after a bounce, and when an address is suppressed (pure rules)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from schemas.tables import MailStatus
from workers.bounces.policy import (
    Effect,
    effect_of,
    immediate_suppression,
    keeps_existing,
    next_status,
    soft_suppression,
)
from workers.dsn import BounceType, Reason
from workers.settings import BounceSettings

NOW = datetime(2026, 11, 25, 12, 0)
SETTINGS = BounceSettings(
    soft_bounce_limit=5,
    soft_bounce_window_days=91,
    soft_bounce_min_spread_days=7,
    soft_suppression_days=30,
    hard_suppression_days=0,
)


@pytest.mark.parametrize(
    ("reason", "bounce_type", "outcome"),
    [
        ("userunknown", "hard", Effect.HARD),
        ("mailboxfull", "soft", Effect.SOFT),
        ("delivered", "undetermined", Effect.DELIVERED),
        ("feedback", "undetermined", Effect.COMPLAINT),
        ("vacation", "soft", Effect.NONE),
        ("undefined", "undetermined", Effect.NONE),
    ],
)
def test_outcome_of_an_event(reason: str, bounce_type: str, outcome: Effect) -> None:
    assert effect_of(Reason(reason), BounceType(bounce_type)) is outcome


@pytest.mark.parametrize(
    ("current", "outcome", "expected"),
    [
        (MailStatus.SENT, Effect.HARD, MailStatus.BOUNCED),
        (MailStatus.SENT, Effect.SOFT, MailStatus.SOFT_BOUNCED),
        (MailStatus.SENT, Effect.DELIVERED, MailStatus.DELIVERED),
        (MailStatus.SOFT_BOUNCED, Effect.DELIVERED, MailStatus.DELIVERED),
        (MailStatus.SOFT_BOUNCED, Effect.HARD, MailStatus.BOUNCED),
        (MailStatus.DELIVERED, Effect.SOFT, MailStatus.DELIVERED),
        (MailStatus.BOUNCED, Effect.DELIVERED, MailStatus.BOUNCED),
        (MailStatus.BOUNCED, Effect.SOFT, MailStatus.BOUNCED),
        (MailStatus.SENT, Effect.COMPLAINT, MailStatus.SENT),
        (MailStatus.SENT, Effect.NONE, MailStatus.SENT),
    ],
)
def test_job_status_after_a_report(
    current: MailStatus, outcome: Effect, expected: MailStatus
) -> None:
    assert next_status(current, outcome) is expected


def test_a_hard_bounce_suppresses_for_good_by_default_and_for_n_days_when_set() -> None:
    forever = immediate_suppression(Effect.HARD, SETTINGS, NOW)
    assert forever is not None and forever.expires_at is None
    limited = BounceSettings(hard_suppression_days=30)
    thirty = immediate_suppression(Effect.HARD, limited, NOW)
    assert thirty is not None and thirty.expires_at == NOW + timedelta(days=30)


def test_a_complaint_suppresses_and_a_soft_bounce_alone_does_not() -> None:
    assert immediate_suppression(Effect.COMPLAINT, SETTINGS, NOW) is not None
    assert immediate_suppression(Effect.SOFT, SETTINGS, NOW) is None
    assert immediate_suppression(Effect.DELIVERED, SETTINGS, NOW) is None


def days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


def test_five_soft_bounces_over_more_than_a_week_suppress_for_thirty_days() -> None:
    decision = soft_suppression(days_ago(0, 2, 4, 6, 8), SETTINGS, NOW)
    assert decision is not None
    assert decision.expires_at == NOW + timedelta(days=30)
    assert "5 soft bounces in 8 days" in decision.detail


def test_four_soft_bounces_are_not_enough() -> None:
    assert soft_suppression(days_ago(0, 2, 4, 8), SETTINGS, NOW) is None


def test_five_soft_bounces_within_one_day_are_not_spread_enough() -> None:
    assert soft_suppression(days_ago(0, 0.1, 0.2, 0.3, 0.9), SETTINGS, NOW) is None


def test_soft_bounces_older_than_the_window_do_not_count() -> None:
    assert soft_suppression(days_ago(0, 2, 4, 100, 120), SETTINGS, NOW) is None


def test_a_shorter_suppression_never_replaces_a_longer_one() -> None:
    assert keeps_existing(None, NOW + timedelta(days=30))
    assert keeps_existing(NOW + timedelta(days=60), NOW + timedelta(days=30))
    assert not keeps_existing(NOW + timedelta(days=10), NOW + timedelta(days=30))
    assert not keeps_existing(NOW + timedelta(days=10), None)
