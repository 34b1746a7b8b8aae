"""The one way erpmail opens a blocking RabbitMQ connection."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingConnection


class BrokerUnavailable(ConnectionError):
    """RabbitMQ could not be reached at the configured URL."""


def connection_parameters(url: str, name: str = "erpmail") -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.client_properties = {"connection_name": name}
    if "heartbeat" not in url:
        params.heartbeat = 30
    if "blocked_connection_timeout" not in url:
        params.blocked_connection_timeout = 60
    return params


def redact_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    params = pika.URLParameters(url)
    return f"{params.host}:{params.port}{params.virtual_host and '/' + params.virtual_host}"


def connect(url: str, name: str = "erpmail") -> BlockingConnection:
    try:
        return BlockingConnection(connection_parameters(url, name))
    except pika.exceptions.AMQPConnectionError as exc:
        raise BrokerUnavailable(
            f"cannot connect to RabbitMQ at {redact_url(url)}: {exc!r}"
        ) from None
