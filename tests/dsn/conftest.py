"""Shared fixtures: the bounce corpus (beside the repository, or $ERPMAIL_BOUNCE_CORPUS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dsn.corpus import FOLDERS, default_corpora, default_corpus, mail_files


@pytest.fixture(scope="session")
def corpus() -> Path:
    directory = default_corpus()
    if not (directory / "expected.jsonl").is_file():
        pytest.skip(f"bounce corpus not found at {directory}")
    return directory


@pytest.fixture(scope="session")
def corpus_mails(corpus: Path) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in mail_files(corpus)]


@pytest.fixture(scope="session")
def corpora(corpus: Path) -> list[Path]:
    """The scored folders: ``dev/`` and ``dev-more/`` (or ``$ERPMAIL_BOUNCE_CORPUS`` alone)."""
    folders = default_corpora()
    if len(folders) < len(FOLDERS) and corpus.name == FOLDERS[0]:
        pytest.skip(f"bounce corpus folder {FOLDERS[1]}/ not found beside {corpus}")
    return folders
