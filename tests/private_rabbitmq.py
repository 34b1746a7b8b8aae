"""A RabbitMQ node of the test's own, for the tests that restart the broker.

The shared broker (``RABBITMQ_URL``, or the machine's service) serves everybody's tests and
workers: it is never restarted. This node runs the Debian package's server under a node name,
ports and data folders of its own (loopback only) and is stopped after the test.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.smtp_servers import free_port

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")


@dataclass
class PrivateRabbitMQ:
    node: str
    url: str
    env: dict[str, str]

    def ctl(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [str(CTL), "-n", self.node, "-q", *args],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


@contextmanager
def private_rabbitmq(folder: Path) -> Iterator[PrivateRabbitMQ]:
    if not (SERVER.exists() and CTL.exists()):
        pytest.skip("no RabbitMQ server package here to run a private node (infra/rabbitmq.sh)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    node = f"erpmail-test-{uuid.uuid4().hex[:8]}@localhost"
    (folder / "rabbitmq.conf").write_text(
        f"listeners.tcp.local = 127.0.0.1:{port}\nloopback_users = none\n"
    )
    (folder / "enabled_plugins").write_text("[].\n")
    (folder / "rabbitmq-env.conf").write_text("")
    env = {
        **os.environ,
        "HOME": str(folder),  # its own Erlang cookie, shared with rabbitmqctl below
        "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(free_port()),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(
        [str(SERVER), "-noinput"], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    broker = PrivateRabbitMQ(node, f"amqp://guest:guest@127.0.0.1:{port}/%2F", env)
    try:
        # await_startup needs the Erlang node up, which takes a while: ask again until then.
        deadline = time.monotonic() + 180
        while True:
            try:
                broker.ctl("await_startup", "--timeout", "60", timeout=90)
                break
            except subprocess.CalledProcessError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield broker
    finally:
        try:
            broker.ctl("stop", timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            process.kill()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_until_answers(port_url: str, timeout: float = 120) -> None:
    """Wait until the node accepts AMQP connections again (after ``start_app``)."""
    from workers.broker.connection import BrokerUnavailable, connect

    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(port_url, "erpmail-tests-probe").close()
            return
        except BrokerUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
