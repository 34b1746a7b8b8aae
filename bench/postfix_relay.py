"""Postfix relaying the sender benchmark's mails: the anchor of ``make bench-sender``.

Debian's ``postfix`` package, unpacked beside the machine's own (:mod:`bench.mta.packages`)
and run as root in a private mount namespace (:mod:`bench.mta.sandbox`) with a configuration
and queue of its own. It takes the mails on a loopback port (smtpd, no checks beyond
``mynetworks``) and relays each through its sender's own server, as erpmail does: the
relay host chosen by the envelope sender (``sender_dependent_relayhost_maps``), the login
too (``smtp_sender_dependent_authentication``, SASL PLAIN/LOGIN through Cyrus' modules),
implicit TLS on 465 (``smtp_tls_wrappermode``) with the certificate verified against the
run's CA, connections cached and reused across mails (``smtp_tls_connection_reuse`` through
tlsproxy), at most ``concurrency`` connections per destination. Deferred mail is tried
again after a second (Postfix's default waits minutes, past the run).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.mta.daemon import stop_process, wait_listening
from bench.mta.packages import PackageError, unpacked
from bench.mta.postfix import (
    MASTER_CF,
    PACKAGE,
    prepare_queue,
    read_log,
    unpacked_paths,
)
from bench.mta.remote import free_port
from bench.mta.sandbox import Sandbox
from schemas.values import TlsMode
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import IDLE_SECONDS, PoolStats, SmtpPool
from workers.smtp.transaction import Envelope, transact

# master.cf entries a relay with TLS connection reuse needs beside bench.mta.postfix's
RELAY_SERVICES = "tlsproxy  unix  -       -       n       -       0       tlsproxy\n"
# An idle cached connection is kept as long as erpmail keeps its own warm (Postfix's
# default, 2 s, is shorter than the gap between two mails of one sender in the benchmark).
CACHE_SECONDS = round(IDLE_SECONDS)


def unavailable() -> str | None:
    """Why Postfix cannot run here (None: it can)."""
    if os.geteuid() != 0:
        return "not root: Postfix runs as its own user in a private mount namespace"
    if not Sandbox.available():
        return "unshare -m is not available"
    try:
        unpacked(PACKAGE)
    except PackageError as error:
        return f"the postfix package cannot be had: {error}"
    return None


class PostfixRelay:
    def __init__(
        self,
        directory: Path,
        routes: Sequence[tuple[str, str, int, str]],
        ca_file: Path,
        concurrency: int = 20,
    ) -> None:
        """``routes``: (envelope sender, server host, port, password) per user, the sender
        being the login too."""
        root = unpacked(PACKAGE)
        self.directory = directory
        directory.parent.chmod(0o755)  # Postfix's own user must reach its queue
        conf = directory / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (directory / "data").mkdir(exist_ok=True)
        self.queue = directory / "queue"
        prepare_queue(directory, self.queue)
        (conf / "relays").write_text(
            "".join(f"{sender} [{host}]:{port}\n" for sender, host, port, _ in routes)
        )
        # each sender's relay, whose connections are cached; written in the three forms a
        # next hop may be matched in (with [host]:port alone, only on-demand caching worked)
        (conf / "cached").write_text(
            "".join(f"[{host}]:{port}\n[{host}]\n{host}\n" for _, host, port, _ in routes)
        )
        (conf / "sasl").write_text(
            "".join(f"{sender} {sender}:{password}\n" for sender, _, _, password in routes)
        )
        shutil.copy(ca_file, conf / "ca.pem")
        self.port = free_port()
        (conf / "main.cf").write_text(
            unpacked_paths(root, directory, self.queue)
            + f"""
