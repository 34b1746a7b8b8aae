"""The bounce parser compiled with mypyc, measured beside the pure-Python one.

    python -m bench.dsn compiled [DIR...] [--repeat 10] [--output bench-results/dsn-compiled.json]

erpmail runs the pure-Python package; compiling ``workers/dsn`` is a lever measured here,
not taken: it would put a C compiler and a build step into every install. The copy is
built in a temporary folder, its answers (``dsn parse --json`` over the corpus) must be
byte-identical to the pure-Python parser's, then ``bench.dsn speed`` runs on it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.dsn.corpus import mail_files

REPOSITORY = Path(__file__).resolve().parents[2]
# Left as Python: click's decorators set attributes on the command functions, which compiled
# functions lack; BounceReport.to_json reads vars(), which a compiled class does not have.
NOT_COMPILED = frozenset({"cli.py", "report.py"})
_PARSE = ("-c", "from workers.cli.main import main; main()", "dsn", "parse", "--json")


class CompiledError(Exception):
    """The compiled copy could not be built, or does not answer as the pure-Python parser,
    or one of its steps failed: the command says which, and exits 1."""


def run_step(what: str, command: list[str], cwd: Path, capture: bool = True) -> bytes:
    """Run one step of the benchmark; its standard output, or :class:`CompiledError` naming
    the step, its exit status and the end of what it said when it did not exit 0 (two
    parsers crashing alike must not read as the same answers)."""
    done = subprocess.run(command, cwd=cwd, capture_output=capture, check=False)
    if done.returncode != 0:
        said = (done.stderr or b"") + (done.stdout or b"")
        tail = said.decode(errors="replace")[-2000:].strip()
        raise CompiledError(
            f"{what} failed (exit status {done.returncode})" + (f":\n{tail}" if tail else "")
        )
    return done.stdout or b""


def build(tree: Path) -> None:
    """A copy of the package in ``tree`` with ``workers/dsn`` compiled by mypyc."""
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "build")
    for folder in ("workers", "bench"):
        shutil.copytree(REPOSITORY / folder, tree / folder, ignore=ignore)
    shutil.copy(REPOSITORY / "pyproject.toml", tree)  # mypyc reads mypy's settings there
    sources = sorted(
        str(path.relative_to(tree))
        for path in (tree / "workers" / "dsn").rglob("*.py")
        if path.name not in NOT_COMPILED
    )
    run_step("mypyc", [sys.executable, "-m", "mypyc", *sources], tree)
    loaded = run_step(
        "importing the compiled parser",
        [sys.executable, "-c", "import workers.dsn.parser as p; print(p.__file__)"],
        tree,
    )
    if not loaded.strip().endswith(b".so"):
        raise CompiledError("the copy imports the pure-Python parser, not the compiled one")


def answers(tree: Path, files: list[Path]) -> bytes:
    """``erpmail dsn parse --json`` of ``files`` by the package in ``tree``."""
    return run_step(f"dsn parse in {tree}", [sys.executable, *_PARSE, *map(str, files)], tree)


def run_compiled(
    directories: list[Path], repeat: int, output: Path, with_sisimai: bool = True
) -> None:
    files = [path.resolve() for directory in directories for path in mail_files(directory)]
    if not files:
        raise CompiledError(f"no .eml files in {', '.join(map(str, directories))}")
    with tempfile.TemporaryDirectory(prefix="erpmail-mypyc-") as folder:
        tree = Path(folder)
        print("building the compiled copy (mypyc, a few minutes)...", file=sys.stderr)
        build(tree)
        if answers(tree, files) != answers(REPOSITORY, files):
            raise CompiledError("the compiled parser's answers differ from the pure-Python one's")
        print(f"same answers on {len(files)} mails; measuring", file=sys.stderr)
        command = [sys.executable, "-m", "bench.dsn", "speed"]
        command += [str(d.resolve()) for d in directories]
        command += ["--repeat", str(repeat), "--output", str(output.resolve())]
        # its figures go straight to the terminal; a failure after some of them still fails
        run_step(
            "bench.dsn speed on the compiled copy",
            command + ([] if with_sisimai else ["--no-sisimai"]),
            tree,
            capture=False,
        )
