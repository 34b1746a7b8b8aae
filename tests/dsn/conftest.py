"""Shared fixtures: the bounce corpus (beside the repository, or $ERPMAIL_BOUNCE_CORPUS).

Only the accuracy tests read the corpus; a clone without it skips them with one line, except
in CI (``CI=true``), where a missing corpus is a failure: the floors must be checked there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.dsn.corpus import CORPUS_ENV, FOLDERS, default_corpora, default_corpus, mail_files


def _absent(message: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{message}; CI must measure the accuracy floors", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def corpus() -> Path:
    directory = default_corpus()
    if not (directory / "expected.jsonl").is_file():
        _absent(f"bounce corpus not found at {directory} (set {CORPUS_ENV} to its dev folder)")
    return directory


@pytest.fixture(scope="session")
def corpus_mails(corpus: Path) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in mail_files(corpus)]


@pytest.fixture(scope="session")
def corpora(corpus: Path) -> list[Path]:
    """The scored folders: ``dev/`` and ``dev-more/`` (or ``$ERPMAIL_BOUNCE_CORPUS`` alone)."""
    folders = default_corpora()
    if len(folders) < len(FOLDERS) and corpus.name == FOLDERS[0]:
        _absent(f"bounce corpus folder {FOLDERS[1]}/ not found beside {corpus}")
    return folders
