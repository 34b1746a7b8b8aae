"""A worker's own HTTP port: ``/metrics`` (Prometheus), ``/livez`` and ``/readyz``.

- live: the worker's loop is turning — it called :meth:`Health.beat` within ``stale_after``
  seconds. A process whose loop is stuck is not live: restart it.
- ready: each of the worker's dependencies (the broker, the database and, for the bounce
  worker, the mailbox) answered at its last use. A worker that is not ready is waiting for
  one of them: nothing to restart, something to look at.

Served from a thread of the process, so it answers even while the worker's loop is busy.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from workers.logging import get_logger


class Health:
    """What ``/livez`` and ``/readyz`` report; the worker updates it as it runs."""

    def __init__(self, checks: Iterable[str], stale_after: float) -> None:
        self.stale_after = stale_after
        self._last_beat = time.monotonic()
        self._checks: dict[str, tuple[bool, str]] = {
            name: (False, "not tried yet") for name in checks
        }
        self._lock = threading.Lock()

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def set(self, check: str, ok: bool, detail: str = "") -> None:
        with self._lock:
            self._checks[check] = (ok, detail or ("ok" if ok else "unavailable"))

    def live(self) -> tuple[bool, dict[str, Any]]:
        age = time.monotonic() - self._last_beat
        return age <= self.stale_after, {"last_beat_seconds_ago": round(age, 3)}

    def ready(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            checks = dict(self._checks)
        ok = all(passed for passed, _ in checks.values())
        return ok, {"checks": {name: detail for name, (_, detail) in checks.items()}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._answer(200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY))
        elif path in ("/livez", "/readyz"):
            health = self.server.health
            ok, detail = health.live() if path == "/livez" else health.ready()
            body = json.dumps({"ok": ok, **detail}).encode()
            self._answer(200 if ok else 503, "application/json", body)
        else:
            self._answer(404, "text/plain", b"not found: /metrics, /livez, /readyz\n")

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the worker's log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], health: Health) -> None:
        super().__init__(address, _Handler)
        self.health = health


class MonitorServer:
    """The HTTP port of one worker process; ``port`` 0 picks a free one (tests)."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        self._server = _Server((host, port), health)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="erpmail-monitor", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


SENDER_PORT = 9101
BOUNCES_PORT = 9102


class MonitorUnavailable(Exception):
    """The port cannot be listened on (taken by another worker on this host?)."""


def serve_monitor(
    health: Health, host: str, port: int | None, default: int
) -> MonitorServer | None:
    """The worker's port: ``port``, else ``default``; None when ``port`` is 0 (off), or when
    the default port is taken (a second worker on the host without a port of its own: it
    runs, unmonitored, and says so). A port asked for and taken raises MonitorUnavailable."""
    chosen = default if port is None else port
    if chosen == 0:
        return None
    try:
        return MonitorServer(health, host, chosen)
    except OSError as error:
        advice = (
            "give each worker process on a host a port of its own (--metrics-port, "
            "ERPMAIL_METRICS_PORT; 0 turns it off)"
        )
        text = f"cannot serve /metrics on {host}:{chosen} ({error.strerror or error})"
        if port is None:
            get_logger().warning("metrics_port_taken", error=text, advice=advice)
            return None
        raise MonitorUnavailable(f"{text}; {advice}") from error
