"""The private names of pika that the fast AMQP path uses (workers.broker.frames, aio's
coalesced writes) are checked on import: a pika without them stops erpmail with a clear
error, not an AttributeError in the middle of a dlq walk."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pika
import pytest

from workers.broker import pika_internals
from workers.broker.aio import open_connection
from workers.broker.frames import FrameIO
from workers.broker.pika_internals import PikaInternalsMissing


def test_the_installed_pika_has_every_name_the_fast_path_uses(rabbitmq_url: str) -> None:
    assert pika_internals.missing() == []

    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-internals")
        try:
            FrameIO(connection.connection)  # checks the connection's own attributes
        finally:
            await connection.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("module", "owner", "name"),
    [
        ("pika.connection", "pika.connection.Connection", "_process_frame"),
        ("pika.frame", "pika.frame", "decode_frame"),
    ],
)
def test_a_pika_without_them_stops_the_import_saying_what_to_install(
    module: str, owner: str, name: str
) -> None:
    script = f"import {module}\ndelattr({owner}, {name!r})\nimport workers.broker.frames\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    error = "workers.broker.pika_internals.PikaInternalsMissing"
    assert last.startswith(f"{error}: pika {pika.__version__} lacks ")
    assert f".{name}, which" in last and "install pika>=1.3,<2" in last


def test_a_connection_without_its_frame_buffer_is_refused(rabbitmq_url: str) -> None:
    async def main() -> None:
        connection = await open_connection(rabbitmq_url, "erpmail-tests-internals")
        try:
            del connection.connection._frame_buffer
            with pytest.raises(PikaInternalsMissing, match=r"AsyncioConnection\._frame_buffer"):
                FrameIO(connection.connection)
        finally:
            connection.connection._frame_buffer = b""
            await connection.close()

    asyncio.run(main())
