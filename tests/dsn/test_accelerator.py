"""The compiled build of the bounce parser (workers.dsn.accelerator) is loaded only for the
sources it was built from: an edited rule, in the package or in a module it imports, runs as
pure Python, never as the stale compiled code."""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.dsn.compiled import REPOSITORY, compiled_sources, outside_sources
from workers.dsn.accelerator import (
    BUILD_ENV,
    BUILDS_ENV,
    MANIFEST,
    Build,
    CompiledFinder,
    builds_root,
    digest,
    matching_build,
    package_sources,
    requested,
    running_compiled,
)

_WHICH_PARSER = "from workers.dsn import parser; print(parser.__file__)"


def _copy_sources(tree: Path) -> Path:
    shutil.copytree(
        REPOSITORY / "workers",
        tree / "workers",
        ignore=shutil.ignore_patterns("__pycache__", "*.so"),
    )
    return tree


def _fake_build(tree: Path, root: Path) -> Path:
    """A build folder named as the build tool names one (no extensions in it)."""
    outside = outside_sources(tree, compiled_sources(tree))
    name = digest(tree, [*package_sources(tree), *outside])
    assert name is not None
    build = root / name
    build.mkdir(parents=True)
    (build / MANIFEST).write_text("".join(f"{path}\n" for path in outside), "utf-8")
    return build


def test_the_build_compiles_against_the_modules_the_parser_imports() -> None:
    outside = outside_sources(REPOSITORY, compiled_sources(REPOSITORY))
    assert "workers/terminal.py" in outside  # fields.py's character classes
    assert "workers/correlation.py" in outside  # correlate.py's job headers
    assert not any(path.startswith("workers/dsn/") for path in outside)


@pytest.mark.parametrize(
    "edited",
    ["workers/dsn/reasons.py", "workers/dsn/engines/table.py", "workers/terminal.py"],
)
def test_an_edited_source_no_longer_matches_the_build(tmp_path: Path, edited: str) -> None:
    tree = _copy_sources(tmp_path / "tree")
    build = _fake_build(tree, tmp_path / "builds")
    assert matching_build(tmp_path / "builds", tree) == build
    with (tree / edited).open("a", encoding="utf-8") as source:
        source.write("# a rule edited after the build\n")
    assert matching_build(tmp_path / "builds", tree) is None


def test_a_source_added_or_removed_no_longer_matches_the_build(tmp_path: Path) -> None:
    tree = _copy_sources(tmp_path / "tree")
    _fake_build(tree, tmp_path / "builds")
    (tree / "workers" / "dsn" / "newrule.py").write_text("RULE = 1\n", encoding="utf-8")
    assert matching_build(tmp_path / "builds", tree) is None
    (tree / "workers" / "dsn" / "newrule.py").unlink()
    assert matching_build(tmp_path / "builds", tree) is not None
    (tree / "workers" / "correlation.py").unlink()
    assert matching_build(tmp_path / "builds", tree) is None


def test_a_module_whose_extension_was_removed_is_left_to_the_source(tmp_path: Path) -> None:
    """A newer build removes the older one; a process still on the older one imports what it
    had not imported yet from the source, not from a missing file."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    extension = tmp_path / "workers" / "dsn" / f"arf{suffix}"
    extension.parent.mkdir(parents=True)
    extension.write_bytes(b"")
    finder = CompiledFinder(tmp_path)
    spec = finder.find_spec("workers.dsn.arf", None)
    assert spec is not None and spec.origin == str(extension)
    assert finder.find_spec("workers.dsn.parser", None) is None
    extension.unlink()
    assert finder.find_spec("workers.dsn.arf", None) is None


def test_an_unknown_build_request_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUILD_ENV, "fast")
    with pytest.raises(ImportError, match=BUILD_ENV):
        requested()


def test_the_parser_running_is_the_build_asked_for() -> None:
    """The compiled pass of `make test` (and the pure one) runs the build it names."""
    wanted = requested()
    if wanted is Build.AUTO:
        assert running_compiled() == (matching_build(builds_root()) is not None)
    else:
        assert running_compiled() == (wanted is Build.COMPILED)


def _which_parser(tree: Path, build: Build) -> subprocess.CompletedProcess[str]:
    env = os.environ | {BUILD_ENV: build.value, BUILDS_ENV: str(builds_root())}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-c", _WHICH_PARSER],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_copy_loads_the_real_build_until_a_source_is_edited(tmp_path: Path) -> None:
    if matching_build(builds_root()) is None:
        pytest.skip("no compiled build of these sources (make dsn-compiled)")
    tree = _copy_sources(tmp_path)
    same = _which_parser(tree, Build.AUTO)
    assert same.returncode == 0, same.stderr
    assert same.stdout.strip().startswith(str(builds_root())), same.stdout
    with (tree / "workers" / "dsn" / "phrases.py").open("a", encoding="utf-8") as source:
        source.write("# a rule edited after the build\n")
    edited = _which_parser(tree, Build.AUTO)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.strip() == str(tree / "workers" / "dsn" / "parser.py")
    required = _which_parser(tree, Build.COMPILED)
    assert required.returncode != 0
    assert "no build" in required.stderr and "matches the sources" in required.stderr
