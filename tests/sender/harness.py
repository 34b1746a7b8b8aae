"""Running the real sender worker against the real broker, database and an SMTP server."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas.tables import Event, MailMessage, UserMailSettings
from tests.contracts import check_event
from tests.queues import drain
from workers import event_loop
from workers.broker import names
from workers.broker.publisher import ConfirmingPublisher, job_properties
from workers.config.presets import load_presets
from workers.config.store import save_user_settings
from workers.logging import configure_logging
from workers.sender.worker import SenderWorker
from workers.settings import Settings

TENANT = "acme"
USER = "MARI"


def sender_settings(rabbitmq_url: str, database_url: str, smtp_port: int, **extra: Any) -> Settings:
    base = Settings(
        rabbitmq_url=rabbitmq_url,
        database_url=database_url,
        secret_key="test-secret-key",
        event_domain="events.erpmail.test",
        relay_host="127.0.0.1",
        relay_port=smtp_port,
        relay_tls="none",
        retry_ladder=(1, 2),
        max_attempts=4,
        worker_name="test-sender",
        log_format="json",
        log_level="warning",
        sender_prefetch=50,
        sender_concurrency=20,
        smtp_pool_size=4,
        retry_jitter=0.2,
        shutdown_grace_seconds=10,
        sending_lease_seconds=3,
        # the production loop (uvloop) unless ERPMAIL_EVENT_LOOP names the other
        event_loop=os.environ.get("ERPMAIL_EVENT_LOOP", Settings.event_loop),
    )
    return replace(base, **extra)


def seed_user(engine: Engine, user_code: str = USER, email: str = "mari@acme.ee") -> None:
    """A user without a server of their own: mail goes through the platform relay (the test
    SMTP server), with the job's VERP envelope sender."""
    with Session(engine) as session:
        session.add(UserMailSettings(tenant=TENANT, user_code=user_code, email=email))
        session.commit()


@dataclass
class Harness:
    settings: Settings
    engine: Engine
    broker: BlockingChannel
    worker: SenderWorker | None = None

    def publish(
        self, bodies: Iterable[tuple[str, bytes]], headers: dict[str, Any] | None = None
    ) -> None:
        with ConfirmingPublisher.open(self.settings.rabbitmq_url, "erpmail-tests-publish") as p:
            for job_id, body in bodies:
                p.publish_job(job_id, body, headers)

    def publish_jobs(self, jobs: Iterable[dict[str, Any]]) -> None:
        self.publish((job["job_id"], json.dumps(job, ensure_ascii=False).encode()) for job in jobs)

    def run_until(
        self,
        done: Callable[[], bool],
        timeout: float = 60,
        log: tuple[str, str] = ("console", "warning"),
        **worker_options: Any,
    ) -> SenderWorker:
        """Run a worker until ``done()`` holds (checked every 0.1 s), then stop it gracefully;
        ``log``: the format and level of its log.

        The test fails when ``done()`` does not hold within ``timeout``, or the worker stops on
        its own first: a deadline to wait under load, never a pause that only suffices on an
        idle machine. While it runs, the worker is ``self.worker`` (for ``done()`` to look at
        its counters)."""

        configure_logging(*log)

        async def main() -> SenderWorker:
            worker = SenderWorker(self.settings, self.engine, **worker_options)
            self.worker = worker
            runner = asyncio.create_task(worker.run())
            deadline = time.monotonic() + timeout
            reached = False
            while not runner.done() and not (reached := done()):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            worker.stop()
            await runner
            if not reached:
                why = "the worker stopped by itself" if time.monotonic() <= deadline else ""
                raise AssertionError(
                    f"the awaited condition did not hold within {timeout:.0f}s {why}".rstrip()
                )
            return worker

        return event_loop.run(main(), self.settings.event_loop)

    def run_job(self, job: dict[str, Any], until: str, timeout: float = 60) -> SenderWorker:
        """Publish ``job`` and run a worker until the job's row says ``until``."""
        self.publish_jobs([job])
        return self.run_until(lambda: self.statuses().get(job["job_id"]) == until, timeout)

    def own_server(self, host: str, port: int, username: str, password: str) -> None:
        """The sending user's own server, plain text with a login, stored as ``erpmail
        config set`` stores it."""
        with Session(self.engine) as session:
            card = {
                "host": host,
                "port": port,
                "tls": "none",
                "username": username,
                "password": password,
            }
            save_user_settings(session, self.settings, TENANT, USER, card, load_presets(None))
            session.commit()

    def rows(self) -> dict[str, MailMessage]:
        with Session(self.engine) as session:
            return {row.job_id: row for row in session.exec(select(MailMessage))}

    def statuses(self) -> dict[str, str]:
        return {job_id: str(row.status) for job_id, row in self.rows().items()}

    def events(self) -> list[Event]:
        with Session(self.engine) as session:
            return list(session.exec(select(Event)))

    def drain(self, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
        return drain(self.broker, queue)

    def queue_depth(self, queue: str) -> int:
        declared = self.broker.queue_declare(queue, passive=True)
        return int(declared.method.message_count)

    def consumers(self, queue: str) -> int:
        declared = self.broker.queue_declare(queue, passive=True)
        return int(declared.method.consumer_count)

    def notices(self) -> list[dict[str, Any]]:
        """The event messages published, each checked against the events schema file."""
        return [
            check_event(properties, body) for properties, body in self.drain(names.EVENTS_QUEUE)
        ]


__all__ = ["Harness", "job_properties", "seed_user", "sender_settings"]
