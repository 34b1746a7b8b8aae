"""Exim 4 (Debian's exim4-daemon-light), run without a daemon: each mail is submitted on
standard input (``-odi``: delivered at once by the submitting process), queue runs (``-qff``)
retry deferred mail, and bounces to the event domain go to a maildir."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.mta.cases import ALL_CASES, NXDOMAIN, REMOTE_DOMAIN
from bench.mta.packages import unpacked
from bench.mta.remote import address_of
from bench.mta.sandbox import Sandbox

PACKAGE = "exim4-daemon-light"
# Retry every second, give up 4 s after the first failure: the "queue lifetime" of the
# deferred case, short enough for a test run.
RETRY_RULE = "* * F,4s,1s"


def _config(directory: Path, binary: Path, ports: dict[str, int], event_domain: str) -> str:
    # One router a case: its mail goes to the case's own stand-in server.
    routers = "".join(
        f"""
to_{case.name.replace("-", "_")}:
  driver = manualroute
  domains = {REMOTE_DOMAIN}
  local_parts = {case.mailbox}
  route_list = * {address_of(case)}::{ports[case.name]}
  self = send
  transport = remote_smtp
"""
        for case in ALL_CASES
        if case.name in ports
    )
    return f"""
primary_hostname = mx-out.erpmail.test
exim_path = {binary}
spool_directory = {directory}/spool
log_file_path = {directory}/log/%slog
exim_user = nobody
exim_group = nogroup
never_users =
keep_environment =
domainlist local_domains = {event_domain}
host_lookup_order = byname
begin routers
events:
  driver = accept
  domains = +local_domains
  transport = events_maildir
nowhere:
  driver = manualroute
  domains = {NXDOMAIN}
  route_list = * mx.{NXDOMAIN} byname
  host_find_failed = fail
  transport = remote_smtp
{routers}
begin transports
remote_smtp:
  driver = smtp
  allow_localhost
  hosts_avoid_tls = *
events_maildir:
  driver = appendfile
  directory = {directory}/mail
  maildir_format
  envelope_to_add
  return_path_add
  user = nobody
  group = nogroup
begin retry
{RETRY_RULE}
"""


class Exim:
    name = "exim"

    def __init__(self, directory: Path, ports: dict[str, int], event_domain: str) -> None:
        self.directory = directory
        # Exim re-executes itself as its own user: the binary must be where that user can
        # reach it (the package cache lies in root's home).
        self.binary = directory / "exim4"
        shutil.copy2(unpacked(PACKAGE) / "usr" / "sbin" / "exim4", self.binary)
        self.binary.chmod(0o755)
        for sub in ("spool", "log", "mail"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        # Exim drops to nobody for deliveries: its directories must be theirs to write.
        for path in (directory, *(directory / s for s in ("spool", "log", "mail"))):
            path.chmod(0o777)
        self.config = directory / "exim.conf"
        self.config.write_text(_config(directory, self.binary, ports, event_domain))
        self.config.chmod(0o644)
        self.sandbox = Sandbox(directory / "sandbox")

    def _exim(self, *args: str, stdin: bytes = b"") -> None:
        done = self.sandbox.run([str(self.binary), "-C", str(self.config), *args], stdin=stdin)
        if done.returncode not in (0, 1):  # 1: a delivery failed, which is the point
            raise RuntimeError(f"exim {' '.join(args)}: {done.stderr.decode()[-500:]}")

    def submit(self, sender: str, recipient: str, message: bytes) -> None:
        self._exim("-odi", "-f", sender, recipient, stdin=message)

    def flush(self) -> None:
        self._exim("-qff")

    def dsns(self) -> list[bytes]:
        box = self.directory / "mail" / "new"
        return [path.read_bytes() for path in sorted(box.iterdir())] if box.is_dir() else []

    def stop(self) -> None:
        """Nothing runs between commands."""

    def log(self) -> str:
        path = self.directory / "log" / "mainlog"
        return path.read_text(errors="replace") if path.is_file() else ""
