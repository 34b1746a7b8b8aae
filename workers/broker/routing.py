"""Routing a job by its sender, so that one configuration's mails meet its connections.

With ``ERPMAIL_SEND_SHARDS`` = S > 0 a job is published with the routing key of shard
``shard_of(tenant, user_code, S)`` and waits in that shard's queue; each shard queue is
consumed by one worker at a time (an exclusive consumer, :mod:`workers.sender.shards`), so a
user's jobs all reach the process whose pool holds the connections to the user's server,
and workers share the shards evenly. The publisher cannot see the configuration (it is
resolved by the worker), so the key is the sender, tenant and user code: a user's own
server is the user's configuration; users who share one (the company-wide server, the
platform relay) are spread over the shards, as a big shared server can take.

The hash is CRC-32 of ``tenant NUL user_code`` in UTF-8, modulo S, which a producer in any
language can compute (Node: ``zlib.crc32`` from Node 20.15 or the ``crc-32`` package).
"""

from __future__ import annotations

import zlib

from workers.broker import names


def shard_of(tenant: str, user_code: str, shards: int) -> int:
    return zlib.crc32(f"{tenant}\0{user_code}".encode()) % shards


def job_routing_key(tenant: str, user_code: str, shards: int) -> str:
    """The key a new job of ``user_code`` is published with (``job.send`` unsharded)."""
    if shards <= 0:
        return names.JOB_ROUTING_KEY
    return names.shard_routing_key(shard_of(tenant, user_code, shards))


def fair_share(shards: int, workers: int) -> int:
    """How many shards one of ``workers`` workers holds at most: every shard is held when
    each holds its share."""
    return -(-shards // max(workers, 1))
