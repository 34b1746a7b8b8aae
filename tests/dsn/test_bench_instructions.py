"""bench.dsn instructions: the count read from callgrind's report, per pass and per mail."""

from __future__ import annotations

import pytest

from bench.dsn.instructions import Count, InstructionsError, StartUp, collected

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


def test_start_up_is_the_import_less_a_bare_interpreter() -> None:
    assert StartUp(bare=90, importing=700).parser == 610
