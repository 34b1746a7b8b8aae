"""Counting what a run did, and showing it as a table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.table import Table

from workers.bounces.disposition import MailKind
from workers.bounces.pipeline import Handled
from workers.terminal import cell


@dataclass
class Summary:
    seen: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    suppressed: int = 0
    published: int = 0
    failed: int = 0
    dropped_recipients: int = 0

    def add(self, handled: Handled) -> None:
        self.seen += 1
        self.by_kind[handled.kind.value] += 1
        if handled.duplicate:
            self.duplicates += 1
        self.reasons.update(handled.reasons)
        self.suppressed += len(handled.suppressed)
        self.dropped_recipients += handled.dropped_recipients

    @property
    def bounces(self) -> int:
        return self.by_kind[MailKind.BOUNCE.value]

    def as_json(self, source: str | None = None) -> dict[str, object]:
        """The same counts as the table, for `worker bounces --once --json`."""
        return {
            "source": source,
            "mails": self.seen,
            "by_kind": {kind.value: self.by_kind[kind.value] for kind in MailKind},
            "already_recorded": self.duplicates,
            "left_after_error": self.failed,
            "events_written": sum(self.reasons.values()),
            "recipients_past_limit": self.dropped_recipients,
            "suppressed": self.suppressed,
            "events_published": self.published,
            "reasons": dict(sorted(self.reasons.items())),
        }

    def table(self, source: str | None = None) -> Table:
        """The summary table; ``source`` (the mailbox read) goes under it."""
        table = Table(title="bounce worker: summary", caption=cell(source) if source else None)
        table.add_column("what")
        table.add_column("count", justify="right")
        rows = [
            ("mails handled", self.seen),
            ("  bounces (Processed)", self.by_kind[MailKind.BOUNCE.value]),
            ("  complaints (Processed)", self.by_kind[MailKind.COMPLAINT.value]),
            ("  auto-replies (NotBounces)", self.by_kind[MailKind.AUTOREPLY.value]),
            ("  unparsed (Unparsed)", self.by_kind[MailKind.UNPARSED.value]),
            ("  not bounces (NotBounces)", self.by_kind[MailKind.NOT_BOUNCE.value]),
            ("  already recorded (moved only)", self.duplicates),
            ("  left in place after an error", self.failed),
            ("events written", sum(self.reasons.values())),
            ("  recipients past the report limit (no Event)", self.dropped_recipients),
            ("addresses suppressed", self.suppressed),
            ("events published", self.published),
        ]
        for name, count in rows:
            table.add_row(name, str(count))
        if self.reasons:
            table.add_section()
            for reason, count in sorted(self.reasons.items(), key=lambda item: (-item[1], item[0])):
                table.add_row(f"reason: {reason}", str(count))
        return table
