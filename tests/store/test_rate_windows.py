"""The window arithmetic of the shared rate limits: sliding windows counted in buckets,
pending sends, a crashed sender's slot, the wait until a mail fits."""

from __future__ import annotations

import math

from schemas.values import TlsMode
from workers.config.resolved import RateLimit
from workers.sender.ratelimit import DAY, MINUTE, account_of, rules_for
from workers.smtp.endpoint import SmtpEndpoint
from workers.store.rate_windows import BUCKETS, Rule, Unit, Usage

HOLD = 120.0
PER_MINUTE_3 = (Rule(60.0, 3),)


def send(
    usage: Usage, rules: tuple[Rule, ...], at: float, token: str, recipients: int = 1
) -> float:
    """Admit a mail at ``at`` and, when admitted, settle it at once (a fast send)."""
    wait = usage.admit(rules, at, recipients, token, HOLD)
    if wait == 0:
        usage.settle(token, at)
    return wait


def test_a_window_admits_its_limit_then_says_how_long_to_wait() -> None:
    usage = Usage()
    assert [send(usage, PER_MINUTE_3, 1000.0 + n, f"t{n}") for n in range(3)] == [0, 0, 0]
    # the first send (at 1000 s, bucket [1000, 1001)) leaves the window a minute after its
    # bucket ends
    assert send(usage, PER_MINUTE_3, 1010.0, "t3") == 1001.0 + 60.0 - 1010.0
    assert usage.used(PER_MINUTE_3[0], 1010.0) == 3  # a refused mail counts nothing
    assert send(usage, PER_MINUTE_3, 1061.0, "t4") == 0


def test_the_window_slides_rather_than_resetting_on_the_minute() -> None:
    usage = Usage()
    for n, at in enumerate((59.5, 59.6, 59.7)):  # the end of one clock minute
        assert send(usage, PER_MINUTE_3, at, f"a{n}") == 0
    # the next clock minute has begun, the last 60 seconds still hold three sends
    assert send(usage, PER_MINUTE_3, 60.5, "b") > 0
    assert send(usage, PER_MINUTE_3, 100.0, "c") > 0
    assert send(usage, PER_MINUTE_3, 120.0, "d") == 0  # bucket [59, 60) + 60 s has passed


