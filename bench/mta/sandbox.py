"""Run an MTA as root in a private mount namespace: its own user (``Debian-exim``, ...) and
name service (host names from /etc/hosts only, so a domain that does not resolve fails at
once instead of waiting for a DNS server that is not there) without touching the machine's
/etc."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from subprocess import Popen

# Accounts MTAs are built to run as. Exim's may share nobody's ids; Postfix wants its own
# user and a set-gid group apart from it (ids unlikely to be taken on the machine).
USERS = {
    "Debian-exim": (65534, 65534),
    "postfix": (64991, 64991),
    "opensmtpd": (64993, 64993),
    "opensmtpq": (64994, 64994),
    "smmsp": (64995, 64995),
}
GROUPS = {
    "Debian-exim": 65534,
    "postfix": 64991,
    "postdrop": 64992,
    "opensmtpd": 64993,
    "opensmtpq": 64994,
    "smmsp": 64995,
}


ETC_FILES = ("passwd", "group", "nsswitch.conf")


def _without(table: str, names: Mapping[str, object]) -> str:
    """An /etc/passwd or /etc/group text without the lines of ``names``."""
    return "".join(line + "\n" for line in table.splitlines() if line.split(":", 1)[0] not in names)


class Sandbox:
    def __init__(self, directory: Path, overlays: Mapping[str, Path] | None = None) -> None:
        """``overlays``: system folders (``/var/spool``) seen, inside the namespace, as the
        given private folders: for MTAs whose spool and chroot paths are compiled in."""
        self.overlays = dict(overlays or {})
        self.etc = directory / "etc"
        self.etc.mkdir(parents=True, exist_ok=True)
        # The machine's own entries for these names (an MTA installed there) are replaced:
        # the spools made here belong to the ids above, and a daemon that finds its queue
        # owned by another uid exits at once.
        passwd = _without(Path("/etc/passwd").read_text(), USERS)
        group = _without(Path("/etc/group").read_text(), GROUPS)
        passwd += "".join(
            f"{user}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n"
            for user, (uid, gid) in USERS.items()
        )
        group += "".join(f"{name}:x:{gid}:\n" for name, gid in GROUPS.items())
        (self.etc / "passwd").write_text(passwd)
        (self.etc / "group").write_text(group)
        (self.etc / "nsswitch.conf").write_text(
            "passwd: files\ngroup: files\nhosts: files\nservices: files\n"
        )

    @staticmethod
    def available() -> bool:
        if shutil.which("unshare") is None:
            return False
        done = subprocess.run(
            ["unshare", "-m", "true"], capture_output=True, check=False, timeout=30
        )
        return done.returncode == 0

    def command(self, argv: list[str]) -> list[str]:
        binds = [(str(self.etc / name), f"/etc/{name}") for name in ETC_FILES] + [
            (str(private), target) for target, private in self.overlays.items()
        ]
        mounts = " && ".join(
            f"mount --bind {shlex.quote(source)} {shlex.quote(target)}" for source, target in binds
        )
        return ["unshare", "-m", "sh", "-c", f"{mounts} && exec {shlex.join(argv)}"]

    def run(
        self,
        argv: list[str],
        stdin: bytes = b"",
        timeout: float = 120,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.command(argv),
            input=stdin,
            capture_output=True,
            check=False,
            timeout=timeout,
            env=env,
        )

    def start(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> Popen[bytes]:
        """A long-running server (its own process, ended by the caller)."""
        with log.open("ab") as out:
            return subprocess.Popen(
                self.command(argv), stdout=out, stderr=subprocess.STDOUT, env=env
            )
