"""Run an MTA as root in a private mount namespace: its own user (``Debian-exim``, ...) and
name service (host names from /etc/hosts only, so a domain that does not resolve fails at
once instead of waiting for a DNS server that is not there) without touching the machine's
/etc."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from subprocess import Popen

# Accounts MTAs are built to run as. Exim's may share nobody's ids; Postfix wants its own
# user and a set-gid group apart from it (ids unlikely to be taken on the machine).
USERS = {"Debian-exim": (65534, 65534), "postfix": (64991, 64991)}
GROUPS = {"Debian-exim": 65534, "postfix": 64991, "postdrop": 64992}


class Sandbox:
    def __init__(self, directory: Path) -> None:
        self.etc = directory / "etc"
        self.etc.mkdir(parents=True, exist_ok=True)
        passwd = Path("/etc/passwd").read_text()
        group = Path("/etc/group").read_text()
        known = {line.split(":", 1)[0] for line in passwd.splitlines()}
        known_groups = {line.split(":", 1)[0] for line in group.splitlines()}
        passwd += "".join(
            f"{user}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n"
            for user, (uid, gid) in USERS.items()
            if user not in known
        )
        group += "".join(
            f"{name}:x:{gid}:\n" for name, gid in GROUPS.items() if name not in known_groups
        )
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
        mounts = " && ".join(
            f"mount --bind {shlex.quote(str(self.etc / name))} /etc/{name}"
            for name in ("passwd", "group", "nsswitch.conf")
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
