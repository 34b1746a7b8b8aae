"""Valid mail jobs for tests, to be varied one field at a time."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from schemas.tables import MailMessage, MailStatus


def make_job(**overrides: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "schema_version": 1,
        "job_id": str(uuid.uuid4()),
        "tenant": "acme",
        "user_code": "MARI",
        "kind": "invoice",
        "to": ["Jüri Tamm <juri@example.ee>"],
        "subject": "Arve nr 2026-0042",
        "text": "Tere! Arve on lisatud.",
        "attachments": [
            {
                "filename": "arve-2026-0042.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 test").decode(),
            }
        ],
        "headers": {"X-Invoice-Number": "2026-0042"},
    }
    job.update(overrides)
    return job


def job_bytes(**overrides: Any) -> bytes:
    return json.dumps(make_job(**overrides), ensure_ascii=False).encode("utf-8")


def job_row(status: MailStatus, job_id: str | None = None, **fields: Any) -> MailMessage:
    """A job's database row (acme's MARI's invoice) as the sender would have left it."""
    return MailMessage(
        job_id=job_id or str(uuid.uuid4()),
        tenant="acme",
        user_code="MARI",
        kind="invoice",
        status=status,
        **fields,
    )
