"""The import graph keeps the house walkable: the SMTP client below the configuration and
the sender, the command line above every feature, benchmarks outside the runtime."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ROOT / "workers"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _module(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    return {
        _module(path): set(_imports(path))
        for path in sorted(WORKERS.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


GRAPH = _graph()


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _offending(importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if _in(module, importer)
        for name in sorted(names)
        if any(_in(name, package) for package in forbidden)
    ]


def test_the_graph_is_read() -> None:
    assert "workers.smtp.failures" in GRAPH
    assert "workers.smtp.diagnosis" in GRAPH["workers.smtp.failures"]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        (
            "workers.smtp",
            (
                "workers.config",
                "workers.sender",
                "workers.bounces",
                "workers.dlq",
                "workers.events",
                "workers.demo",
                "workers.cli",
                "workers.store",
                "workers.broker",
            ),
        ),
        (
            "workers.config",
            ("workers.sender", "workers.bounces", "workers.dlq", "workers.events", "workers.demo"),
        ),
        ("workers.dsn", ("workers.sender", "workers.bounces", "workers.config", "workers.smtp")),
        ("workers.store", ("workers.sender", "workers.bounces", "workers.config", "workers.smtp")),
        ("workers.broker", ("workers.sender", "workers.bounces", "workers.config", "workers.smtp")),
    ],
)
def test_a_lower_package_imports_no_higher_one(lower: str, higher: tuple[str, ...]) -> None:
    assert _offending(lower, higher) == []


def test_only_commands_import_the_command_line() -> None:
    """A feature's runtime code does not depend on ``workers.cli``; its ``cli.py`` (the
    feature's commands) may use the command line's context."""
    offending = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if not _in(module, "workers.cli") and not module.endswith(".cli")
        for name in sorted(names)
        if _in(name, "workers.cli")
    ]
    assert offending == []


def test_no_runtime_module_imports_benchmark_code() -> None:
    offending = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if not module.endswith(".bench")
        for name in sorted(names)
        if _in(name, "bench") or name.endswith(".bench") or ".bench." in name
    ]
    assert offending == []


def test_the_dlq_commands_start_without_the_database_layer() -> None:
    """Starting ``erpmail dlq`` loads no SQLAlchemy (the SMTP failure classes it names, and
    the command line's times, come without the tables): only ``list`` and ``replay``, as
    they run, read the store for the letters' jobs already sent."""
    script = (
        "import sys\n"
        "from workers.cli.main import main\n"
        "sys.argv = ['erpmail', 'dlq', 'replay', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel'})\n"
        "print('loaded:', loaded, 'dlq:', 'workers.dlq.cli' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "loaded: [] dlq: True"
