"""bench.dsn instructions: the count read from callgrind's report, per pass and per mail."""

from __future__ import annotations

import subprocess

import pytest

from bench.dsn import instructions
from bench.dsn.instructions import Count, InstructionsError, StartUp, collected
from workers.dsn.accelerator import BUILD_ENV, Build

_REPORT = """==4242== Callgrind, a call-graph generating cache profiler
==4242== For interactive control, run 'callgrind_control -h'.
==4242==
==4242== Events    : Ir
==4242== Collected : 1571234567
==4242==
==4242== I   refs:      1,571,234,567
"""


def test_the_count_is_the_one_callgrind_reports() -> None:
    assert collected(_REPORT) == 1571234567


def test_a_run_without_a_count_is_an_error() -> None:
    with pytest.raises(InstructionsError, match="no count"):
        collected("valgrind: failed to start tool 'callgrind'\n")


def test_start_up_is_left_out_of_the_figures() -> None:
    # 500 of start-up in both runs, 300 a pass, 3 mails
    found = Count(mails=3, passes=4, one_pass=800, all_passes=1700)
    assert found.per_pass == 300
    assert found.per_mail == 100


def test_start_up_counts_an_import_of_the_parser_against_a_bare_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``start_up`` writes the parser's bytecode first (as an installed package has it, also
    where PYTHONDONTWRITEBYTECODE is set), then counts a bare interpreter and one importing
    the parser, both of the build asked for."""
    done: list[tuple[str, tuple[str, ...], str]] = []

    def warm(command: list[str], env: dict[str, str], **_: object) -> None:
        assert "PYTHONDONTWRITEBYTECODE" not in env
        done.append(("warm", tuple(command[1:]), env[BUILD_ENV]))

    def counted(_valgrind: str, arguments: list[str], build: Build) -> int:
        done.append(("count", tuple(arguments), build.value))
        return {"pass": 90, instructions._IMPORT: 700}[arguments[0]]

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(instructions, "_valgrind", lambda: "valgrind")
    monkeypatch.setattr(instructions, "_callgrind", counted)
    monkeypatch.setattr(subprocess, "run", warm)
    started = instructions.start_up(Build.COMPILED)
    assert started == StartUp(bare=90, importing=700) and started.parser == 610
    assert done == [
        ("warm", ("-c", "import workers.dsn.parser"), "compiled"),
        ("count", ("pass",), "compiled"),
        ("count", ("import workers.dsn.parser",), "compiled"),
    ]
