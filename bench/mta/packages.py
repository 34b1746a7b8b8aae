"""A Debian package's files, unpacked in a private directory (``apt-get download`` +
``dpkg -x``): MTAs conflict as installed packages, unpacked they sit side by side. The shared
libraries they need are installed as ordinary packages (libraries never conflict)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "erpmail" / "mta"


class PackageError(RuntimeError):
    """The package could not be had here (no apt, no registry, not root)."""


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, check=False, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageError(f"{command[0]}: {exc}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-600:]
        raise PackageError(f"{' '.join(command[:3])} failed: {tail}")
    return done


def unpacked(package: str) -> Path:
    """The root of ``package``'s files (``<root>/usr/sbin/...``), downloaded once."""
    home = cache_dir() / package
    root = home / "root"
    if (home / ".unpacked").is_file():
        return root
    home.mkdir(parents=True, exist_ok=True)
    for old in home.glob("*.deb"):
        old.unlink()
    _run(["apt-get", "download", package], cwd=home)
    (deb,) = home.glob("*.deb")
    _run(["dpkg", "-x", str(deb), str(root)])
    depends = _run(["dpkg-deb", "-f", str(deb), "Depends"]).stdout.decode()
    _install_libraries(depends)
    (home / ".unpacked").write_text(deb.name + "\n")
    return root


def _install_libraries(depends: str) -> None:
    """Install the ``lib*`` packages of a Depends field that are missing (first choice of
    each alternative; versions left to apt)."""
    wanted = []
    for clause in depends.split(","):
        name = clause.split("|")[0].split("(")[0].strip().split(":")[0]
        if name.startswith("lib") and not _installed(name):
            wanted.append(name)
    if wanted:
        _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *wanted])


def _installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, check=False
    )
    return done.returncode == 0 and b"install ok installed" in done.stdout
