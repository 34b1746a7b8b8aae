"""Where the services that `make services` starts on this machine can be reached.

The same rules as the ``infra/`` scripts; the demo and the tests use them when no URL is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

LOCAL_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
LOCAL_POSTGRES_URL = "postgresql://postgres:postgres@127.0.0.1:5432/erpmail_test"
LOCAL_IMAP_URL = "imaps://events:events-password@127.0.0.1:10993/INBOX"


def state_dir() -> Path:
    """Where ``infra/dovecot.sh`` keeps its state (configuration, certificate, maildirs)."""
    if configured := os.environ.get("ERPMAIL_STATE"):
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/lib/erpmail")
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "erpmail"


def local_imap_ca() -> Path:
    return state_dir() / "dovecot" / "tls" / "cert.pem"


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _rabbitmqctl(*args: str) -> bool:
    try:
        done = subprocess.run(
            ["rabbitmqctl", "-q", *args],
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def create_vhost(url: str, prefix: str) -> str | None:
    """A new, empty vhost on the broker of ``url`` (named ``prefix-<random>``), the URL's user
    given every right on it: that vhost's URL. None when this machine cannot make one (a
    broker elsewhere, no ``rabbitmqctl``, not allowed to run it)."""
    parts = urlsplit(url)
    if parts.hostname not in _LOOPBACK or shutil.which("rabbitmqctl") is None:
        return None
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    if not _rabbitmqctl("add_vhost", name):
        return None
    user = unquote(parts.username or "guest")
    if not _rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*"):
        delete_vhost(name)
        return None
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def delete_vhost(name: str) -> None:
    """Delete a vhost made by :func:`create_vhost` (with its queues and messages)."""
    _rabbitmqctl("delete_vhost", name)


def vhost_of(url: str) -> str:
    return unquote(urlsplit(url).path[1:]) or "/"