myhostname = relay-pf.bench.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_host_lookup = native
disable_dns_lookups = yes
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH SASL_PATH
maillog_file_prefixes = {directory}
maillog_file = {directory}/maillog
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
sender_dependent_relayhost_maps = texthash:{conf}/relays
smtp_sender_dependent_authentication = yes
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:{conf}/sasl
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_tls_wrappermode = yes
smtp_tls_security_level = verify
smtp_tls_CAfile = {conf}/ca.pem
smtp_tls_connection_reuse = yes
smtp_connection_cache_on_demand = yes
smtp_connection_cache_destinations = {conf}/cached
smtp_connection_cache_time_limit = {CACHE_SECONDS}s
connection_cache_ttl_limit = {CACHE_SECONDS}s
default_destination_concurrency_limit = {concurrency}
smtp_destination_concurrency_limit = {concurrency}
default_process_limit = {max(100, concurrency * 5)}
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""
        )
        (conf / "master.cf").write_text(
            MASTER_CF.format(listen=f"127.0.0.1:{self.port}") + RELAY_SERVICES
        )
        self.sandbox = Sandbox(directory / "sandbox")
        env = {
            **os.environ,
            "LD_LIBRARY_PATH": f"{root}/usr/lib/postfix",
            "SASL_PATH": "/usr/lib/x86_64-linux-gnu/sasl2",
        }
        self.master = self.sandbox.start(
            [f"{root}/usr/lib/postfix/sbin/master", "-c", str(conf), "-d"],
            directory / "master.log",
            env=env,
        )
        wait_listening(self.master, self.port, self.log)

    def cpu_seconds(self) -> float:
        """CPU used so far by this Postfix: the master, its live daemons, and what the master
        has collected from those that exited."""
        parents: dict[int, int] = {}
        times: dict[int, tuple[float, float]] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry.name)] = int(fields[1])
            own = (int(fields[11]) + int(fields[12])) / tick
            times[int(entry.name)] = (own, (int(fields[13]) + int(fields[14])) / tick)
        master = self.master.pid
        family = {master}
        grew = True
        while grew:
            children = {pid for pid, parent in parents.items() if parent in family} - family
            grew = bool(children)
            family |= children
        used = sum(times[pid][0] for pid in family if pid in times)
        return used + (times[master][1] if master in times else 0.0)

    def log(self) -> str:
        return read_log(self.directory)

    def deferrals(self, top: int = 3) -> list[tuple[str, int]]:
        """The commonest reasons Postfix gave for mail it deferred (its log's ``status=``
        words after ``deferred``), with their counts."""
        reasons = Counter(
            line.split("status=deferred", 1)[1].strip()[:160]
            for line in self.log().splitlines()
            if "status=deferred" in line
        )
        return reasons.most_common(top)


@contextmanager
def postfix_relay(
    directory: Path, routes: Sequence[tuple[str, str, int, str]], ca_file: Path, concurrency: int
) -> Iterator[PostfixRelay]:
    relay = PostfixRelay(directory, routes, ca_file, concurrency)
    try:
        yield relay
    finally:
        stop_process(relay.master)


async def feed(
    port: int, mails: Sequence[tuple[str, str, bytes]], connections: int = 64
) -> dict[int, float]:
    """Submit ``mails`` (sender, recipient, message) to Postfix over ``connections`` SMTP
    connections, pipelined (erpmail's own client: MAIL, RCPT and DATA in one write), so that
    feeding costs little CPU beside Postfix; enough connections that Postfix's intake (a
    queue file written and synced per mail) outpaces its relaying; each mail's submission
    time by its index."""
    submitted: dict[int, float] = {}
    endpoint = SmtpEndpoint("127.0.0.1", port, TlsMode.NONE, timeout_seconds=60)
    pool = SmtpPool(endpoint, connections, PoolStats())
    pending = iter(range(len(mails)))

    async def submitter() -> None:
        connection = await pool.acquire(fresh=True)  # one each, whatever the pool would do
        try:
            for index in pending:
                sender, recipient, message = mails[index]
                submitted[index] = time.time()
                await transact(connection.session, Envelope(sender, (recipient,), message))
        finally:
            pool.release(connection, healthy=True)

    try:
        await asyncio.gather(*(submitter() for _ in range(connections)))
    finally:
        await pool.close()
    return submitted
