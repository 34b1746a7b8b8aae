"""Leave one family out: each sending-server family (the corpus' ``engine``) scored with the
wording rules it would have had if none had been written against it.

The phrase and pattern tables carry no record of which mail each entry was written for, so
the corpus tells: an entry found in the mails (or their diagnostics) of one family only is
taken as written against that family, and is left out while that family is scored. Entries
that no corpus mail holds (written from documentation) and entries that several families
share stay in every fold. A family that loses much here is described by rules that fit its
own mails more than how servers word the failure.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.dsn.corpus import Expected, load_expected
from bench.dsn.score import Score, compare
from workers.dsn import phrases, reasons
from workers.dsn.accelerator import BUILD_ENV, Build, running_compiled
from workers.dsn.parser import parse_bounce
from workers.dsn.report import Reason


@dataclass
class Fold:
    family: str
    files: int = 0
    recipients: int = 0
    reasons_all: int = 0  # reasons right with every rule
    reasons_left_out: int = 0  # reasons right without the family's own rules
    rules_left_out: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mail:
    expected: Expected
    raw: bytes
    text: str  # what the tables' entries are looked for in


def _mails(directories: list[Path]) -> list[Mail]:
    found = []
    for directory in directories:
        for expected in load_expected(directory):
            raw = (directory / expected.file).read_bytes()
            report = parse_bounce(raw)
            said = " ".join(r.diagnostic for r in report.recipients)
            text = reasons.normalize_text(raw.decode("utf-8", "replace") + " " + said)
            found.append(Mail(expected, raw, text))
    return found


def _owners(mails: list[Mail]) -> dict[str, set[str]]:
    """Each phrase and pattern (by its text) with the families whose mails hold it."""
    owners: dict[str, set[str]] = {}
    for _, words in phrases.PHRASES:
        for phrase in words:
            owners[phrase] = {m.expected.engine for m in mails if phrase in m.text}
    for _, pattern in phrases.PATTERNS:
        compiled = re.compile(pattern)
        owners[pattern] = {m.expected.engine for m in mails if compiled.search(m.text)}
    return owners


@contextmanager
def tables_without(left_out: set[str]) -> Iterator[None]:
    """The classifier with the phrases and patterns of ``left_out`` taken out of its tables
    (its module is built again from them, and again from the full tables afterwards)."""
    full = phrases.PHRASES, phrases.PATTERNS
    kept: tuple[tuple[Reason, tuple[str, ...]], ...] = tuple(
        (reason, tuple(p for p in words if p not in left_out)) for reason, words in full[0]
    )
    phrases.PHRASES = kept
    phrases.PATTERNS = tuple((r, p) for r, p in full[1] if p not in left_out)
    try:
        importlib.reload(reasons)
        yield
    finally:
        phrases.PHRASES, phrases.PATTERNS = full
        importlib.reload(reasons)


def leave_one_family_out(directories: list[Path]) -> list[Fold]:
    """A fold per family, largest first."""
    if running_compiled():
        # The tables are taken out by rebinding module names, which a compiled module does
        # not see: the pure-Python parser measures the folds, in a process of its own.
        return _folds_by_pure_parser(directories)
    mails = _mails(directories)
    owners = _owners(mails)
    families = sorted({m.expected.engine for m in mails})
    folds = []
    for family in families:
        own = [m for m in mails if m.expected.engine == family]
        fold = Fold(family, files=len(own))
        fold.rules_left_out = sorted(e for e, found in owners.items() if found == {family})
        with_all, without = Score(), Score()
        for mail in own:
            compare(with_all, mail.expected, parse_bounce(mail.raw))
        with tables_without(set(fold.rules_left_out)):
            for mail in own:
                compare(without, mail.expected, parse_bounce(mail.raw))
        fold.recipients = with_all.recipients
        fold.reasons_all = with_all.agree["reason"]
        fold.reasons_left_out = without.agree["reason"]
        folds.append(fold)
    folds.sort(key=lambda f: (-f.recipients, f.family))
    return folds


def _folds_by_pure_parser(directories: list[Path]) -> list[Fold]:
    command = [sys.executable, "-c", "from bench.dsn.lofo import folds_child as c; c()"]
    done = subprocess.run(
        [*command, *(str(folder.resolve()) for folder in directories)],
        cwd=Path(__file__).resolve().parents[2],
        env=os.environ | {BUILD_ENV: Build.PURE.value},
        capture_output=True,
        text=True,
        check=True,
    )
    return [Fold(**fold) for fold in json.loads(done.stdout)]


def folds_child() -> None:
    """The child of :func:`_folds_by_pure_parser`: ``DIR...`` from its arguments, the folds
    as JSON on its output."""
    folds = leave_one_family_out([Path(arg) for arg in sys.argv[1:]])
    print(json.dumps([vars(fold) for fold in folds]))
