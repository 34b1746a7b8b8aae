"""A Maildir the local MTA delivers bounces into: mail waits in ``new/``; handled bounces go
to ``cur/`` (flagged seen), the rest to the Maildir++ sub-folders ``.Unparsed`` and
``.NotBounces``. Renames within one file system are atomic, so a message is never in two
places or none."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from workers.bounces.source import Destination, FetchedMessage, MessageRef, SourceRefused

SUBFOLDERS = {Destination.UNPARSED: ".Unparsed", Destination.NOT_BOUNCES: ".NotBounces"}
POLL_STEP_SECONDS = 1.0


def _make_maildir(path: Path) -> None:
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)


class MaildirSource:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._woken = threading.Event()
        self._listed: int | None = None  # new/'s modification time when pending() read it

    @property
    def description(self) -> str:
        return f"maildir:{self._root}"

    def connect(self) -> None:
        if not (self._root / "new").is_dir():
            raise SourceRefused(f"{self._root} is not a Maildir (it has no new/ folder)")
        _make_maildir(self._root)
        for sub in SUBFOLDERS.values():
            _make_maildir(self._root / sub)

    def pending(self) -> list[MessageRef]:
        self._listed = (self._root / "new").stat().st_mtime_ns
        entries: list[tuple[float, str, int]] = []
        with os.scandir(self._root / "new") as scan:
            for entry in scan:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # taken by another worker meanwhile
                    continue
                entries.append((stat.st_mtime, entry.name, stat.st_size))
        return [MessageRef(name, size) for _, name, size in sorted(entries)]

    def fetch(self, refs: Sequence[MessageRef], max_bytes: int) -> Iterator[FetchedMessage]:
        for ref in refs:
            try:
                with open(self._root / "new" / ref.id, "rb") as handle:
                    raw = handle.read(max_bytes + 1)
            except FileNotFoundError:
                continue
            yield FetchedMessage(ref, raw[:max_bytes])

    def move(self, ref: MessageRef, destination: Destination) -> None:
        folder = self._root / SUBFOLDERS[destination] if destination in SUBFOLDERS else self._root
        base = ref.id.split(":", 1)[0]
        flags = "S" if destination is Destination.PROCESSED else ""
        with contextlib.suppress(FileNotFoundError):
            os.rename(self._root / "new" / ref.id, folder / "cur" / f"{base}:2,{flags}")

    def wait(self, timeout: float) -> None:
        """Return when new/ has changed since :meth:`pending` listed it (mail delivered or
        taken), on :meth:`wake`, or after ``timeout``. A mail left in new/ after an error does
        not count: it would make the worker spin."""
        deadline = time.monotonic() + timeout
        self._woken.clear()
        while time.monotonic() < deadline and not self._woken.is_set():
            if (self._root / "new").stat().st_mtime_ns != self._listed:
                return
            time.sleep(min(POLL_STEP_SECONDS, max(0.0, deadline - time.monotonic())))

    def wake(self) -> None:
        self._woken.set()

    def close(self) -> None:
        pass
