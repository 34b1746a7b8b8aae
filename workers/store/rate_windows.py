"""Rate-limit windows: what one sending account has sent lately, and whether one more mail
fits (pure: :mod:`workers.store.rate_limits` keeps it in the database for every process).

A limit is a :class:`Rule`: at most ``limit`` messages (or recipients) in any ``window``
seconds. The window slides, as providers count ("a day" is a rolling 24 hours). Sends are
counted in buckets of a 60th of each window, so what is kept stays small at any rate; a
bucket counts whole while any part of it is inside the window, so the count can only be
high (a mail waits at most a bucket longer than it had to), never low.

A send is first *pending*: admitted and not yet over, it counts in every window from the
moment it is admitted. When it ends it is *settled* into the buckets of the time it ended
(by which the server has seen it). A pending send whose process died before settling it
counts as if it ended ``hold`` seconds after it was admitted (the sending lease: no attempt
lasts longer), so a crash keeps a slot taken for a while and never hands one out twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

BUCKETS = 60  # per window


class Unit(StrEnum):
    MESSAGES = "messages"
    RECIPIENTS = "recipients"


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` of ``unit`` in any ``window`` seconds."""

    window: float
    limit: int
    unit: Unit = Unit.MESSAGES

    def amount(self, recipients: int) -> int:
        """What one message to ``recipients`` recipients counts under this rule."""
        return recipients if self.unit == Unit.RECIPIENTS else 1


@dataclass(frozen=True)
class Pending:
    at: float  # when it was admitted
    recipients: int
    windows: tuple[float, ...]  # the windows it is counted in once settled


def _width(window: float) -> float:
    return window / BUCKETS


def _bucket(window: float, moment: float) -> int:
    return math.floor(moment / _width(window))


def _bucket_end(window: float, number: int) -> float:
    return (number + 1) * _width(window)


@dataclass
class Usage:
    """One account's recent sends: window length -> bucket number -> [messages, recipients],
    and the pending sends by token."""

    buckets: dict[float, dict[int, list[int]]] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)

    # -- the window arithmetic -------------------------------------------------------------

    def admit(
        self, rules: Iterable[Rule], now: float, recipients: int, token: str, hold: float
    ) -> float:
        """Whether a message to ``recipients`` recipients may go at ``now``: 0.0, and it is
        counted as pending under ``token``; else the seconds until it would fit (nothing is
        counted), ``math.inf`` when it never can (it alone is over a limit)."""
        rules = tuple(rules)
        self.tidy(now, hold)
        wait = 0.0
        for rule in rules:
            need = rule.amount(recipients)
            if need > rule.limit:
                return math.inf
            wait = max(wait, self._wait(rule, now, need))
        if wait > 0:
            return wait
        windows = tuple(sorted({rule.window for rule in rules}))
        self.pending[token] = Pending(now, recipients, windows)
        return 0.0

    def settle(self, token: str, now: float) -> None:
        """The send admitted under ``token`` has ended by ``now``."""
        pending = self.pending.pop(token, None)
        if pending is not None:
            self._count(pending, now)

    def tidy(self, now: float, hold: float) -> None:
        """Settle the pending sends older than ``hold`` as ended then; forget the buckets
        that no window reaches any more."""
        for token, pending in list(self.pending.items()):
            if pending.at + hold <= now:
                del self.pending[token]
                self._count(pending, pending.at + hold)
        for window, buckets in list(self.buckets.items()):
            oldest = _bucket(window, now - window)
            for number in [n for n in buckets if n < oldest]:
                del buckets[number]
            if not buckets:
                del self.buckets[window]

    def used(self, rule: Rule, now: float) -> int:
        """What counts against ``rule`` at ``now``: the buckets a window ending at or after
        ``now`` may reach, and every pending send."""
        return sum(amount for _, amount in self._counted(rule, now)) + sum(
            rule.amount(p.recipients) for p in self.pending.values()
        )

    def _counted(self, rule: Rule, now: float) -> list[tuple[int, int]]:
        """(bucket, amount) of the buckets that still count at ``now``, oldest first."""
        buckets = self.buckets.get(rule.window, {})
        index = 1 if rule.unit == Unit.RECIPIENTS else 0
        return sorted(
            (number, counts[index])
            for number, counts in buckets.items()
            if _bucket_end(rule.window, number) > now - rule.window
        )

    def _wait(self, rule: Rule, now: float, need: int) -> float:
        over = self.used(rule, now) + need - rule.limit
        if over <= 0:
            return 0.0
        for number, amount in self._counted(rule, now):
            over -= amount
            if over <= 0:
                return _bucket_end(rule.window, number) + rule.window - now
        # only the pending sends are left to free: they are counted from when they end,
        # which is not known; guess now (the next look tells again)
        return _bucket_end(rule.window, _bucket(rule.window, now)) + rule.window - now

    def _count(self, pending: Pending, moment: float) -> None:
        for window in pending.windows:
            counts = self.buckets.setdefault(window, {}).setdefault(_bucket(window, moment), [0, 0])
            counts[0] += 1
            counts[1] += pending.recipients

    # -- stored form ---------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "w": {
                    repr(window): {str(number): counts for number, counts in buckets.items()}
                    for window, buckets in self.buckets.items()
                },
                "p": {
                    token: [p.at, p.recipients, list(p.windows)]
                    for token, p in self.pending.items()
                },
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Usage:
        """The usage stored as ``text``; an empty or unreadable one reads as nothing sent
        (the row is erpmail's own: only a hand edit could spoil it)."""
        try:
            data: Any = json.loads(text or "{}")
            return cls(
                buckets={
                    float(window): {int(n): [int(c[0]), int(c[1])] for n, c in buckets.items()}
                    for window, buckets in data.get("w", {}).items()
                },
                pending={
                    token: Pending(float(p[0]), int(p[1]), tuple(float(w) for w in p[2]))
                    for token, p in data.get("p", {}).items()
                },
            )
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return cls()
