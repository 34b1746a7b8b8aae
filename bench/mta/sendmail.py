"""Sendmail 8 (Debian's sendmail-bin), run without a daemon like Exim: its configuration made
with m4 from Debian's sendmail-cf macros (both unpacked, as is m4), each mail submitted on
standard input and delivered at once by the submitting process, queue runs (``-q``) retrying
deferred mail. Routes by recipient (each case to its stand-in, the event domain to a sink)
are rules of its parsing ruleset (``LOCAL_RULE_0``): sendmail's own tables route by domain."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from bench.mta.cases import ALL_CASES, REMOTE_DOMAIN
from bench.mta.packages import unpacked
from bench.mta.remote import Sink, address_of, sink
from bench.mta.sandbox import Sandbox

PACKAGE = "sendmail-bin"
MACROS = "sendmail-cf"
M4 = "m4"
SINK_HOST = "127.0.0.2"
# How long a temporarily refused mail stays queued before it bounces (Timeout.queuereturn).
QUEUE_RETURN = "5s"


def _mc(directory: Path, cf: Path, port: int, event_domain: str, routes: list[str]) -> str:
    rules = "\n".join(routes)
    return f"""divert(-1)
divert(0)dnl
include(`{cf}/m4/cf.m4')dnl
VERSIONID(`erpmail real-MTA harness')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `mx-sm.erpmail.test')dnl
define(`QUEUE_DIR', `{directory}/queue')dnl
define(`confPID_FILE', `{directory}/sendmail.pid')dnl
define(`STATUS_FILE', `{directory}/statistics')dnl
define(`confSERVICE_SWITCH_FILE', `{directory}/service.switch')dnl
define(`confHOSTS_FILE', `/etc/hosts')dnl
define(`confCW_FILE', `{directory}/local-host-names')dnl
define(`ALIAS_FILE', `{directory}/aliases')dnl
define(`HELP_FILE', `{directory}/helpfile')dnl
define(`confTO_QUEUERETURN', `{QUEUE_RETURN}')dnl
define(`confTO_QUEUEWARN', `1d')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`confDEF_USER_ID', `smmsp:smmsp')dnl
define(`confRUN_AS_USER', `root')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`confDONT_BLAME_SENDMAIL', `GroupWritableDirPathSafe,GroupReadableKeyFile')dnl
define(`confLOG_LEVEL', `9')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {port}')dnl
define(`SMTP_MAILER_ARGS', `TCP $h {port}')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {port}')dnl
FEATURE(`nocanonify')dnl
FEATURE(`accept_unresolvable_domains')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
LOCAL_RULE_0
{rules}
"""


class Sendmail:
    name = "sendmail"

    def __init__(self, directory: Path, ports: dict[str, int], event_domain: str) -> None:
        common = set(ports.values())
        if len(common) > 1:  # a mailer names one port for every host
            raise RuntimeError("the stand-ins are not all on one port number")
        self.directory = directory
        self.root = unpacked(PACKAGE)
        cf = unpacked(MACROS) / "usr/share/sendmail/cf"
        m4 = unpacked(M4) / "usr/bin/m4"
        self._sink_context = sink(SINK_HOST, port=next(iter(common), 0))
        self.sink: Sink
        self.sink, port = self._sink_context.__enter__()
        (directory / "queue").mkdir(parents=True, exist_ok=True)
        (directory / "queue").chmod(0o700)
        directory.chmod(0o755)
        (directory / "service.switch").write_text("hosts files\naliases files\n")
        (directory / "local-host-names").write_text("")
        (directory / "aliases").write_text("")
        (directory / "helpfile").write_text("")
        # Ruleset 0 sees "local < @ domain . >": one rule a case, one for the event domain.
        routes = [
            f"R$* < @ {event_domain} $* > $*\t$#esmtp $@ [{SINK_HOST}]"
            f" $: $1 < @ {event_domain} $2 > $3"
        ] + [
            f"R{case.mailbox} < @ {REMOTE_DOMAIN} $* > $*\t$#esmtp $@ [{address_of(case)}]"
            f" $: {case.mailbox} < @ {REMOTE_DOMAIN} $1 > $2"
            for case in ALL_CASES
            if case.name in ports
        ]
        mc = _mc(directory, cf, port, event_domain, routes)
        (directory / "sendmail.mc").write_text(mc)
        made = subprocess.run(
            [str(m4), str(directory / "sendmail.mc")], capture_output=True, check=False
        )
        if made.returncode != 0:
            raise RuntimeError(f"m4: {made.stderr.decode()[-800:]}")
        self.config = directory / "sendmail.cf"
        self.config.write_bytes(made.stdout)
        self.binary = self.root / "usr/libexec/sendmail/sendmail"
        # No name server to wait for: every host this harness names is in /etc/hosts or an
        # address; sendmail asks DNS about its own name at start.
        (directory / "resolv.conf").write_text("nameserver 127.0.0.1\noptions attempts:1\n")
        # ... and sleeps a minute when it cannot qualify the machine's name: /etc/hosts, as it
        # sees it, gives the name a domain.
        host = socket.gethostname()
        hosts = Path("/etc/hosts").read_text() + f"\n127.0.0.1 {host}.erpmail.test {host}\n"
        (directory / "hosts").write_text(hosts)
        self.sandbox = Sandbox(
            directory / "sandbox",
            {"/etc/resolv.conf": directory / "resolv.conf", "/etc/hosts": directory / "hosts"},
        )
        self._log: list[str] = []

    def _sendmail(self, *args: str, stdin: bytes = b"") -> None:
        done = self.sandbox.run([str(self.binary), "-C", str(self.config), *args], stdin=stdin)
        said = (done.stdout + done.stderr).decode(errors="replace")
        self._log.append(f"$ sendmail {' '.join(args)}: exit {done.returncode}\n{said}")

    def submit(self, sender: str, recipient: str, message: bytes) -> None:
        self._sendmail("-odi", "-oi", "-f", sender, recipient, stdin=message)

    def flush(self) -> None:
        self._sendmail("-q")

    def dsns(self) -> list[bytes]:
        return list(self.sink.mails)

    def log(self) -> str:
        return "\n".join(self._log)

    def stop(self) -> None:
        self._sink_context.__exit__(None, None, None)
