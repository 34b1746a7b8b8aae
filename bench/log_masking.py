"""CPU cost of the log's secret masking (workers.logging), as the sender pays it.

Two figures, in CPU time of this process:
- registering N secrets (as N users' passwords are first decrypted) interleaved with N log
  lines, each line masked: the cost that grew with the square of N when every registration
  rebuilt the pattern;
- masking one log line, short and long (a traceback), with N secrets registered: every line
  pays it.

Run: ``python -m bench.log_masking [N]`` (through the shared bench wrapper).
"""

from __future__ import annotations

import random
import string
import sys
import time
from typing import Any

from workers.logging import redact_secrets, register_secret

_ALPHABET = string.ascii_letters + string.digits + "-_!#%"


def _secrets(count: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(10, 24))) for _ in range(count)]


def _event(index: int, long: bool) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": "smtp.sent",
        "job_id": f"job-{index:06d}",
        "tenant": "acme",
        "recipient": f"user{index}@example.com",
        "reply": "250 2.0.0 Ok: queued as 4F2A1B3C5D",
        "level": "info",
        "timestamp": "2026-12-06T16:00:00.000000Z",
    }
    if long:
        frame = '  File "/srv/erpmail/workers/sender/worker.py", line 120, in send\n    await x\n'
        event["exception"] = "Traceback (most recent call last):\n" + frame * 40
    return event


def _cpu_per_line(count: int, long: bool) -> float:
    started = time.process_time()
    for index in range(count):
        redact_secrets(None, "info", _event(index, long))
    return (time.process_time() - started) / count


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    secrets = _secrets(count, random.Random(17))
    baseline_short = _cpu_per_line(2_000, long=False)  # nothing registered yet
    baseline_long = _cpu_per_line(200, long=True)

    started = time.process_time()
    for index, secret in enumerate(secrets):
        register_secret(secret)
        redact_secrets(None, "info", _event(index, long=False))
    interleaved = time.process_time() - started

    short = _cpu_per_line(2_000, long=False)
    long = _cpu_per_line(200, long=True)
    print(f"secrets: {count}")
    print(f"register {count} interleaved with {count} lines: {interleaved * 1e3:.1f} ms CPU")
    print(f"short line, no secret registered: {baseline_short * 1e6:.1f} us CPU")
    print(f"short line, {count} secrets: {short * 1e6:.1f} us CPU")
    print(f"long line (a traceback), no secret registered: {baseline_long * 1e6:.1f} us CPU")
    print(f"long line (a traceback), {count} secrets: {long * 1e6:.1f} us CPU")


if __name__ == "__main__":
    main()
