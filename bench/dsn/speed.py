"""Benchmark of the bounce parser over a corpus, beside Debian's Sisimai (Perl).

    python -m bench.dsn speed [DIR...] [--repeat 10] [--output bench-results/dsn.json]

Measures: messages/second in-process (``parse_bounce`` in a loop) and whole-process (the
``erpmail dsn parse --json`` command given the corpus ``--repeat`` times over, in one process,
timed from outside), Sisimai's rate on the same file list in the same run (one ``perl``
process calling ``Sisimai->make`` per file) and the ratios, by wall clock and by CPU time;
the worst message (the slowest file's fastest pass); RSS after parsing the corpus once and
``--repeat`` times (memory must stay flat in the number of files).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.dsn.compiled import REPOSITORY, CompiledError, answers, run_step
from bench.dsn.corpus import mail_files
from workers.cli.context import wide_console
from workers.dsn.accelerator import BUILD_ENV, Build, builds_root, matching_build
from workers.dsn.parser import parse_bounce

SISIMAI_SCRIPT = "use Sisimai; for my $f (@ARGV) { my $r = Sisimai->make($f); }"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mib() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / (1024 * 1024)


def in_process(files: list[Path], repeat: int) -> dict[str, Any]:
    data = [(path.name, path.read_bytes()) for path in files]
    parse_bounce(data[0][1])  # warm up: lazy imports, regex compilation
    # Each file's fastest pass: a pass slowed by another process taking the CPU says
    # nothing about the message; the slowest of those is the worst message.
    fastest = [float("inf")] * len(data)
    rss: dict[str, float] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()
    first_pass = 0.0
    for round_no in range(1, repeat + 1):
        for number, (_, raw) in enumerate(data):
            t0 = time.perf_counter()
            parse_bounce(raw)
            elapsed = time.perf_counter() - t0
            fastest[number] = min(fastest[number], elapsed)
        if round_no == 1:
            first_pass = time.perf_counter() - started
            rss["after_1x_mib"] = _current_rss_mib()
            rss["peak_after_1x_mib"] = _peak_rss_mib()
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    worst = max(fastest)
    worst_file = data[fastest.index(worst)][0]
    rss[f"after_{repeat}x_mib"] = _current_rss_mib()
    rss[f"peak_after_{repeat}x_mib"] = _peak_rss_mib()
    return {
        "messages": len(data) * repeat,
        "seconds": round(total, 4),
        "rate": round(len(data) * repeat / total, 1),
        "cpu_seconds": round(cpu, 4),
        "cpu_rate": round(len(data) * repeat / cpu, 1) if cpu else None,
        "first_pass_rate": round(len(data) / first_pass, 1) if first_pass else None,
        "worst_ms": round(worst * 1000, 3),  # the slowest file's fastest pass
        "worst_file": worst_file,
        "rss": {k: round(v, 1) for k, v in rss.items()},
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], count: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command`` once: wall-clock and CPU seconds (the CPU rate is the fairer figure on
    a machine shared with other work)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=env
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    result: dict[str, Any] = {
        "messages": count,
        "seconds": round(elapsed, 4),
        "rate": round(count / elapsed, 1),
        "cpu_seconds": round(cpu, 4),
        "cpu_rate": round(count / cpu, 1) if cpu else None,
        "exit": done.returncode,
    }
    if done.returncode != 0:
        result["error"] = done.stderr.decode("utf-8", "replace")[-500:]
    return result


def whole_process(files: list[Path], repeat: int, build: Build) -> dict[str, Any]:
    """``erpmail dsn parse --json`` given the corpus ``repeat`` times over, in one process
    running ``build`` of the parser."""
    command = [sys.executable, "-c", "from workers.cli.main import main; main()", "dsn", "parse"]
    env = _build_env(build)
    _cache_bytecode([*command, str(files[0])], env)
    return _timed([*command, "--json", *map(str, files * repeat)], len(files) * repeat, env)


def _cache_bytecode(command: list[str], env: dict[str, str]) -> None:
    """Run ``command`` once with Python's bytecode cache written, as an installed command has
    it (pip compiles a package when it installs it): where PYTHONDONTWRITEBYTECODE is set,
    every timed run would otherwise compile the modules it imports anew."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, env=env, capture_output=True, check=False)


