"""Postfix (Debian's postfix package): its master daemon in the foreground, mail submitted
to its smtpd on a loopback port, per-case routes in a transport map, bounces relayed to a
sink server standing for the event mailbox. Queue lifetime a few seconds, so that a reply
deferred on every try ends in a bounce during the run."""

from __future__ import annotations

import grp
import os
import pwd
import smtplib
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import Popen, TimeoutExpired

from bench.mta.cases import ALL_CASES
from bench.mta.packages import unpacked
from bench.mta.remote import Sink, free_port, sink
from bench.mta.sandbox import GROUPS, USERS, Sandbox

PACKAGE = "postfix"
QUEUE_DIRS = (
    "active",
    "bounce",
    "corrupt",
    "defer",
    "deferred",
    "flush",
    "hold",
    "incoming",
    "private",
    "saved",
    "trace",
    "maildrop",
    "public",
)

MASTER_CF = """
{listen} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def accounts() -> tuple[int, int, int]:
    """Postfix's user, its group and postdrop: the machine's own where Postfix is installed
    (the sandbox keeps the machine's accounts), else the sandbox's."""
    try:
        user = pwd.getpwnam("postfix")
        uid, gid = user.pw_uid, user.pw_gid
    except KeyError:
        uid, gid = USERS["postfix"]
    try:
        postdrop = grp.getgrnam("postdrop").gr_gid
    except KeyError:
        postdrop = GROUPS["postdrop"]
    return uid, gid, postdrop


def unpacked_paths(root: Path, directory: Path, queue: Path) -> str:
    """main.cf's lines for a Postfix unpacked at ``root``, its state in ``directory``."""
    return f"""
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {directory}/data
command_directory = {root}/usr/sbin
daemon_directory = {root}/usr/lib/postfix/sbin
shlib_directory = {root}/usr/lib/postfix
meta_directory = {root}/etc/postfix
mail_owner = postfix
setgid_group = postdrop"""


def prepare_queue(directory: Path, queue: Path) -> None:
    """A queue directory of Postfix's own, owned as its daemons want it."""
    uid, gid, postdrop = accounts()
    queue.mkdir(parents=True, exist_ok=True)
    (queue / "pid").mkdir(exist_ok=True)
    for name in QUEUE_DIRS:
        path = queue / name
        path.mkdir(exist_ok=True)
        group = postdrop if name in ("maildrop", "public") else gid
        os.chown(path, uid, group)
        path.chmod({"maildrop": 0o730, "public": 0o710}.get(name, 0o700))
    os.chown(directory / "data", uid, gid)
    directory.chmod(0o755)


def wait_listening(master: Popen[bytes], port: int, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise RuntimeError(f"postfix master exited: {log()[-2000:]}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as probe:
                probe.noop()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"postfix did not listen: {log()[-2000:]}")


def stop_master(master: Popen[bytes]) -> None:
    master.terminate()
    try:
        master.wait(30)
    except TimeoutExpired:
        master.kill()


def read_log(directory: Path) -> str:
    parts = []
    for name in ("master.log", "maillog"):
        path = directory / name
        if path.is_file():
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


class Postfix:
    name = "postfix"

    def __init__(self, directory: Path, ports: dict[str, int], event_domain: str) -> None:
        root = unpacked(PACKAGE)
        self.directory = directory
        self.conf = directory / "conf"
        self.queue = directory / "queue"
        self.conf.mkdir(parents=True, exist_ok=True)
        (directory / "data").mkdir(exist_ok=True)
        self._prepare_queue()
        self.port = free_port()
        self._sink_context = sink()
        self.sink: Sink
        self.sink, sink_port = self._sink_context.__enter__()
        routes = [f"{event_domain} smtp:[127.0.0.1]:{sink_port}"] + [
            f"{case.recipient} smtp:[127.0.0.1]:{ports[case.name]}"
            for case in ALL_CASES
            if case.name in ports
        ]
        (self.conf / "transport").write_text("\n".join(routes) + "\n")
        (self.conf / "main.cf").write_text(
            unpacked_paths(root, directory, self.queue)
            + f"""
myhostname = mx-pf.erpmail.test
mydomain = erpmail.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relay_domains =
transport_maps = texthash:{self.conf}/transport
smtp_host_lookup = native
disable_dns_lookups = yes
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH
maillog_file_prefixes = {directory}
maillog_file = {directory}/maillog
maximal_queue_lifetime = 4s
bounce_queue_lifetime = 4s
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 1s
delay_warning_time = 0
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
"""
        )
        (self.conf / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))
        self.sandbox = Sandbox(directory / "sandbox")
        # The programs find their shared libraries (RUNPATH /usr/lib/postfix) here instead.
        env = {**os.environ, "LD_LIBRARY_PATH": f"{root}/usr/lib/postfix"}
        self.master: Popen[bytes] = self.sandbox.start(
            [f"{root}/usr/lib/postfix/sbin/master", "-c", str(self.conf), "-d"],
            directory / "master.log",
            env=env,
        )
        self._wait_listening()

    def _prepare_queue(self) -> None:
        prepare_queue(self.directory, self.queue)

    def _wait_listening(self) -> None:
        wait_listening(self.master, self.port, self.log)

    def submit(self, sender: str, recipient: str, message: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.sendmail(sender, [recipient], message)

    def flush(self) -> None:
        """The queue manager retries deferred mail every second by itself."""

    def dsns(self) -> list[bytes]:
        return list(self.sink.mails)

    def log(self) -> str:
        return read_log(self.directory)

    def stop(self) -> None:
        stop_master(self.master)
        self._sink_context.__exit__(None, None, None)
