"""Postfix (Debian's postfix package): its master daemon in the foreground, mail submitted
to its smtpd on a loopback port, per-case routes in a transport map, bounces relayed to a
sink server standing for the event mailbox. Queue lifetime a few seconds, so that a reply
deferred on every try ends in a bounce during the run."""

from __future__ import annotations

import os
from pathlib import Path

from bench.mta.cases import ALL_CASES
from bench.mta.daemon import DaemonMta
from bench.mta.packages import unpacked
from bench.mta.remote import address_of, free_port, sink
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
    """Postfix's user, its group and postdrop: the sandbox's (it stands in for the machine's
    own accounts, where Postfix is installed too, so that the ids never differ)."""
    uid, gid = USERS["postfix"]
    return uid, gid, GROUPS["postdrop"]


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


def read_log(directory: Path) -> str:
    parts = []
    for name in ("master.log", "maillog"):
        path = directory / name
        if path.is_file():
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


class Postfix(DaemonMta):
    name = "postfix"

    def __init__(self, directory: Path, ports: dict[str, int], event_domain: str) -> None:
        root = unpacked(PACKAGE)
        self.directory = directory
        self.conf = directory / "conf"
        self.queue = directory / "queue"
        self.conf.mkdir(parents=True, exist_ok=True)
        (directory / "data").mkdir(exist_ok=True)
        prepare_queue(directory, self.queue)
        self.port = free_port()
        self._sink_context = sink()
        self.sink, sink_port = self._sink_context.__enter__()
        routes = [f"{event_domain} smtp:[127.0.0.1]:{sink_port}"] + [
            f"{case.recipient} smtp:[{address_of(case)}]:{ports[case.name]}"
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
        self.process = self.sandbox.start(
            [f"{root}/usr/lib/postfix/sbin/master", "-c", str(self.conf), "-d"],
            directory / "master.log",
            env=env,
        )
        self.wait_listening()

    def flush(self) -> None:
        """The queue manager retries deferred mail every second by itself."""

    def log(self) -> str:
        return read_log(self.directory)
