"""Where the services that `make services` starts on this machine can be reached.

The same rules as the ``infra/`` scripts; the demo and the tests use them when no URL is set.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
LOCAL_POSTGRES_URL = "postgresql+psycopg2://postgres:postgres@127.0.0.1:5432/erpmail_test"
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
