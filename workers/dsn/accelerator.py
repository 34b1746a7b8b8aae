"""The bounce parser's optional compiled build (mypyc), loaded only for the sources it was
built from.

A build lives outside the source tree, in a folder of ``builds_root()`` named by the digest of
the sources it compiled (every ``.py`` of ``workers/dsn`` and the ``workers`` modules they
import, listed in its ``MANIFEST``). At import, ``workers.dsn`` digests the sources present:
only a build of that name is loaded, so an edited rule never runs as stale compiled code; with
no build, or none matching, the package runs as pure Python and answers the same. Building it
is tooling's (``python -m bench.dsn build``, ``make dsn-compiled``), not the runtime's.
"""

from __future__ import annotations

import enum
import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

BUILD_ENV = "ERPMAIL_DSN_BUILD"
BUILDS_ENV = "ERPMAIL_DSN_BUILDS"  # another builds root (tests, an image's own folder)
MANIFEST = "MANIFEST"  # the build's sources outside workers/dsn, one relative path a line
# The package's folder and the folder holding ``workers/``, against which paths are relative.
PACKAGE = Path(__file__).resolve().parent
BASE = PACKAGE.parents[1]


class Build(enum.StrEnum):
    """Which parser ``workers.dsn`` loads (``$ERPMAIL_DSN_BUILD``)."""

    AUTO = "auto"  # the compiled build when one matches the sources, else pure Python
    PURE = "pure"  # pure Python even where a matching build exists
    COMPILED = "compiled"  # the matching compiled build, or an ImportError


def builds_root() -> Path:
    """``$ERPMAIL_DSN_BUILDS``, else a folder of the interpreter's prefix (a virtualenv's own:
    a build is for one interpreter)."""
    configured = os.environ.get(BUILDS_ENV)
    if configured:
        return Path(configured)
    return Path(sys.prefix) / "share" / "erpmail" / "dsn-compiled"


def package_sources(base: Path = BASE) -> list[str]:
    """Every ``.py`` of ``workers/dsn`` under ``base``, relative to it, sorted."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(base / "workers" / "dsn"):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        relative = Path(folder).relative_to(base).as_posix()
        found.extend(f"{relative}/{name}" for name in files if name.endswith(".py"))
    return sorted(found)


def digest(base: Path, sources: Sequence[str]) -> str | None:
    """The digest naming a build of ``sources`` (paths relative to ``base``) for this
    interpreter; ``None`` when one of them cannot be read."""
    hashed = hashlib.sha256(f"{sys.implementation.cache_tag}\n".encode())
    for name in sorted(set(sources)):
        try:
            content = (base / name).read_bytes()
        except OSError:
            return None
        hashed.update(f"{name}\0{len(content)}\0".encode())
        hashed.update(content)
    return hashed.hexdigest()


def manifest_sources(build: Path) -> list[str] | None:
    """The sources outside ``workers/dsn`` a build compiled against, or ``None`` when the
    folder is no build."""
    try:
        text = (build / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return [line for line in text.splitlines() if line]


def matching_build(root: Path, base: Path = BASE) -> Path | None:
    """The build in ``root`` named by the digest of the sources under ``base``, if any."""
    try:
        candidates = sorted(root.iterdir())
    except OSError:
        return None
    package = package_sources(base)
    for build in candidates:
        extra = manifest_sources(build)
        if extra is not None and digest(base, [*package, *extra]) == build.name:
            return build
    return None


def compiled_modules(build: Path) -> dict[str, str]:
    """Module name to extension file, for this interpreter's extensions in ``build``."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    modules: dict[str, str] = {}
    for folder, _, files in os.walk(build):
        relative = Path(folder).relative_to(build).parts
        for name in files:
            if name.endswith(suffix):
                modules[".".join([*relative, name.removesuffix(suffix)])] = str(Path(folder) / name)
    return modules


class CompiledFinder:
    """Finds the compiled build's modules before the source files (first on sys.meta_path)."""

    def __init__(self, build: Path) -> None:
        self.build = build
        self.modules = compiled_modules(build)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        found = self.modules.get(fullname)
        if found is None or not os.path.exists(found):  # removed by a newer build: the source
            return None
        return importlib.util.spec_from_file_location(fullname, found)


def requested() -> Build:
    try:
        return Build(os.environ.get(BUILD_ENV, Build.AUTO.value))
    except ValueError:
        choices = ", ".join(build.value for build in Build)
        raise ImportError(f"${BUILD_ENV} must be one of {choices}") from None


def install() -> Path | None:
    """Put the matching compiled build first on the import path, as ``$ERPMAIL_DSN_BUILD``
    asks; the build's folder, or ``None`` when the package runs as pure Python."""
    wanted = requested()
    if wanted is Build.PURE:
        return None
    root = builds_root()
    build = matching_build(root)
    if build is None:
        if wanted is Build.COMPILED:
            raise ImportError(
                f"${BUILD_ENV}=compiled: no build in {root} matches the sources "
                "(python -m bench.dsn build)"
            )
        return None
    if not any(isinstance(finder, CompiledFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, CompiledFinder(build))
    return build


def running_compiled() -> bool:
    """Whether the parser in use is the compiled build."""
    from workers.dsn import parser

    return not parser.__file__.endswith(".py")
