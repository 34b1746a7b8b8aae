"""A sender's /metrics, /livez and /readyz, scraped over HTTP while it runs."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.jobs import make_job
from tests.sender.harness import Harness
from tests.sender.servers import Behaviour, SmtpServer
from workers.logging import configure_logging
from workers.metrics.http import MonitorServer
from workers.sender.worker import SenderWorker

MakeHarness = Callable[..., Harness]
StartServer = Callable[..., SmtpServer]
Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]  # sample name and labels: value


def fetch(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def samples(port: int) -> Scrape:
    """Every sample of a scrape, keyed by name and labels."""
    _, text = fetch(port, "/metrics")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(scrape: Scrape, name: str) -> float:
    return sum(value for (sample, _), value in scrape.items() if sample == name)


def lent(scrape: Scrape) -> float:
    """Connections the pools lent: opened for a mail, or reused."""
    return total(scrape, "erpmail_smtp_connections_opened_total") + total(
        scrape, "erpmail_smtp_connections_reused_total"
    )


def grown(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """How much one sample (``name`` with exactly ``labels``) grew from one scrape to the next."""
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def all_counted(before: Scrape, after: Scrape) -> bool:
    """Whether the run's 14 sends (12 jobs, 2 of them twice) are all counted: the jobs sent
    and their notices, the sends timed and the connections lent for them."""
    return (
        grown(before, after, "erpmail_sender_jobs_sent_total", config_kind="default") >= 12
        and grown(before, after, "erpmail_events_published_total", exchange="mail.events") >= 12
        and grown(before, after, "erpmail_sender_send_seconds_count", config_kind="default") >= 14
        and lent(after) - lent(before) >= 14
    )


def test_metrics_and_health_scraped_during_a_run(
    make_harness: MakeHarness, smtp_server: StartServer
) -> None:
    # the first two DATA are refused with 451 (class "deferred", retried); the first five wait
    server = smtp_server(Behaviour(fail_first=2, stall_seconds=1.0, stall_first=5))
    harness = make_harness(server.port)
    jobs = [make_job(subject=f"Arve {n}") for n in range(12)]
    configure_logging("console", "warning")

    async def main() -> dict[str, Any]:
        worker = SenderWorker(harness.settings, harness.engine)
        monitor = MonitorServer(worker.health, "127.0.0.1", 0)
        seen: dict[str, Any] = {"before": await asyncio.to_thread(samples, monitor.port)}
        seen["ready_before"] = await asyncio.to_thread(fetch, monitor.port, "/readyz")
        runner = asyncio.create_task(worker.run())
        harness.publish_jobs(jobs)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "during" not in seen:
            scrape = await asyncio.to_thread(samples, monitor.port)
            # in flight, and consumed by this run: the gauge is process-wide
            consumed = total(scrape, "erpmail_sender_jobs_consumed_total") - total(
                seen["before"], "erpmail_sender_jobs_consumed_total"
            )
            if consumed > 0 and total(scrape, "erpmail_sender_jobs_in_flight") > 0:
                seen["during"] = scrape
                seen["ready_during"] = await asyncio.to_thread(fetch, monitor.port, "/readyz")
                seen["live_during"] = await asyncio.to_thread(fetch, monitor.port, "/livez")
            await asyncio.sleep(0.05)
        # the server counts a mail as it replies; the worker counts it once the outcome is
        # committed and its notice published, later by as long as the machine makes it: the
        # scrape is taken once every send is counted (the asserts below check each count)
        seen["after"] = await asyncio.to_thread(samples, monitor.port)
        while time.monotonic() < deadline and not all_counted(seen["before"], seen["after"]):
            await asyncio.sleep(0.1)
            seen["after"] = await asyncio.to_thread(samples, monitor.port)
        worker.stop()
        await runner
        seen["stopped"] = await asyncio.to_thread(samples, monitor.port)
        monitor.close()
        return seen

    seen = asyncio.run(main())

    assert seen["ready_before"][0] == 503, "not connected to the broker yet: not ready"
    assert json.loads(seen["ready_before"][1])["checks"]["broker"] == "not tried yet"
    assert "during" in seen, "a scrape while jobs were in flight"
    status, body = seen["ready_during"]
    assert (status, json.loads(body)["checks"]) == (200, {"broker": "ok", "database": "ok"})
    assert seen["live_during"][0] == 200
    before: dict[Any, float] = seen["before"]
    after: dict[Any, float] = seen["after"]

    def delta(name: str, **labels: str) -> float:
        return grown(before, after, name, **labels)

    # the harness's user has no server of its own: the platform relay, tier "default"
    assert delta("erpmail_sender_jobs_sent_total", config_kind="default") == 12
    assert delta("erpmail_sender_jobs_consumed_total") == 14  # 12 jobs, 2 of them twice
    assert (
        delta("erpmail_sender_jobs_failed_total", error_class="deferred", config_kind="default")
        == 2
    )
    assert (
        delta("erpmail_sender_jobs_retried_total", error_class="deferred", config_kind="default")
        == 2
    )
    assert delta("erpmail_sender_send_seconds_count", config_kind="default") == 14
    slow = delta("erpmail_sender_send_seconds_bucket", config_kind="default", le="0.5")
    assert slow <= 14 - 5, "the five stalled sends took over a second"
    assert delta("erpmail_events_published_total", exchange="mail.events") == 12
    assert total(after, "erpmail_database_paused") == 0
    # every send took a connection: a new one, or one that had carried a mail before
    opened = delta("erpmail_smtp_connections_opened_total")
    assert opened >= 1
    assert opened + delta("erpmail_smtp_connections_reused_total") == 14
    assert 1 <= total(after, "erpmail_smtp_connections_open") <= opened
    assert total(seen["stopped"], "erpmail_sender_jobs_in_flight") == 0, "stopped: none in flight"
