"""What the MTAs that run as a daemon share: a process listening on a loopback port, mail
submitted to it over SMTP, bounces relayed to a sink server, the process ended at the end."""

from __future__ import annotations

import smtplib
import subprocess
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from subprocess import Popen

from bench.mta.remote import Sink


def wait_listening(
    process: Popen[bytes], port: int, log: Callable[[], str], what: str = "postfix master"
) -> None:
    """Until ``process`` answers SMTP on ``port``; its log's tail in the error otherwise."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log()[-2000:]}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as probe:
                probe.noop()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{what} did not listen: {log()[-2000:]}")


def stop_process(process: Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


class DaemonMta:
    name = ""
    port: int
    process: Popen[bytes]
    sink: Sink
    _sink_context: AbstractContextManager[tuple[Sink, int]]

    def log(self) -> str:
        raise NotImplementedError

    def wait_listening(self) -> None:
        wait_listening(self.process, self.port, self.log, self.name)

    def submit(self, sender: str, recipient: str, message: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.sendmail(sender, [recipient], message)

    def dsns(self) -> list[bytes]:
        return list(self.sink.mails)

    def stop(self) -> None:
        stop_process(self.process)
        self._sink_context.__exit__(None, None, None)
