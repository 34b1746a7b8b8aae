"""The sender's notices (``mail.sent`` / ``mail.failed``): their bodies are written without
the event models, and must be what the models write, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from schemas.events import encode
from schemas.job import parse_job
from schemas.tables import MailStatus
from tests.jobs import job_bytes
from workers.sender.notices import Notice
from workers.smtp.failures import ErrorClass

JOB = parse_job(job_bytes(tenant="oun-1", user_code="JURI.1"))

NOTICES: list[tuple[MailStatus, int, dict[str, Any]]] = [
    (MailStatus.SENT, 1, {}),
    (
        MailStatus.SENT,
        3,
        {
            "replay": 2,
            "mail_message_id": "<erpmail.x@events.example>",
            "smtp_host": "smtp.example.ee:465",
            "smtp_response": '250 2.0.0 Ok: "queued" \\ as ÕÄÖÜ 着 \x01\t\n\r\x1f\x7f\u2028 end',
            "refused": ["a@example.ee", "ü@example.ee"],
            "suppressed": [],
            "possible_duplicate": True,
        },
    ),
    (
        MailStatus.DEAD,
        5,
        {
            "smtp_host": "127.0.0.1:25",
            "error_class": ErrorClass.RECIPIENTS_REFUSED,
            "error_text": "550 5.1.1 <a@example.ee>: Recipient address rejected",
            "refused": ["a@example.ee"],
        },
    ),
    (
        MailStatus.SUPPRESSED,
        1,
        {"error_class": ErrorClass.SUPPRESSED, "suppressed": ["a@example.ee", "b@example.ee"]},
    ),
]
MOMENTS = [
    datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2026, 3, 1, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 3, 1, 12, 0, 7),  # naive: taken as UTC
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(("status", "attempt", "details"), NOTICES)
def test_a_body_is_what_the_event_model_writes(
    status: MailStatus, attempt: int, details: dict[str, Any], moment: datetime
) -> None:
    made = Notice.for_job(JOB, status, attempt, **details)
    notice = Notice(made.event, made.job_id, made.tenant, made.delivery, moment)
    assert notice.body() == encode(notice.message())
    assert notice.properties().message_id == notice.message().message_id


def test_a_detail_that_is_no_field_of_the_delivery_is_refused() -> None:
    with pytest.raises(TypeError, match="smtp_hots"):
        Notice.for_job(JOB, MailStatus.SENT, 1, smtp_hots="x")
