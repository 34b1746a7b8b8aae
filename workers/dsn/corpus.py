"""Where the bounce corpus is, and its expected answers."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_ENV = "ERPMAIL_BOUNCE_CORPUS"
EXPECTED_FILE = "expected.jsonl"


def default_corpus() -> Path:
    """``$ERPMAIL_BOUNCE_CORPUS``, else ``shared/corpus/bounces/dev`` beside the repository."""
    configured = os.environ.get(CORPUS_ENV)
    if configured:
        return Path(configured)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "corpus" / "bounces" / "dev"


@dataclass(frozen=True)
class Expected:
    file: str
    engine: str
    recipients: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def load_expected(directory: Path) -> list[Expected]:
    rows: list[Expected] = []
    with (directory / EXPECTED_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows.append(
                    Expected(row["file"], row.get("engine", ""), tuple(row.get("recipients", [])))
                )
    return rows


def mail_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".eml" and p.is_file())
