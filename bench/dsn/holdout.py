"""How the parser does on bounces it was never written against: a benchmark, not a test.

    python -m bench.dsn holdout [--json] [--misses] [--split tune|test|all] [--cache DIR]

The unseen set is the real bounces in the test data of the PyPI package ``flufl.bounce``
(Mailman's bounce detectors, Apache-2.0). pip downloads its source distribution into a cache
directory (nothing of it is kept in this repository); the mails are its ``tests/data/*.txt``.
Two references:

- flufl's own expected bounced addresses, read from the parametrized table of its
  ``tests/test_detectors.py`` (parsed with ``ast``, never imported or run);
- Debian's Sisimai (Perl), run over the same files in one process, for the reason, the status
  and hard-or-soft of each recipient.

The files are split deterministically (by a hash of the file name) into two halves: **tune**,
whose misses may be looked at and fixed, and **test**, which is only ever measured — its
numbers are the honest estimate of the accuracy on bounces never seen.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bench.dsn.speed import find_sisimai, sisimai_command
from workers.dsn.parser import parse_bounce
from workers.dsn.report import BounceReport, BounceType

PACKAGE = "flufl.bounce"
VERSION = "6.0.0"
SPLITS = ("tune", "test")
MEASURES = ("addresses", "count", "reason", "status", "hardsoft")
_DETECTOR_TABLE = "DETECTORS"
# One JSON line per recipient Sisimai finds (auto-replies and delivered reports included,
# as the parser reports those too).
SISIMAI_DUMP_SCRIPT = (
    "use Sisimai; use JSON::PP; my $j = JSON::PP->new->canonical;"
    " for my $f (@ARGV) { my $r = Sisimai->make($f, delivered => 1, vacation => 1) || [];"
    " for my $d (@$r) { print $j->encode({file => $f, address => $d->recipient->address,"
    " reason => $d->reason, status => $d->deliverystatus, replycode => $d->replycode,"
    ' softbounce => $d->softbounce, diagnostic => $d->diagnosticcode}), "\\n"; } }'
)


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "erpmail" / "holdout"


def split_of(name: str) -> str:
    """``tune`` or ``test``: a fixed function of the file name alone."""
    return SPLITS[hashlib.sha256(name.encode()).digest()[0] % 2]


def fetch(cache: Path) -> Path:
    """The directory holding the mails and flufl's test table, downloaded once with pip."""
    target = cache / f"{PACKAGE}-{VERSION}"
    if (target / "test_detectors.py").is_file() and any(target.glob("data/*.txt")):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{PACKAGE}=={VERSION}",
            "-d",
            str(cache),
        ],
        capture_output=True,
        check=False,
    )
    sdists = sorted(cache.glob(f"{PACKAGE.replace('.', '_')}-{VERSION}.tar.gz")) + sorted(
        cache.glob(f"{PACKAGE}-{VERSION}.tar.gz")
    )
    if not sdists:
        raise SystemExit(
            f"pip could not download {PACKAGE}=={VERSION}: "
            + done.stderr.decode("utf-8", "replace")[-800:]
        )
    (target / "data").mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdists[0]) as archive:
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or "tests" not in path.parts:
                continue
            if path.parent.name == "data" and path.suffix == ".txt":
                destination = target / "data" / path.name
            elif path.name == "test_detectors.py":
                destination = target / path.name
            else:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                destination.write_bytes(handle.read())
    return target


def expected_addresses(source: str) -> dict[str, frozenset[str]]:
    """flufl's expected bounced addresses per file, from its parametrized detector table
    (``(detector, file, [addresses], is_temporary)``); a file several detectors are tried on
    expects the union of what they find."""
    table: list[Any] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == _DETECTOR_TABLE for t in node.targets
        ):
            table = ast.literal_eval(node.value)
    expected: dict[str, set[str]] = {}
    for _detector, name, addresses, _temporary in table:
        expected.setdefault(name, set()).update(
            a.decode("utf-8", "replace").lower() for a in addresses
        )
    return {name: frozenset(found) for name, found in expected.items()}


def run_sisimai(files: list[Path]) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """Sisimai's version and its recipients per file name (one perl process)."""
    found = find_sisimai()
    if found is None:
        raise SystemExit("Sisimai is not available (perl -MSisimai failed)")
    perl, version = found
    done = subprocess.run(
        sisimai_command(perl, SISIMAI_DUMP_SCRIPT, files), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit("Sisimai failed: " + done.stderr.decode("utf-8", "replace")[-800:])
    results: dict[str, list[dict[str, Any]]] = {path.name: [] for path in files}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            row = json.loads(line)
            results.setdefault(Path(row["file"]).name, []).append(row)
    return version, results


@dataclass
class Disagreement:
    file: str
    split: str
    measure: str
    address: str
    ours: str
    reference: str
    diagnostic: str = ""


@dataclass
class Tally:
    agree: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    def record(self, measure: str, same: bool) -> None:
        self.total[measure] += 1
        self.agree[measure] += int(same)

    def rate(self, measure: str) -> float:
        total = self.total[measure]
        return self.agree[measure] / total if total else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            m: {"agree": self.agree[m], "of": self.total[m], "rate": round(self.rate(m), 4)}
            for m in MEASURES
        }


