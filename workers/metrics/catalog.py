"""Every metric erpmail exports, defined once (prometheus_client's default registry, which
also carries the process's CPU, memory and file descriptors).

Labels are small closed sets: an error class (``workers.smtp.failures``), a configuration
kind (the resolution tier: ``user``, ``global``, ``system``), a bounce reason; never a job,
an address or a host name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Protocol, TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Metric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

NO_CONFIG = "none"  # a job refused before its configuration was resolved

M = TypeVar("M", Counter, Gauge, Histogram)


@functools.cache
def labelled(metric: M, *values: str) -> M:
    """``metric.labels(*values)``, found once: ``labels`` checks the values and takes the
    metric's lock at every call, and the sender counts several labelled metrics per job. The
    label sets are small and closed (see above), so this cache stays small too."""
    return metric.labels(*values)


JOBS_CONSUMED = Counter("erpmail_sender_jobs_consumed", "Job deliveries taken from mail.send")
JOBS_SENT = Counter("erpmail_sender_jobs_sent", "Jobs the SMTP server accepted", ["config_kind"])
JOBS_FAILED = Counter(
    "erpmail_sender_jobs_failed",
    "Send attempts that failed (retried or dead-lettered after)",
    ["error_class", "config_kind"],
)
JOBS_RETRIED = Counter(
    "erpmail_sender_jobs_retried",
    "Jobs published to a retry queue after a failed attempt",
    ["error_class", "config_kind"],
)
JOBS_DEAD_LETTERED = Counter(
    "erpmail_sender_jobs_dead_lettered",
    "Jobs published to the dead-letter queue",
    ["error_class", "config_kind"],
)
JOBS_DEFERRED = Counter(
    "erpmail_sender_jobs_deferred",
    "Jobs parked in a retry queue without an attempt (over a rate limit, held elsewhere)",
    ["reason"],
)
JOBS_SKIPPED = Counter(
    "erpmail_sender_jobs_skipped",
    "Jobs acknowledged without sending (already sent, every recipient suppressed)",
    ["reason"],
)
JOBS_TAKEN_OVER = Counter(
    "erpmail_sender_jobs_taken_over",
    "Jobs found held by an attempt whose sending lease ran out (its worker stopped or died), "
    "taken over and sent again: state claimed had not reached the server, state sending may "
    "have (sent flagged as a possible duplicate)",
    ["state"],
)
JOBS_REQUEUED = Counter(
    "erpmail_sender_jobs_requeued", "Deliveries given back to the broker (stop, outage)"
)
JOBS_IN_FLIGHT = Gauge("erpmail_sender_jobs_in_flight", "Jobs this process is working on")
SEND_SECONDS = Histogram(
    "erpmail_sender_send_seconds",
    "From asking the pool for an SMTP connection to the server's reply to the message",
    ["config_kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)


class PoolCounts(Protocol):
    @property
    def opened(self) -> int: ...
    @property
    def reused(self) -> int: ...
    @property
    def grouped(self) -> int: ...
    @property
    def tls_resumed(self) -> int: ...


class LoopFit(Protocol):
    """The loop's load and the CPU fitted to its ticks (``workers.smtp.pool.LoopLoad``)."""

    @property
    def busy(self) -> float: ...
    @property
    def mail_cpu(self) -> float: ...
    def opening_cpu(self) -> float | None: ...


class Pools(Protocol):
    """What the SMTP connection metrics read: a sender's pools (``workers.smtp.pool``)."""

    @property
    def stats(self) -> PoolCounts: ...
    @property
    def open_connections(self) -> int: ...
    @property
    def load(self) -> LoopFit: ...


class SmtpConnections(Collector):
    """``erpmail_smtp_connections_*``, read from the sender's pools when /metrics is
    scraped, so nothing has to keep them in step. A sender process has one set of pools:
    the last one :meth:`watch` was given."""

    def __init__(self) -> None:
        self._pools: Pools | None = None

    def watch(self, pools: Pools) -> None:
        self._pools = pools

    def collect(self) -> Iterator[Metric]:
        pools = self._pools
        yield GaugeMetricFamily(
            "erpmail_smtp_connections_open",
            "SMTP connections open (idle or in use)",
            value=pools.open_connections if pools else 0,
        )
        yield CounterMetricFamily(
            "erpmail_smtp_connections_opened",
            "SMTP connections opened (logged in when configured)",
            value=pools.stats.opened if pools else 0,
        )
        yield CounterMetricFamily(
            "erpmail_smtp_tls_resumed",
            "SMTP connections whose TLS session was resumed (no full handshake)",
            value=pools.stats.tls_resumed if pools else 0,
        )
        yield CounterMetricFamily(
            "erpmail_smtp_connections_reused",
            "Mails sent on a connection that had carried one before",
            value=pools.stats.reused if pools else 0,
        )
        yield CounterMetricFamily(
            "erpmail_smtp_mails_grouped",
            "Mails whose commands went out in one write with the mail before's message end"
            " (RFC 2920 3.1)",
            value=pools.stats.grouped if pools else 0,
        )
        # What the pools weigh opening a connection by (SmtpPool._worth_opening)
        load = pools.load if pools else None
        yield GaugeMetricFamily(
            "erpmail_smtp_loop_busy",
            "Share of the time the sender's event loop thread wants the CPU (moving average)",
            value=load.busy if load else 0,
        )
        yield GaugeMetricFamily(
            "erpmail_smtp_mail_cpu_seconds",
            "Loop CPU a mail costs, fitted to the loop's ticks (0 until fitted)",
            value=load.mail_cpu if load else 0,
        )
        opening = load.opening_cpu() if load is not None else None
        if opening is not None:  # absent until fitted
            yield GaugeMetricFamily(
                "erpmail_smtp_connection_cpu_seconds",
                "Loop CPU opening an SMTP connection costs, as the pool charges it: fitted to"
                " the loop's ticks, never less than its TLS handshake measured",
                value=opening,
            )


SMTP_CONNECTIONS = SmtpConnections()
REGISTRY.register(SMTP_CONNECTIONS)
BOUNCES_HANDLED = Counter(
    "erpmail_bounces_handled",
    "Mails from the event mailbox, by what they were",
    ["kind"],
)
BOUNCE_EVENTS = Counter(
    "erpmail_bounce_events", "Event records written from bounces, by reason", ["reason"]
)
BOUNCE_LAST_HANDLED = Gauge(
    "erpmail_bounces_last_handled_timestamp_seconds", "When the last mail was handled (Unix time)"
)
EVENTS_PUBLISHED = Counter(
    "erpmail_events_published", "Notices and Events confirmed by the broker", ["exchange"]
)
EVENTS_REFUSED = Counter(
    "erpmail_events_refused",
    "Publishes the broker refused (a full mail.events queue rejects them)",
    ["exchange"],
)
DATABASE_PAUSED = Gauge(
    "erpmail_database_paused", "1 while the worker waits for the database to come back"
)
