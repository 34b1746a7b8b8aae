"""Builds the bounce parser's optional compiled build (mypyc) where ``workers.dsn`` finds it.

    python -m bench.dsn build [--root DIR] [--if-compiler]    (make dsn-compiled)

The sources are copied to a temporary folder and compiled there; the extensions land in
``builds_root()/<digest of the sources compiled>/``, outside the source tree, with the
``MANIFEST`` of the sources outside ``workers/dsn`` they were compiled against. The runtime
(``workers.dsn.accelerator``) loads a build only while that digest matches the sources
present, so a build never runs stale code; a build already matching is not redone, and the
root's other builds are removed.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from workers.dsn.accelerator import (
    MANIFEST,
    builds_root,
    digest,
    matching_build,
    package_sources,
)

REPOSITORY = Path(__file__).resolve().parents[2]
# Left as Python: click's decorators set attributes on the command functions, which compiled
# functions lack; BounceReport.to_json reads vars(), which a compiled class does not have.
# The package's __init__ modules install the build (the loader is never compiled).
NOT_COMPILED = frozenset({"cli.py", "report.py", "__init__.py", "accelerator.py"})
_STAGING = ".building-"  # a build being written (another process's, maybe): never removed
_PARSE = ("-c", "from workers.cli.main import main; main()", "dsn", "parse", "--json")


class CompiledError(Exception):
    """The compiled build could not be built, or does not answer as the pure-Python parser,
    or one of its steps failed: the command says which, and exits 1."""


def run_step(
    what: str,
    command: list[str],
    cwd: Path,
    capture: bool = True,
    env: dict[str, str] | None = None,
) -> bytes:
    """Run one step; its standard output, or :class:`CompiledError` naming the step, its exit
    status and the end of what it said when it did not exit 0 (two parsers crashing alike
    must not read as the same answers)."""
    done = subprocess.run(command, cwd=cwd, capture_output=capture, check=False, env=env)
    if done.returncode != 0:
        said = (done.stderr or b"") + (done.stdout or b"")
        tail = said.decode(errors="replace")[-2000:].strip()
        raise CompiledError(
            f"{what} failed (exit status {done.returncode})" + (f":\n{tail}" if tail else "")
        )
    return done.stdout or b""


def compiled_sources(base: Path) -> list[str]:
    """The modules of ``workers/dsn`` mypyc compiles, relative to ``base``."""
    return [name for name in package_sources(base) if Path(name).name not in NOT_COMPILED]


def outside_sources(base: Path, sources: list[str]) -> list[str]:
    """The ``workers`` modules outside ``workers/dsn`` that ``sources`` import, and theirs
    in turn: compiled code was checked against them, so they are part of a build's digest."""
    found: set[str] = set()
    pending = list(sources)
    while pending:
        tree = ast.parse((base / pending.pop()).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if not name.startswith("workers.") or name.startswith("workers.dsn"):
                    continue
                parts = name.split(".")
                for candidate in (f"{'/'.join(parts)}.py", f"{'/'.join(parts)}/__init__.py"):
                    if (base / candidate).is_file() and candidate not in found:
                        found.add(candidate)
                        pending.append(candidate)
    return sorted(found)


def compiler_present() -> bool:
    """Whether a C compiler is on the path (mypyc's extensions need one)."""
    return any(shutil.which(name) for name in (os.environ.get("CC", "cc"), "cc", "gcc", "clang"))


def build(root: Path | None = None, repository: Path = REPOSITORY) -> Path:
    """The build of ``repository``'s sources in ``root`` (default ``builds_root()``), made
    when none matches them."""
    root = builds_root() if root is None else root
    existing = matching_build(root, repository)
    if existing is not None:
        return existing
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="erpmail-mypyc-") as folder:
        tree = Path(folder)
        ignore = shutil.ignore_patterns("__pycache__", "*.so", "build")
        shutil.copytree(repository / "workers", tree / "workers", ignore=ignore)
        shutil.copy(repository / "pyproject.toml", tree)  # mypyc reads mypy's settings there
        sources = compiled_sources(tree)
        outside = outside_sources(tree, sources)
        name = digest(tree, [*package_sources(tree), *outside])
        if name is None:
            raise CompiledError(f"the copy of the sources in {tree} cannot be read")
        run_step("mypyc", [sys.executable, "-m", "mypyc", *sources], tree)
        staged = Path(tempfile.mkdtemp(prefix=_STAGING, dir=root))
        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        for extension in tree.rglob(f"*{suffix}"):
            relative = extension.relative_to(tree)
            if relative.parts[0] == "build":
                continue
            (staged / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(extension, staged / relative)
        (staged / MANIFEST).write_text("".join(f"{path}\n" for path in outside), "utf-8")
    target = root / name
    try:
        staged.rename(target)  # whole or absent: a process importing meanwhile sees no half
    except OSError:  # a folder of that name: another build of the same sources, or debris
        if matching_build(root, repository) == target:
            shutil.rmtree(staged, ignore_errors=True)
        else:
            shutil.rmtree(target)
            staged.rename(target)
    for other in root.iterdir():
        if other != target and not other.name.startswith(_STAGING):
            shutil.rmtree(other, ignore_errors=True)  # a running process keeps its mapped copy
    return target


def answers(tree: Path, files: list[Path], env: dict[str, str] | None = None) -> bytes:
    """``erpmail dsn parse --json`` of ``files`` by the package in ``tree``."""
    return run_step(
        f"dsn parse in {tree}", [sys.executable, *_PARSE, *map(str, files)], tree, env=env
    )
