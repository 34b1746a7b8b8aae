"""Where the bounce corpus is, and its expected answers."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_ENV = "ERPMAIL_BOUNCE_CORPUS"
EXPECTED_FILE = "expected.jsonl"
# The corpus' folders that carry expected answers: the first one, and the mails added later.
FOLDERS = ("dev", "dev-more")


def corpus_root() -> Path:
    """``shared/corpus/bounces`` beside the repository."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "bounces"


def default_corpus() -> Path:
    """``$ERPMAIL_BOUNCE_CORPUS``, else ``shared/corpus/bounces/dev`` beside the repository."""
    configured = os.environ.get(CORPUS_ENV)
    if configured:
        return Path(configured)
    return corpus_root() / FOLDERS[0]


def default_corpora() -> list[Path]:
    """The folders scored by default: ``$ERPMAIL_BOUNCE_CORPUS`` alone when set, else every
    folder of ``FOLDERS`` that has an ``expected.jsonl``."""
    if os.environ.get(CORPUS_ENV):
        return [default_corpus()]
    return [
        corpus_root() / name for name in FOLDERS if (corpus_root() / name / EXPECTED_FILE).is_file()
    ]


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
