"""A message taken from a queue, and the channel it came on with the publisher that its
outcome goes out through (the sender's; acks and publishes on a channel that has closed
meanwhile fail softly: the broker delivers the message again)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pika
from pika.channel import Channel

from workers.broker.aio import AsyncConfirmingPublisher


@dataclass
class ConsumingChannel:
    """One broker connection's consuming channel and its confirming publisher; replaced as a
    whole when the connection is opened again."""

    channel: Channel
    publisher: AsyncConfirmingPublisher


@dataclass
class Delivery:
    """A message as delivered, acked or requeued on the channel it came on."""

    source: ConsumingChannel
    tag: int
    properties: pika.BasicProperties
    body: bytes

    def ack(self) -> bool:
        """False when the channel is gone (the broker will deliver the message again)."""
        try:
            self.source.channel.basic_ack(self.tag)
        except (pika.exceptions.AMQPError, AttributeError):
            return False
        return True

    def requeue(self) -> None:
        with contextlib.suppress(pika.exceptions.AMQPError, AttributeError):
            self.source.channel.basic_nack(self.tag, requeue=True)

    @property
    def publisher(self) -> AsyncConfirmingPublisher:
        return self.source.publisher
