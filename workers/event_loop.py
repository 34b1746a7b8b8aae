"""The event loop a sender process runs on (``ERPMAIL_EVENT_LOOP``).

uvloop by default: its transports, TLS layer and timers are C, where asyncio's own loop does
each socket read and write, and each TLS record, in Python; a sender spends much of its CPU
per mail there (the SMTP commands and replies over TLS, RabbitMQ's frames), and the
benchmark's real shape measured the difference. ``asyncio`` runs on the standard library's
loop. The tests drive the worker in-process on the loop ERPMAIL_EVENT_LOOP names too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

UVLOOP = "uvloop"


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A maker of the loop ``name`` (one of settings.EVENT_LOOPS); None: asyncio's default."""
    if name == UVLOOP:
        import uvloop  # only where chosen: a process that never runs it need not load it

        return uvloop.new_event_loop
    return None


def run(main: Coroutine[Any, Any, T], name: str) -> T:
    """``asyncio.run(main)`` on the loop ``name``."""
    with asyncio.Runner(loop_factory=loop_factory(name)) as runner:
        return runner.run(main)
