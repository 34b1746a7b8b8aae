"""Relay one mail per case through a real MTA to the stand-in remote, and keep the DSNs."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from bench.mta.cases import ALL_CASES, CASES, Case, expected_reason
from bench.mta.remote import remote_servers
from workers.correlation import (
    JOB_ID_HEADER,
    envelope_sender,
    find_verp,
    message_id_for,
)

EVENT_DOMAIN = "events.erpmail.test"
SHOP_DOMAIN = "shop.example"
# The key that signs the cases' VERP addresses (a test key, in the open on purpose).
VERP_KEY = b"mta-harness-verp-key"
EXPECTED_FILE = "expected.jsonl"
# How long the deferred case may take to run out of queue lifetime, at most.
COLLECT_SECONDS = 90.0


class Mta(Protocol):
    name: str

    def submit(self, sender: str, recipient: str, message: bytes) -> None: ...
    def flush(self) -> None: ...
    def dsns(self) -> list[bytes]: ...
    def log(self) -> str: ...
    def stop(self) -> None: ...


def job_id_of(case: Case) -> str:
    """A fixed job id per case, so that the fixtures stay the same from run to run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"erpmail-mta-case:{case.name}"))


def job_mail(case: Case) -> tuple[str, bytes]:
    """The envelope sender (the job's VERP address) and the mail a sender worker would send."""
    job_id = job_id_of(case)
    sender = envelope_sender(job_id, EVENT_DOMAIN, VERP_KEY)
    message = (
        f"From: Shop <billing@{SHOP_DOMAIN}>\r\n"
        f"To: <{case.recipient}>\r\n"
        f"Subject: Invoice {job_id[:8]}\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        f"Message-ID: {message_id_for(job_id, SHOP_DOMAIN)}\r\n"
        f"{JOB_ID_HEADER}: {job_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Your invoice is attached.\r\n"
    )
    return sender, message.encode()


@dataclass(frozen=True)
class Written:
    case: Case
    file: str
    job_id: str


def _dsn_case(raw: bytes) -> Case | None:
    """The case a DSN is about, from the VERP address it was delivered to (Envelope-to,
    Return-path, To: the MTA's delivery headers, not the parser)."""
    head = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    found = find_verp(head)
    if found is None:
        return None
    return next((c for c in ALL_CASES if job_id_of(c) == found.job_id), None)


def generate(
    make_mta: Callable[[Path, dict[str, int], str], Mta],
    out: Path,
    cases: tuple[Case, ...] = CASES,
    log: Callable[[str], None] = print,
) -> list[Written]:
    """Run every case through one MTA; write ``<mta>-<case>.eml`` files and their rows of
    ``expected.jsonl`` into ``out`` (rows of other MTAs kept). Raises when a case got no DSN."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="erpmail-mta-") as work, remote_servers(cases) as ports:
        mta = make_mta(Path(work), ports, EVENT_DOMAIN)
        try:
            return _collect(mta, cases, out, log)
        finally:
            mta.stop()


def _collect(
    mta: Mta, cases: tuple[Case, ...], out: Path, log: Callable[[str], None]
) -> list[Written]:
    for case in cases:
        sender, message = job_mail(case)
        mta.submit(sender, case.recipient, message)
    found: dict[str, bytes] = {}
    deadline = time.monotonic() + COLLECT_SECONDS
    while True:
        for raw in mta.dsns():
            about = _dsn_case(raw)
            if about is not None and about.name not in found:
                found[about.name] = raw
        missing = [c.name for c in cases if c.name not in found]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(1.0)
        mta.flush()
    if missing:
        raise RuntimeError(
            f"{mta.name}: no DSN for {', '.join(missing)}; log:\n{mta.log()[-3000:]}"
        )
    written = []
    for case in cases:
        name = f"{mta.name}-{case.name}.eml"
        (out / name).write_bytes(found[case.name])
        written.append(Written(case, name, job_id_of(case)))
    _write_expected(out, mta.name, written)
    log(f"{mta.name}: {len(written)} DSNs written to {out}")
    return written


def _write_expected(out: Path, mta: str, written: list[Written]) -> None:
    path = out / EXPECTED_FILE
    rows = []
    if path.is_file():
        rows = [
            row for row in map(json.loads, path.read_text().splitlines()) if row.get("mta") != mta
        ]
    rows += [
        {
            "file": w.file,
            "mta": mta,
            "case": w.case.name,
            "stage": w.case.stage,
            "reason": expected_reason(w.case, mta).value,
            "job_id": w.job_id,
            "source": w.case.source,
        }
        for w in written
    ]
    rows.sort(key=lambda row: row["file"])
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
