"""Where the tests find each real service.

In this order: the URL in the service's environment variable; else, where a Docker engine
answers, a container started with testcontainers; else the Debian-package service that the
``infra/`` scripts start (and install when missing). The same tests run whichever way.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workers.demo.local import (
    LOCAL_IMAP_URL as LOCAL_IMAP_URL,  # re-exported: the bounce tests compare against it
)
from workers.demo.local import (
    LOCAL_POSTGRES_URL,
    LOCAL_RABBITMQ_URL,
    create_vhost,
    delete_vhost,
    local_imap_ca,
    state_dir,
    vhost_of,
)

REPO = Path(__file__).resolve().parent.parent
INFRA = REPO / "infra"
LOCAL_IMAP_CA = local_imap_ca()
STATE_DIR = state_dir()


@functools.cache
def docker_answers() -> bool:
    if os.environ.get("ERPMAIL_USE_DOCKER") == "no":
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def run_infra(script: str) -> None:
    subprocess.run(["bash", str(INFRA / script)], check=True, stdin=subprocess.DEVNULL)


@contextmanager
def rabbitmq_url() -> Iterator[str]:
    if url := os.environ.get("RABBITMQ_URL"):
        yield url
    elif docker_answers():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13") as container:
            host = container.get_container_host_ip()
            port = container.get_exposed_port(5672)
            yield f"amqp://guest:guest@{host}:{port}/%2F"
    else:
        run_infra("rabbitmq.sh")
        # A vhost of its own for the session (deleted after it): the tests purge their queues,
        # which must never touch another user's (or a running sender's) messages.
        own = create_vhost(LOCAL_RABBITMQ_URL, "erpmail-tests")
        try:
            yield own or LOCAL_RABBITMQ_URL
        finally:
            if own:
                delete_vhost(vhost_of(own))


@contextmanager
def postgres_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        yield url
    elif docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="psycopg") as container:
            yield container.get_connection_url()
    else:
        run_infra("postgres.sh")
        yield LOCAL_POSTGRES_URL


@contextmanager
def imap_service() -> Iterator[tuple[str, Path | None]]:
    """``(IMAP_URL, CA file or None)`` of the event mailbox."""
    if url := os.environ.get("IMAP_URL"):
        ca = os.environ.get("IMAP_CA_FILE")
        yield url, Path(ca) if ca else None
    elif docker_answers():
        raise RuntimeError("set IMAP_URL: the docker-compose Dovecot is started by make services")
    else:
        run_infra("dovecot.sh")
        yield LOCAL_IMAP_URL, LOCAL_IMAP_CA
