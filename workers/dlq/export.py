"""Dead letters as JSON lines: what ops keep, or hand to a producer to fix and resend."""

from __future__ import annotations

import base64
from typing import Any

from workers.dlq.letters import DeadLetter
from workers.terminal import json_text


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def as_record(letter: DeadLetter) -> dict[str, Any]:
    record: dict[str, Any] = {
        "job_id": letter.job_id,
        "error_class": letter.error_class,
        "error_text": letter.error_text,
        "attempts": letter.attempts,
        "first_failure": letter.first_failure,
        "last_failure": letter.last_failure,
        "worker": letter.worker,
        "replayed": letter.replayed,
        "headers": _plain(letter.headers),
    }
    try:
        record["body"] = letter.body.decode("utf-8")
    except UnicodeDecodeError:
        record["body_base64"] = base64.b64encode(letter.body).decode("ascii")
    return record


def as_json_line(letter: DeadLetter) -> str:
    return json_text(as_record(letter), sort_keys=True)
