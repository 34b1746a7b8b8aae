"""The pool's fitted CPU (LoopLoad: a mail's and a connection's CPU on the loop, fitted to its
ticks), which decides whether a connection is opened, is visible: logged at debug with the
pool's fields as it decides, and exported beside the SMTP connection metrics."""

from __future__ import annotations

import asyncio
import json

import pytest

from schemas.values import TlsMode
from workers.logging import configure_logging
from workers.metrics.catalog import SmtpConnections
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.pool import SmtpPools

MIXES = [(30, 0), (10, 5), (25, 1), (0, 8), (40, 2), (5, 0), (12, 6)] * 5


def fitted(pools: SmtpPools) -> None:
    """Ticks of 1 ms a mail and 3 ms a connection (a little noise), as the loop's watch
    notes them."""
    for n, (mails, opens) in enumerate(MIXES):
        noise = 0.0005 if n % 2 else -0.0005
        pools.load.note_tick(0.001 * mails + 0.003 * opens + noise, mails, opens)


def gauges(collector: SmtpConnections) -> dict[str, float]:
    return {
        family.name: family.samples[0].value
        for family in collector.collect()
        if family.type == "gauge"
    }


def test_the_fitted_cpu_is_exported_beside_the_connection_metrics() -> None:
    pools = SmtpPools(size=4)
    collector = SmtpConnections()
    collector.watch(pools)
    before = gauges(collector)
    assert before["erpmail_smtp_mail_cpu_seconds"] == 0
    assert "erpmail_smtp_connection_cpu_seconds" not in before  # not fitted yet
    fitted(pools)
    pools.load.busy = 0.5
    after = gauges(collector)
    assert abs(after["erpmail_smtp_connection_cpu_seconds"] - 0.003) < 0.0003
    assert abs(after["erpmail_smtp_mail_cpu_seconds"] - 0.001) < 0.0001
    assert after["erpmail_smtp_loop_busy"] == 0.5
    # a handshake measured above the fit: the figure the pool charges, not the bare fit
    pools.load.note_handshake(0.008)
    assert gauges(collector)["erpmail_smtp_connection_cpu_seconds"] == pytest.approx(0.008)


def test_the_resumed_tls_sessions_are_counted_beside_the_connections_opened() -> None:
    pools = SmtpPools(size=4)
    collector = SmtpConnections()
    collector.watch(pools)
    pools.stats.opened, pools.stats.tls_resumed = 5, 3
    counters = {
        family.name: family.samples[0].value
        for family in collector.collect()
        if family.type == "counter"
    }
    assert (counters["erpmail_smtp_connections_opened"], counters["erpmail_smtp_tls_resumed"]) == (
        5,
        3,
    )


def weigh(pools: SmtpPools) -> bool:
    """A second mail for a configuration whose one connection is at work: the pool weighs
    opening another."""

    async def main() -> bool:
        pool = pools.get(SmtpEndpoint("smtp.example.ee", 465, TlsMode.SSL))
        pool._mail_seconds, pool._connect_seconds = 0.040, 0.120
        pool._lent = 1
        pools.load.in_flight = 2
        return pool._worth_opening()

    return asyncio.run(main())


def test_the_decision_is_logged_at_debug_with_the_pools_fields_and_the_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def loaded() -> SmtpPools:  # made after the logging is set, as the worker makes them
        pools = SmtpPools(size=4)
        fitted(pools)
        pools.load.busy = 0.5
        return pools

    try:
        configure_logging("json", "info")
        capsys.readouterr()
        weigh(loaded())
        assert "pool_weighed_opening" not in capsys.readouterr().err  # only at debug
        configure_logging("json", "debug")
        opens = weigh(loaded())
        [line] = [
            json.loads(text)
            for text in capsys.readouterr().err.splitlines()
            if "pool_weighed_opening" in text
        ]
    finally:
        configure_logging("console", "warning")
    assert line["opens"] is opens and line["level"] == "debug"
    assert (line["smtp_host"], line["smtp_port"], line["size"], line["line"]) == (
        "smtp.example.ee",
        465,
        4,
        1,
    )
    assert abs(line["open_cpu"] - 0.003) < 0.0003 and abs(line["mail_cpu"] - 0.001) < 0.0001
    assert line["loop_busy"] == 0.5 and line["mail_seconds"] == 0.040
    assert "job_id" not in line
