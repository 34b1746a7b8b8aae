"""Mail job v1: what a producer publishes to ``mail.jobs``.

The pydantic model is the source of truth; ``schemas/mail-job.v1.schema.json`` is generated
from it (``python -m schemas.export``) and a test fails when the two drift apart.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from schemas.addresses import AddressError, parse_mailbox

SCHEMA_VERSION = 1
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_JOB_BYTES = 48 * 1024 * 1024
MAX_RECIPIENTS = 500
MAX_HEADER_VALUE = 998
_MAX_BASE64_CHARS = (MAX_ATTACHMENT_BYTES + 2) // 3 * 4

# Headers erpmail writes itself; a producer may not set or override them.
RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "From",
        "To",
        "Cc",
        "Bcc",
        "Reply-To",
        "Sender",
        "Subject",
        "Date",
        "Message-ID",
        "Return-Path",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Received",
        "DKIM-Signature",
        "X-Erpmail-Job-Id",
    )
)
_HEADER_NAME_RE = re.compile(r"^[!-9;-~]{1,76}$")
_SLUG_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class JobKind(StrEnum):
    INVOICE = "invoice"
    CUSTOMER = "customer"
    MASS = "mass"


def _no_line_breaks(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("contains a line break (CR or LF), which could inject headers")
    return value


def _mailbox(value: str) -> str:
    try:
        parse_mailbox(value)
    except AddressError as exc:
        raise ValueError(str(exc)) from None
    return value


Mailbox = Annotated[
    str,
    Field(
        min_length=3,
        max_length=320,
        description="One address, optionally with a display name: 'Mari Tamm <mari@example.ee>'",
    ),
    AfterValidator(_mailbox),
]
HeaderText = Annotated[str, Field(max_length=MAX_HEADER_VALUE), AfterValidator(_no_line_breaks)]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_no_line_breaks)]
    content_type: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$",
        max_length=127,
        description="MIME type, e.g. application/pdf",
    )
    content_base64: str = Field(
        max_length=_MAX_BASE64_CHARS,
        description=f"The file, base64-encoded; at most {MAX_ATTACHMENT_BYTES} bytes decoded",
    )

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64") from None
        if size > MAX_ATTACHMENT_BYTES:
            raise ValueError(f"{size} bytes, over the limit of {MAX_ATTACHMENT_BYTES} per file")
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)

    def size(self) -> int:
        """Decoded size in bytes, without decoding."""
        padding = self.content_base64[-2:].count("=")
        return len(self.content_base64) * 3 // 4 - padding


class MailJobV1(BaseModel):
    """One mail to send. ``job_id`` is the idempotency key: a job_id is never sent twice."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        title="erpmail mail job v1",
        json_schema_extra={"$id": "https://erpmail.invalid/schemas/mail-job.v1.schema.json"},
    )

    schema_version: Literal[1]
    job_id: UUID = Field(description="Producer-chosen UUID; the idempotency key")
    tenant: str = Field(pattern=_SLUG_RE, description="Tenant (company) the job belongs to")
    user_code: str = Field(
        pattern=_SLUG_RE, description="ERP user whose SMTP configuration sends the mail"
    )
    kind: JobKind
    to: list[Mailbox] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    cc: list[Mailbox] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    bcc: list[Mailbox] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    subject: HeaderText
    text: str | None = Field(default=None, description="Plain-text body")
    html: str | None = Field(default=None, description="HTML body")
    attachments: list[Attachment] = Field(default_factory=list, max_length=100)
    headers: dict[str, HeaderText] = Field(
        default_factory=dict,
        description="Extra headers (e.g. X-Invoice-Number, List-Unsubscribe); "
        "erpmail's own headers are reserved",
    )
    created_at: datetime | None = Field(default=None, description="When the producer made it")

    @field_validator("headers")
    @classmethod
    def _header_names(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if not _HEADER_NAME_RE.match(name):
                raise ValueError(f"header name {name!r} is not a valid RFC 5322 field name")
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by erpmail and cannot be given")
        return headers

    @model_validator(mode="after")
    def _body_and_size(self) -> MailJobV1:
        if not (self.text or self.html):
            raise ValueError("a job needs a body: give 'text', 'html' or both")
        total = sum(attachment.size() for attachment in self.attachments)
        if total > MAX_TOTAL_ATTACHMENT_BYTES:
            raise ValueError(
                f"attachments add up to {total} bytes, over the limit of "
                f"{MAX_TOTAL_ATTACHMENT_BYTES}"
            )
        if len(self.to) + len(self.cc) + len(self.bcc) > MAX_RECIPIENTS:
            raise ValueError(f"more than {MAX_RECIPIENTS} recipients in to, cc and bcc together")
        return self

    def recipients(self) -> list[str]:
        """The envelope recipients (to + cc + bcc), bare addresses, duplicates removed."""
        seen: dict[str, None] = {}
        for mailbox in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(parse_mailbox(mailbox)[1], None)
        return list(seen)


class JobRejected(ValueError):
    """A job that cannot be sent, with every problem found, each naming its field."""

    def __init__(self, problems: list[str], job_id: str | None = None) -> None:
        self.problems = problems
        self.job_id = job_id
        super().__init__("; ".join(problems))


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(job)"


def _describe(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a field of mail job v1"
    elif error["type"] == "missing":
        message = "is required"
    return f"{_field_path(tuple(error['loc']))}: {message}"


def parse_job(raw: bytes | str) -> MailJobV1:
    """The job in ``raw`` (JSON, UTF-8), or :class:`JobRejected` saying what is wrong where."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_JOB_BYTES:
            raise JobRejected([f"(job): {len(raw)} bytes, over the limit of {MAX_JOB_BYTES}"])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JobRejected([f"(job): not UTF-8 (byte {exc.start} cannot be decoded)"]) from None
    else:
        text = raw
    try:
        return MailJobV1.model_validate_json(text)  # a good job is read once
    except ValidationError:
        pass  # find out what is wrong, in the order below
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JobRejected([f"(job): not JSON ({exc.msg} at line {exc.lineno})"]) from None
    if not isinstance(document, dict):
        raise JobRejected(["(job): must be a JSON object"])
    job_id = document.get("job_id") if isinstance(document.get("job_id"), str) else None
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise JobRejected(
            [f"schema_version: {version!r} is not a version this worker reads ({SCHEMA_VERSION})"],
            job_id,
        )
    try:
        return MailJobV1.model_validate_json(text)
    except ValidationError as exc:
        raise JobRejected([_describe(error) for error in exc.errors()], job_id) from None
