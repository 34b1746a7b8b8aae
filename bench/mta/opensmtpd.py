"""OpenSMTPD (Debian's opensmtpd package): its daemon in the foreground, mail submitted on a
loopback port, a relay action per case to the case's stand-in server, bounces relayed to a
sink standing for the event mailbox. Its spool (``/var/spool/smtpd``), chroot
(``/var/lib/opensmtpd/empty``) and control socket (``/run``) are compiled in: the sandbox shows
private folders there. Queue lifetime a few seconds, so that a reply deferred on every try
ends in a bounce during the run."""

from __future__ import annotations

import os
from pathlib import Path

from bench.mta.cases import ALL_CASES, NXDOMAIN
from bench.mta.daemon import DaemonMta
from bench.mta.packages import unpacked
from bench.mta.remote import address_of, free_port, nxdomain_resolver, sink
from bench.mta.sandbox import Sandbox

PACKAGE = "opensmtpd"
# How long a temporarily refused mail is kept before it bounces (smtpd.conf(5) "queue ttl").
QUEUE_TTL = "6s"
# OpenSMTPD holds back a destination address that refused it (a 5xx greeting): the sink sits
# on another loopback address than the stand-ins.
SINK_HOST = "127.0.0.2"


class OpenSmtpd(DaemonMta):
    name = "opensmtpd"

    def __init__(self, directory: Path, ports: dict[str, int], event_domain: str) -> None:
        self.root = unpacked(PACKAGE)
        self.directory = directory
        self.port = free_port()
        self._sink_context = sink(SINK_HOST)
        self.sink, sink_port = self._sink_context.__enter__()
        overlays = {name: directory / name.strip("/").replace("/", "-") for name in OVERLAID}
        for private in overlays.values():
            private.mkdir(parents=True, exist_ok=True)
        (overlays["/var/lib"] / "opensmtpd" / "empty").mkdir(parents=True, exist_ok=True)
        # Its resolver asks DNS for MX records (no /etc/hosts): a loopback name server
        # answers "no such domain" to every name, the nxdomain case's look-up.
        overlays["/etc/resolv.conf"] = directory / "resolv.conf"
        overlays["/etc/resolv.conf"].write_text("nameserver 127.0.0.1\n")
        self._resolver = nxdomain_resolver()
        self._resolver.__enter__()
        directory.chmod(0o755)
        actions = [
            f'action "events" relay host smtp+notls://{SINK_HOST}:{sink_port}',
            f'match from any for domain "{event_domain}" action "events"',
            'action "mx" relay',
            f'match from any for domain "{NXDOMAIN}" action "mx"',
        ]
        for number, case in enumerate(c for c in ALL_CASES if c.name in ports):
            actions += [
                f'action "case{number}" relay host'
                f" smtp+notls://{address_of(case)}:{ports[case.name]}",
                f'match from any for rcpt-to "{case.recipient}" action "case{number}"',
            ]
        self.config = directory / "smtpd.conf"
        self.config.write_text(
            f"queue ttl {QUEUE_TTL}\n"
            "smtp max-message-size 10M\n"
            f"listen on 127.0.0.1 port {self.port} hostname mx-os.erpmail.test\n"
            + "\n".join(actions)
            + "\n"
        )
        self.config.chmod(0o644)
        self.sandbox = Sandbox(directory / "sandbox", overlays)
        self.process = self.sandbox.start(
            [str(self.root / "usr/sbin/smtpd"), "-d", "-f", str(self.config)],
            directory / "smtpd.log",
            env={**os.environ, "LC_ALL": "C"},
        )
        self.wait_listening()

    def flush(self) -> None:
        """Retry every deferred mail now (``smtpctl schedule all``)."""
        self.sandbox.run([str(self.root / "usr/sbin/smtpctl"), "schedule", "all"], timeout=30)

    def log(self) -> str:
        path = self.directory / "smtpd.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def stop(self) -> None:
        super().stop()
        self._resolver.__exit__(None, None, None)


# The system folders OpenSMTPD's paths are compiled under, shown as private folders.
OVERLAID = ("/var/spool", "/var/lib", "/run")