def test_any_sixty_seconds_hold_at_most_the_limit() -> None:
    """Whatever the arrival times, the admitted sends never exceed the limit in any window
    (checked against every window that starts at a send)."""
    usage = Usage()
    admitted: list[float] = []
    at = 0.0
    for n in range(400):
        at += (n * 7919 % 13) / 10  # irregular gaps from 0 to 1.2 s
        if send(usage, PER_MINUTE_3, at, f"t{n}") == 0:
            admitted.append(at)
    assert len(admitted) > 3 * (at // 61)  # it did admit: not a limiter that refuses all
    for start in admitted:
        assert sum(1 for t in admitted if start <= t < start + 60.0) <= 3


def test_a_bucket_counts_whole_so_a_mail_waits_at_most_a_bucket_longer() -> None:
    usage = Usage()
    width = 60.0 / BUCKETS
    assert send(usage, (Rule(60.0, 1),), 10.0 + width * 0.9, "a") == 0
    wait = send(usage, (Rule(60.0, 1),), 20.0, "b")
    assert 60.0 + width * 0.9 - 10.0 < 20.0 + wait <= 10.0 + width + 60.0


def test_pending_sends_count_until_settled_then_from_when_they_ended() -> None:
    usage = Usage()
    rules = (Rule(60.0, 2),)
    assert usage.admit(rules, 0.0, 1, "a", HOLD) == 0
    assert usage.admit(rules, 0.0, 1, "b", HOLD) == 0
    assert usage.admit(rules, 1.0, 1, "c", HOLD) > 0  # two in flight: the limit is reached
    usage.settle("a", 30.0)  # a slow send: it reached the server by 30 s
    usage.settle("b", 0.5)
    assert usage.admit(rules, 61.0, 1, "d", HOLD) == 0  # "b" has left the window
    assert usage.admit(rules, 62.0, 1, "e", HOLD) > 0  # "a" ended at 30 s: it still counts
    usage.settle("d", 62.0)
    assert usage.admit(rules, 91.0, 1, "e", HOLD) == 0
    usage.settle("unknown", 91.0)  # a settle for a slot already expired changes nothing
    assert usage.used(rules[0], 91.0) == 2


def test_a_sender_that_died_before_settling_keeps_the_slot_for_its_lease() -> None:
    usage = Usage()
    rules = (Rule(60.0, 1),)
    assert usage.admit(rules, 0.0, 1, "crashed", HOLD) == 0  # never settled
    assert usage.admit(rules, 100.0, 1, "a", HOLD) > 0  # may still be sending
    # counted as ended at 120 s (the lease): waits for that bucket plus a minute
    assert usage.admit(rules, 150.0, 1, "b", HOLD) == 120.0 + 1.0 + 60.0 - 150.0
    assert not usage.pending
    assert usage.admit(rules, 181.0, 1, "c", HOLD) == 0


def test_recipients_are_counted_per_message_and_a_job_over_the_limit_never_fits() -> None:
    usage = Usage()
    rules = (Rule(DAY, 10, Unit.RECIPIENTS), Rule(DAY, 100))
    assert send(usage, rules, 0.0, "a", recipients=6) == 0
    assert send(usage, rules, 10.0, "b", recipients=5) > 0  # 11 recipients in a day
    assert send(usage, rules, 10.0, "c", recipients=4) == 0
    assert usage.used(rules[1], 10.0) == 2  # the messages' own count
    assert send(usage, rules, 20.0, "d", recipients=11) == math.inf


def test_the_longest_wait_of_several_rules_applies() -> None:
    usage = Usage()
    rules = (Rule(60.0, 10), Rule(5.0, 1))  # and one per 5 s
    assert send(usage, rules, 0.0, "a") == 0
    wait = send(usage, rules, 1.0, "b")
    assert 4.0 < wait <= 4.0 + 5.0 / BUCKETS


def test_old_buckets_are_forgotten_and_the_stored_form_round_trips() -> None:
    usage = Usage()
    rules = (Rule(60.0, 100), Rule(DAY, 1000, Unit.RECIPIENTS))
    for n in range(50):
        send(usage, rules, n * 3.0, f"t{n}", recipients=2)
    usage.admit(rules, 200.0, 3, "pending", HOLD)
    usage.tidy(200.0, HOLD)
    assert all(n * 1.0 > 200.0 - 61.0 for n in usage.buckets[60.0])
    assert len(usage.buckets[60.0]) <= BUCKETS + 1
    again = Usage.from_json(usage.to_json())
    assert again == usage
    assert again.used(rules[1], 200.0) == 103
    assert Usage.from_json(None) == Usage() == Usage.from_json("{}")


def test_a_configuration_s_limits_become_rules_and_scale_only_shortens_them() -> None:
    office = RateLimit(per_minute=30, recipients_per_day=10000)
    assert rules_for(office) == (Rule(MINUTE, 30), Rule(DAY, 10000, Unit.RECIPIENTS))
    assert rules_for(office, 0.1) == (Rule(6.0, 30), Rule(8640.0, 10000, Unit.RECIPIENTS))
    assert rules_for(RateLimit(per_day=2000, min_interval_seconds=5.0)) == (
        Rule(DAY, 2000),
        Rule(5.0, 1),
    )
    assert rules_for(RateLimit()) == ()


def test_an_account_is_the_login_on_the_server_whatever_the_port() -> None:
    one = SmtpEndpoint("SMTP.office365.com.", 587, TlsMode.STARTTLS, "Mari@Acme.ee", "secret")
    other = SmtpEndpoint("smtp.office365.com", 25, TlsMode.STARTTLS, "mari@acme.ee", "changed")
    assert account_of(one) == account_of(other) == "mari@acme.ee|smtp.office365.com"
    assert "secret" not in account_of(one)
    assert account_of(SmtpEndpoint("relay.local", 25, TlsMode.NONE)) == "|relay.local"
