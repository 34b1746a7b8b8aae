"""Fixtures of the sender tests: an SMTP server, a migrated database, the harness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy.engine import Engine

from tests.sender.harness import Harness, seed_user, sender_settings
from tests.sender.servers import Behaviour, SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """Start an SMTP server with the given behaviour; every one started is stopped after."""
    started: list[SmtpServer] = []

    def start(
        behaviour: Behaviour | None = None,
        port: int | None = None,
        pipelining: bool = True,
        chunking: bool = False,
    ) -> SmtpServer:
        server = SmtpServer(behaviour, port, pipelining, chunking).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def make_harness(
    engine: Engine, database_url: str, rabbitmq_url: str, broker: BlockingChannel
) -> Callable[..., Harness]:
    """A harness on the migrated database of the test, with its sending user stored."""

    def make(smtp_port: int, **settings: Any) -> Harness:
        seed_user(engine)
        return Harness(
            sender_settings(rabbitmq_url, database_url, smtp_port, **settings), engine, broker
        )

    return make