@dataclass
class Holdout:
    sisimai_version: str
    files: dict[str, int]
    tallies: dict[str, Tally]
    misses: list[Disagreement]

    def to_json(self, split: str = "tune") -> dict[str, Any]:
        return {
            "package": f"{PACKAGE}=={VERSION}",
            "sisimai": self.sisimai_version,
            "files": self.files,
            "agreement": {name: tally.to_json() for name, tally in self.tallies.items()},
            "misses": [vars(m) for m in self.misses if split in ("all", m.split)],
        }


def _failures(report: BounceReport) -> list[str]:
    if not report.is_bounce:
        return []
    return [r.address.lower() for r in report.recipients if r.reason.is_failure]


def compare_file(
    name: str,
    report: BounceReport,
    expected: frozenset[str] | None,
    theirs: list[dict[str, Any]],
    tally: Tally,
    misses: list[Disagreement],
) -> None:
    split = split_of(name)
    ours = list(report.recipients) if report.is_bounce else []

    def note(measure: str, address: str, mine: str, reference: str, diagnostic: str) -> None:
        same = mine == reference
        tally.record(measure, same)
        if not same:
            misses.append(Disagreement(name, split, measure, address, mine, reference, diagnostic))

    if expected is not None:
        mine = sorted(set(_failures(report)))
        note("addresses", "", " ".join(mine), " ".join(sorted(expected)), "flufl.bounce")
    note("count", "", str(len(ours)), str(len(theirs)), "Sisimai")
    # The same recipient, whichever of its addresses (original or final) each one reports.
    by_address = {
        a.lower(): r
        for r in ours
        for a in (r.final_recipient, r.original_recipient, r.address)
        if a
    }
    for index, row in enumerate(theirs):
        address = str(row.get("address") or "").lower()
        mine_r = by_address.get(address) or (
            ours[index] if index < len(ours) and not ours[index].address else None
        )
        said = str(row.get("diagnostic") or "")[:200]
        hard = str(row.get("softbounce")) == "0"
        if mine_r is None:
            note("reason", address, "-", str(row.get("reason") or ""), said)
            note("status", address, "-", str(row.get("status") or ""), said)
            note("hardsoft", address, "-", "hard" if hard else "not hard", said)
            continue
        note("reason", address, mine_r.reason.value, str(row.get("reason") or ""), said)
        note("status", address, mine_r.status, str(row.get("status") or ""), said)
        note(
            "hardsoft",
            address,
            "hard" if mine_r.bounce_type == BounceType.HARD else "not hard",
            "hard" if hard else "not hard",
            said,
        )


def run_holdout(cache: Path | None = None) -> Holdout:
    source = fetch(cache or default_cache())
    files = sorted((source / "data").glob("*.txt"))
    expected = expected_addresses((source / "test_detectors.py").read_text(encoding="utf-8"))
    version, sisimai_results = run_sisimai(files)
    tallies = {name: Tally() for name in (*SPLITS, "all")}
    counts = dict.fromkeys((*SPLITS, "all"), 0)
    misses: list[Disagreement] = []
    for path in files:
        split = split_of(path.name)
        report = parse_bounce(path.read_bytes())
        for name in (split, "all"):
            counts[name] += 1
            compare_file(
                path.name,
                report,
                expected.get(path.name),
                sisimai_results.get(path.name, []),
                tallies[name],
                misses if name == "all" else [],
            )
    return Holdout(version, counts, tallies, misses)


def holdout_table(result: Holdout) -> Any:
    from rich.table import Table

    table = Table(
        title=f"Unseen bounces: {PACKAGE} {VERSION} test data, "
        f"beside flufl's expected addresses and Sisimai {result.sisimai_version}",
        title_justify="left",
    )
    table.add_column("measure")
    for split in (*SPLITS, "all"):
        table.add_column(f"{split} ({result.files[split]} files)", justify="right")
    labels = {
        "addresses": "addresses = flufl (per file)",
        "count": "recipient count = Sisimai (per file)",
        "reason": "reason = Sisimai",
        "status": "status = Sisimai",
        "hardsoft": "hard/soft = Sisimai",
    }
    for measure in MEASURES:
        cells = []
        for split in (*SPLITS, "all"):
            tally = result.tallies[split]
            cells.append(
                f"{tally.rate(measure):.1%} ({tally.agree[measure]}/{tally.total[measure]})"
            )
        table.add_row(labels[measure], *cells)
    table.caption = "tune: look at and fix its misses; test: measure only (unseen estimate)"
    return table
