"""What the demo sends: a tenant, two users, and jobs that meet every outcome (pure data)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

TENANT = "demo"
COMPANY_NAME = "Demo Trading AS"
COMPANY_SLUG = "demo-trading"

# (user code, e-mail, sender mode): neither has a server of their own, so both send through
# the platform relay, which the demo points at its stand-in for the recipients' servers.
USERS = (
    ("MARI", "mari@demo-trading.example", "reply_to"),
    ("JAAN", "jaan@demo-trading.example", "own"),
)


@dataclass(frozen=True)
class DemoJob:
    label: str
    expect: str  # what should become of it, in words
    job: dict[str, Any] = field(default_factory=dict)

    @property
    def job_id(self) -> str:
        return str(self.job["job_id"])


def _job(user: str, kind: str, to: list[str], subject: str, **extra: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "job_id": str(uuid.uuid4()),
        "tenant": TENANT,
        "user_code": user,
        "kind": kind,
        "to": to,
        "subject": subject,
        "text": "Tere!\n\nSee on erpmaili demo.\n",
        **extra,
    }


def demo_jobs() -> list[DemoJob]:
    invoice_pdf = base64.b64encode(b"%PDF-1.4\n% demo invoice\n").decode()
    return [
        DemoJob(
            "invoice with a PDF",
            "sent",
            _job(
                "MARI",
                "invoice",
                ["Jüri Tamm <juri@example.ee>"],
                "Arve nr 2026-0042",
                attachments=[
                    {
                        "filename": "arve-2026-0042.pdf",
                        "content_type": "application/pdf",
                        "content_base64": invoice_pdf,
                    }
                ],
                headers={"X-Invoice-Number": "2026-0042"},
            ),
        ),
        DemoJob(
            "customer mail in Russian, own address",
            "sent",
            _job("JAAN", "customer", ["Мария Иванова <maria@example.ru>"], "Счёт-фактура № 42"),
        ),
        DemoJob(
            "mass mail, one recipient refused at RCPT",
            "sent to ok@, nobody@ refused (smtp event)",
            _job("MARI", "mass", ["ok@example.ee", "nobody@example.ee"], "Uudiskiri november"),
        ),
        DemoJob(
            "invoice to an address that does not exist",
            "sent, then a hard bounce (suppressed)",
            _job("MARI", "invoice", ["gone@example.ee"], "Arve nr 2026-0043"),
        ),
        DemoJob(
            "customer mail to a full mailbox",
            "sent, then a soft bounce",
            _job("MARI", "customer", ["full@example.ee"], "Meeldetuletus"),
        ),
    ]


def refused_job() -> dict[str, Any]:
    """A job `erpmail enqueue` refuses: a header-injection attempt in an address."""
    return _job("MARI", "mass", ["x@example.ee\r\nBcc: everyone@example.ee"], "Spam?")


POISON = b'{"schema_version": 1, "job_id": "not-a-uuid", "kind": "invoice"'
