"""Instructions the bounce parser executes per mail, counted by valgrind's callgrind.

    python -m bench.dsn instructions [DIR...] [--passes 3] [--start-up]

A count does not move with the other work on the machine, where CPU seconds do: two
versions of the parser compare on a shared machine. The corpus is parsed in two runs under
callgrind, one pass and ``passes`` passes (each after reading the files); their difference,
per extra pass and per mail, leaves out start-up, imports and regex compilation. Each build
of the parser (pure Python, compiled) is counted apart. The runs
fix PYTHONHASHSEED: the order of a set's iteration changes how much work some steps do.

``--start-up`` also counts what a process pays once before its first mail: importing the
parser (its tables, its regular expressions compiled), less a bare interpreter's start, with
the modules' bytecode cached as an installed package has it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.dsn.corpus import mail_files
from workers.dsn.accelerator import BUILD_ENV, Build

_COLLECTED_RE = re.compile(r"Collected\s*:\s*(\d+)")
_CHILD = "from bench.dsn.instructions import parse_passes; parse_passes()"
_IMPORT = "import workers.dsn.parser"


class InstructionsError(Exception):
    """valgrind is missing, or a run under it did not report its count."""


@dataclass(frozen=True)
class Count:
    mails: int
    passes: int
    one_pass: int  # instructions of the run parsing the corpus once
    all_passes: int  # ... and ``passes`` times

    @property
    def per_pass(self) -> float:
        return (self.all_passes - self.one_pass) / (self.passes - 1)

    @property
    def per_mail(self) -> float:
        return self.per_pass / self.mails


@dataclass(frozen=True)
class StartUp:
    bare: int  # instructions of an interpreter that imports nothing
    importing: int  # ... of one that imports the parser

    @property
    def parser(self) -> int:
        """What importing the parser adds to a process's start."""
        return self.importing - self.bare


def collected(stderr: str) -> int:
    """The instruction count callgrind reports at the end of a run."""
    found = _COLLECTED_RE.findall(stderr)
    if not found:
        raise InstructionsError("callgrind reported no count:\n" + stderr[-1000:])
    return int(found[-1])


def parse_passes() -> None:
    """The measured child: ``PASSES DIR...`` from its arguments."""
    from workers.dsn.parser import parse_bounce

    passes, folders = int(sys.argv[1]), sys.argv[2:]
    data = [path.read_bytes() for folder in folders for path in mail_files(Path(folder))]
    for _ in range(passes):
        for raw in data:
            parse_bounce(raw)


def _run(valgrind: str, passes: int, directories: list[Path], build: Build) -> int:
    return _callgrind(valgrind, [_CHILD, str(passes), *map(str, directories)], build)


def _callgrind(valgrind: str, arguments: list[str], build: Build) -> int:
    """The instructions of ``python -c`` with ``arguments``, under callgrind."""
    command = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-c", *arguments]
    done = subprocess.run(
        command,
        env=_environment(build),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise InstructionsError(done.stderr.decode(errors="replace")[-1000:])
    return collected(done.stderr.decode(errors="replace"))


def _environment(build: Build) -> dict[str, str]:
    return os.environ | {"PYTHONHASHSEED": "0", BUILD_ENV: build.value}


def _valgrind() -> str:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise InstructionsError("valgrind is not installed (Debian: apt-get install valgrind)")
    return valgrind


def start_up(build: Build = Build.PURE) -> StartUp:
    """The instructions importing the parser adds to a process's start."""
    valgrind = _valgrind()
    # Bytecode written first, as an installed package has it (where PYTHONDONTWRITEBYTECODE
    # is set, each run would otherwise compile the sources anew).
    cached = {k: v for k, v in _environment(build).items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", _IMPORT], env=cached, capture_output=True, check=False)
    return StartUp(
        bare=_callgrind(valgrind, ["pass"], build),
        importing=_callgrind(valgrind, [_IMPORT], build),
    )


def count(directories: list[Path], passes: int = 3, build: Build = Build.PURE) -> Count:
    valgrind = _valgrind()
    mails = sum(len(mail_files(folder)) for folder in directories)
    if not mails:
        raise InstructionsError(f"no .eml files in {', '.join(map(str, directories))}")
    passes = max(2, passes)
    return Count(
        mails=mails,
        passes=passes,
        one_pass=_run(valgrind, 1, directories, build),
        all_passes=_run(valgrind, passes, directories, build),
    )
