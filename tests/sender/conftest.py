"""Fixtures of the sender tests: an SMTP server, a migrated database, the harness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.sender.harness import Harness, seed_user, sender_settings
from tests.sender.servers import Behaviour, SmtpServer
from workers.store import migrate
from workers.store.engine import make_engine


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """Start an SMTP server with the given behaviour; every one started is stopped after."""
    started: list[SmtpServer] = []

    def start(behaviour: Behaviour | None = None, port: int | None = None) -> SmtpServer:
        server = SmtpServer(behaviour, port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def make_harness(
    database_url: str, rabbitmq_url: str, broker: BlockingChannel
) -> Iterator[Callable[..., Harness]]:
    engines = []

    def make(smtp_port: int, **settings: Any) -> Harness:
        migrate.upgrade(database_url)
        engine = make_engine(database_url)
        engines.append(engine)
        seed_user(engine)
        return Harness(
            sender_settings(rabbitmq_url, database_url, smtp_port, **settings), engine, broker
        )

    yield make
    for engine in engines:
        engine.dispose()
