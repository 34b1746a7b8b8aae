"""The compiled parser's tooling (`python -m bench.dsn build`, `bench.dsn speed`) fails loudly
when a step does.

Its steps are processes (mypyc, `dsn parse --json` by each build, the in-process
measurement); their exit statuses were not read, so two parsers failing alike gave the
same (cut) answers and the figures were printed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.dsn.compiled import REPOSITORY, CompiledError, answers, run_step

MAIL = Path(__file__).parent / "mta"


def test_a_parse_that_fails_is_an_error_not_an_answer(tmp_path: Path) -> None:
    mail = next(MAIL.glob("*.eml"))
    assert answers(REPOSITORY, [mail]).startswith(b'{"file": ')
    with pytest.raises(CompiledError) as raised:
        answers(REPOSITORY, [mail, tmp_path / "gone.eml"])
    said = str(raised.value)
    assert "dsn parse" in said and "exit status 2" in said and "cannot read" in said


def test_a_step_that_fails_names_itself_and_its_status(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "import sys; print('half the figures'); sys.exit(3)"]
    with pytest.raises(CompiledError, match=r"^speed failed \(exit status 3\)"):
        run_step("speed", failing, tmp_path, capture=False)
    assert run_step("echo", [sys.executable, "-c", "print('ok')"], tmp_path) == b"ok\n"
