"""Publishing with publisher confirms: a message counts as published only once confirmed."""

from __future__ import annotations

from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from workers.broker import names
from workers.broker.connection import connect

JSON = "application/json"


class PublishRefused(RuntimeError):
    """The broker did not confirm a message (nacked, or unroutable with mandatory set).

    ``nacked``: the broker refused it, as a full queue with overflow ``reject-publish``
    does; the same message may be published again once the queue has room.
    """

    def __init__(self, message: str, nacked: bool = False) -> None:
        super().__init__(message)
        self.nacked = nacked


class TopologyMissing(PublishRefused):
    """No queue takes what was published: erpmail's topology is not declared in the vhost."""

    @classmethod
    def on(cls, exchange: str, routing_key: str) -> TopologyMissing:
        """The refusal of a message the broker returned from ``exchange``."""
        return cls(
            f"no queue is bound to {exchange!r} for {routing_key!r}: run 'erpmail topology declare'"
        )


def nacked(exchange: str) -> PublishRefused:
    """The refusal of a message the broker nacked (a full queue with reject-publish)."""
    return PublishRefused(f"the broker refused the message on {exchange!r} (a full queue?)", True)


def job_properties(job_id: str, headers: dict[str, Any] | None = None) -> pika.BasicProperties:
    """Properties of a job message: persistent JSON whose message id is the job id."""
    return pika.BasicProperties(
        content_type=JSON,
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=job_id,
        headers=headers or {},
    )


# What a message published again keeps of the original's properties; not user_id: the
# broker refuses a message that names another user than ours.
_KEPT_PROPERTIES = (
    "content_type",
    "content_encoding",
    "priority",
    "correlation_id",
    "reply_to",
    "timestamp",
    "type",
    "app_id",
)


def copy_properties(
    properties: pika.BasicProperties,
    headers: dict[str, Any],
    message_id: str | None,
    expiration: str | None = None,
) -> pika.BasicProperties:
    """A persistent copy of a message's properties with ``headers``, for a job or letter
    published again (a retry, a dead letter, a replay or a letter put back)."""
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=message_id,
        expiration=expiration,
        headers=headers,
        **{name: getattr(properties, name) for name in _KEPT_PROPERTIES},
    )


class ConfirmingPublisher:
    """A channel in confirm mode; :meth:`publish` returns only when the broker has the message."""

    def __init__(self, connection: BlockingConnection) -> None:
        self._connection = connection
        self._channel: BlockingChannel = connection.channel()
        self._channel.confirm_delivery()

    @classmethod
    def open(cls, url: str, name: str = "erpmail-publisher") -> ConfirmingPublisher:
        return cls(connect(url, name))

    def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: pika.BasicProperties,
        mandatory: bool = True,
    ) -> None:
        try:
            self._channel.basic_publish(exchange, routing_key, body, properties, mandatory)
        except pika.exceptions.UnroutableError:
            raise TopologyMissing.on(exchange, routing_key) from None
        except pika.exceptions.NackError:
            raise nacked(exchange) from None

    def publish_job(
        self,
        job_id: str,
        body: bytes,
        headers: dict[str, Any] | None = None,
        routing_key: str = names.JOB_ROUTING_KEY,
    ) -> None:
        """``routing_key``: :func:`workers.broker.routing.job_routing_key` of the job."""
        self.publish(names.JOBS_EXCHANGE, routing_key, body, job_properties(job_id, headers))

    def close(self) -> None:
        if self._connection.is_open:
            self._connection.close()

    def __enter__(self) -> ConfirmingPublisher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