def find_sisimai() -> tuple[str, str] | None:
    """``(perl, Sisimai's version)`` when ``perl -MSisimai`` works here, else ``None``."""
    perl = shutil.which("perl")
    if perl is None:
        return None
    check = subprocess.run(
        [perl, "-MSisimai", "-e", "print $Sisimai::VERSION"], capture_output=True, check=False
    )
    if check.returncode != 0:
        return None
    return perl, check.stdout.decode().strip()


def sisimai_command(perl: str, script: str, files: list[Path]) -> list[str]:
    """One ``perl`` process running ``script`` with the files as its arguments."""
    return [perl, "-e", script, *map(str, files)]


def sisimai(files: list[Path], repeat: int = 1) -> dict[str, Any] | None:
    found = find_sisimai()
    if found is None:
        return None
    perl, version = found
    result = _timed(sisimai_command(perl, SISIMAI_SCRIPT, files * repeat), len(files) * repeat)
    result["version"] = version
    return result


def in_process_child() -> None:
    """The measured child of :func:`in_process_of`: ``REPEAT FILE...`` from its arguments,
    the figures as JSON on its output."""
    repeat, files = int(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    print(json.dumps(in_process(files, repeat)))


def in_process_of(build: Build, files: list[Path], repeat: int) -> dict[str, Any]:
    """:func:`in_process` in a process of its own running ``build`` of the parser."""
    command = [sys.executable, "-c", "from bench.dsn.speed import in_process_child as c; c()"]
    said = run_step(
        f"in-process ({build.value})",
        [*command, str(repeat), *map(str, files)],
        REPOSITORY,
        env=_build_env(build),
    )
    figures: dict[str, Any] = json.loads(said)
    return figures


def _build_env(build: Build) -> dict[str, str]:
    return os.environ | {BUILD_ENV: build.value}


def measure_builds(files: list[Path], repeat: int, progress: Progress) -> dict[str, Any]:
    """In-process and whole-process figures of the pure-Python parser and, when a build of
    the sources present exists, of the compiled one (after checking it answers the same)."""
    builds = [Build.PURE]
    if matching_build(builds_root()) is not None:
        pure_env, compiled_env = _build_env(Build.PURE), _build_env(Build.COMPILED)
        if answers(REPOSITORY, files, compiled_env) != answers(REPOSITORY, files, pure_env):
            raise CompiledError("the compiled parser's answers differ from the pure-Python one's")
        builds.append(Build.COMPILED)
    measured: dict[str, Any] = {build.value: None for build in (Build.PURE, Build.COMPILED)}
    for build in builds:
        task = progress.add_task(f"{build.value}: in-process, whole-process", total=None)
        progress.refresh()
        measured[build.value] = {
            "in_process": in_process_of(build, files, repeat),
            "whole_process": whole_process(files, repeat, build),
        }
        progress.remove_task(task)
    return measured


def run_bench(
    directories: list[Path],
    repeat: int = 10,
    output: Path | None = None,
    with_sisimai: bool = True,
) -> dict[str, Any]:
    files = [path.resolve() for directory in directories for path in mail_files(directory)]
    console = Console(stderr=True)
    if not files:
        raise SystemExit(f"no .eml files in {', '.join(map(str, directories))}")
    with Progress(console=console, transient=True, auto_refresh=False) as progress:
        measured = measure_builds(files, repeat, progress)
        task = progress.add_task("Sisimai", total=None)
        progress.refresh()
        theirs = sisimai(files, repeat) if with_sisimai else None
        progress.remove_task(task)
    results: dict[str, Any] = {
        "corpus": [str(directory) for directory in directories],
        "files": len(files),
        "repeat": repeat,
        **measured,
        "sisimai": theirs,
    }
    for build in (Build.PURE, Build.COMPILED):
        ours = results[build.value]
        if theirs and ours:
            whole = ours["whole_process"]
            ours["ratio_in_process"] = round(ours["in_process"]["rate"] / theirs["rate"], 2)
            ours["ratio_whole_process"] = round(whole["rate"] / theirs["rate"], 2)
            if whole["cpu_rate"] and theirs["cpu_rate"]:
                ours["ratio_whole_process_cpu"] = round(whole["cpu_rate"] / theirs["cpu_rate"], 2)
    wide_console().print(bench_table(results))  # piped, each row stays on one line
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        console.print(f"results written to {output}")
    return results


# The targets: whole-process at least twice Sisimai's rate, 5,000 mails a second in
# one process, no message slower than 5 ms.
TARGET_WHOLE_RATIO = 2.0
TARGET_IN_PROCESS_RATE = 5000
TARGET_WORST_MS = 5.0


def bench_table(results: dict[str, Any]) -> Table:
    table = Table(
        title=f"Bounce parser benchmark: {results['files']} files "
        f"({', '.join(Path(folder).name for folder in results['corpus'])}) x {results['repeat']}",
        title_justify="left",
    )
    columns = ("run", "messages", "wall s", "msg/s", "CPU s", "msg/CPU s", "vs Sisimai", "target")
    for column in columns:
        table.add_column(column, justify="left" if column in ("run", "target") else "right")
    theirs = results.get("sisimai")

    def ratio(run: dict[str, Any]) -> str:
        if not theirs:
            return "-"
        wall = run["rate"] / theirs["rate"]
        if run.get("cpu_rate") and theirs.get("cpu_rate"):
            return f"{wall:.2f}x ({run['cpu_rate'] / theirs['cpu_rate']:.2f}x CPU)"
        return f"{wall:.2f}x"

    def row(name: str, run: dict[str, Any], target: str) -> None:
        cpu_rate = run.get("cpu_rate")
        table.add_row(
            name,
            str(run["messages"]),
            f"{run['seconds']:.2f}",
            f"{run['rate']:.0f}",
            f"{run.get('cpu_seconds', 0):.2f}",
            f"{cpu_rate:.0f}" if cpu_rate else "-",
            ratio(run),
            target,
        )

    def met(reached: bool) -> str:
        return "met" if reached else "NOT met"

    captions = []
    repeat = results["repeat"]
    for build in (Build.PURE, Build.COMPILED):
        ours = results.get(build.value)
        if not ours:
            table.add_row(f"{build.value}: no build of these sources (make dsn-compiled)")
            continue
        inside, whole = ours["in_process"], ours["whole_process"]
        rate = inside.get("cpu_rate") or inside["rate"]
        row(
            f"{build.value}: in-process (parse_bounce)",
            inside,
            f">= {TARGET_IN_PROCESS_RATE}/s: {met(rate >= TARGET_IN_PROCESS_RATE)}",
        )
        whole_ratio = ours.get("ratio_whole_process_cpu") or ours.get("ratio_whole_process")
        row(
            f"{build.value}: dsn parse --json (one process)",
            whole,
            f">= {TARGET_WHOLE_RATIO:.0f}x Sisimai: "
            + ("-" if whole_ratio is None else met(whole_ratio >= TARGET_WHOLE_RATIO)),
        )
        rss = inside["rss"]
        after, peak = rss[f"after_{repeat}x_mib"], rss[f"peak_after_{repeat}x_mib"]
        captions.append(
            f"{build.value}: worst message {inside['worst_ms']:.1f} ms ({inside['worst_file']}; "
            f"< {TARGET_WORST_MS:.0f} ms: {met(inside['worst_ms'] < TARGET_WORST_MS)}); "
            f"RSS after 1x {rss['after_1x_mib']:.0f} MiB, after {repeat}x "
            f"{after:.0f} MiB (peak {peak:.0f})"
        )
    if theirs:
        row(f"Sisimai {theirs.get('version', '')} (one perl process)", theirs, "")
    captions.append("CPU ratios are the fairer figure on a busy machine")
    table.caption = "\n".join(captions)
    return table
