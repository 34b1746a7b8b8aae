"""The sender's event loop: uvloop unless ERPMAIL_EVENT_LOOP says asyncio."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from workers import event_loop
from workers.settings import SettingsError, load_settings


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_uvloop_is_the_default_and_asyncio_can_be_chosen() -> None:
    assert load_settings({}).event_loop == "uvloop"
    assert event_loop.run(_loop_type(), load_settings({}).event_loop) is uvloop.Loop
    chosen = load_settings({"ERPMAIL_EVENT_LOOP": "AsyncIO"}).event_loop
    assert chosen == "asyncio"
    assert not issubclass(event_loop.run(_loop_type(), chosen), uvloop.Loop)


def test_an_unknown_loop_is_refused_with_the_choices() -> None:
    with pytest.raises(SettingsError, match="ERPMAIL_EVENT_LOOP must be one of uvloop, asyncio"):
        load_settings({"ERPMAIL_EVENT_LOOP": "trio"})
