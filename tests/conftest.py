"""Fixtures for real services: RabbitMQ, PostgreSQL (and SQLite files), Dovecot."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests import services
from workers.broker.connection import connect
from workers.broker.topology import build_topology, declare
from workers.store import migrate
from workers.store.engine import engine_url, make_engine

pytest_plugins = ["tests.smtp_servers"]


@pytest.fixture(scope="session")
def _stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def rabbitmq_url(_stack: ExitStack) -> str:
    url: str = _stack.enter_context(services.rabbitmq_url())
    return url


@pytest.fixture(scope="session")
def postgres_server_url(_stack: ExitStack) -> str:
    url: str = _stack.enter_context(services.postgres_url())
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"erpmail_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/erpmail.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs on both databases."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated database, on SQLite and on PostgreSQL."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


TEST_RETRY_LADDER = (1, 2)


@pytest.fixture
def broker(rabbitmq_url: str) -> Iterator[BlockingChannel]:
    """A channel on the real broker with erpmail's topology declared and its queues empty.

    The channel is in confirm mode: a publish on it returns once the broker holds the message.
    """
    spec = build_topology(TEST_RETRY_LADDER)
    # No heartbeats: a test may leave this connection idle for minutes while it waits for
    # workers on a loaded machine, and a blocking connection answers heartbeats only when used.
    separator = "&" if "?" in rabbitmq_url else "?"
    connection = connect(f"{rabbitmq_url}{separator}heartbeat=0", "erpmail-tests")
    channel = connection.channel()
    channel.confirm_delivery()
    declare(channel, spec)
    for queue in spec.queues:
        channel.queue_purge(queue.name)
    try:
        yield channel
    finally:
        if connection.is_open:
            connection.close()


@pytest.fixture
def erpmail_env(
    monkeypatch: pytest.MonkeyPatch, rabbitmq_url: str, sqlite_url: str
) -> dict[str, str]:
    """The environment a CLI command under test sees."""
    env = {
        "RABBITMQ_URL": rabbitmq_url,
        "DATABASE_URL": sqlite_url,
        "ERPMAIL_SECRET_KEY": "test-secret-key",
        "EVENT_DOMAIN": "events.erpmail.test",
        "ERPMAIL_RETRY_LADDER": ",".join(str(step) for step in TEST_RETRY_LADDER),
        "ERPMAIL_LOG_FORMAT": "json",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
