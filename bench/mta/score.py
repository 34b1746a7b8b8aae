"""How the parser does on the DSNs real MTAs wrote: the cause against the case's, and
whether the job is named, per split and MTA."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.mta.cases import accepted_reasons, by_name, expected_reason
from bench.mta.generate import EXPECTED_FILE
from workers.dsn import parse_bounce


@dataclass
class MtaScore:
    dsns: int = 0
    reasons: int = 0
    # The case's cause or another reading its author allowed before the first score
    # (``Case.also``): shown beside ``reasons``, which alone is held to the target.
    either: int = 0
    jobs: int = 0
    misses: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "dsns": self.dsns,
            "reason": round(self.reasons / self.dsns, 4) if self.dsns else None,
            "reason_or_also": round(self.either / self.dsns, 4) if self.dsns else None,
            "job_named": round(self.jobs / self.dsns, 4) if self.dsns else None,
            "misses": self.misses,
        }


def score_fixtures(directory: Path) -> dict[str, MtaScore]:
    """``{mta: score}`` and ``{"all": score}`` over ``directory/expected.jsonl``."""
    scores: dict[str, MtaScore] = {"all": MtaScore()}
    for line in (directory / EXPECTED_FILE).read_text().splitlines():
        row = json.loads(line)
        case = by_name(row["case"])
        want = expected_reason(case, row["mta"]).value
        allowed = [reason.value for reason in accepted_reasons(case, row["mta"])]
        report = parse_bounce((directory / row["file"]).read_bytes())
        got = [r.reason.value for r in report.recipients] if report.is_bounce else []
        for name in (row["mta"], "all"):
            score = scores.setdefault(name, MtaScore())
            score.dsns += 1
            score.reasons += got == [want]
            score.either += len(got) == 1 and got[0] in allowed
            score.jobs += report.job_id == row["job_id"]
        if got != [want]:
            scores["all"].misses.append(
                f"{row['file']}: expected {want}, got {', '.join(got) or '-'}"
            )
    return scores
