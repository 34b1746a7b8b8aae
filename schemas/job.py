"""Mail job v1: what a producer publishes to ``mail.jobs``.

The pydantic model is the source of truth; ``schemas/mail-job.v1.schema.json`` is generated
from it (``python -m schemas.export``) and a test fails when the two drift apart.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

from schemas.addresses import MAILBOX_PATTERN, AddressError, parse_mailbox

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

# Every rule below is written once, as a regular expression in the syntax that Python's re,
# ECMAScript (u flag: ajv) and Rust's regex (pydantic) read alike, and both checked here and
# written into the JSON Schema. A pattern's "^...$" is not enough on its own: Python's "$"
# also matches before a final newline (jsonschema uses re.search), so every string that
# carries a pattern also carries "not: control characters", which no validator reads apart.
CONTROL = "[\\x00-\\x1f\\x7f-\\x9f]"  # C0, DEL and C1: never in a header-bound string
CONTROL_IN_TEXT = "[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]"  # free header text may hold a tab
HEADER_NAME = "^[!-9;-~]{1,76}$"  # RFC 5322 ftext, 1-76 characters
SLUG = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
UUID_TEXT = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
MIME_TYPE = "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$"
# Four classes written out, not "{4}": V8 backtracks through a counted group once a group of
# four, and a 10 MiB attachment overflows its stack; written out it runs as a plain loop.
_B64 = "[A-Za-z0-9+/]"
BASE64 = f"^(?:{_B64 * 4})*(?:{_B64 * 2}==|{_B64 * 3}=)?$"
# RFC 3339 date-time with its offset (a time without a zone means nothing to a worker
# elsewhere); field ranges checked, a day the month does not have is not (see UNEXPRESSED).
RFC3339 = (
    "^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,6})?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _case_insensitive(name: str) -> str:
    # Letters as [Xx]; the names' other characters ("-") stand for themselves unescaped (an
    # escaped "-" outside a class is an error with the u flag).
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in name)


RESERVED_HEADER_PATTERN = (
    "^(?:" + "|".join(_case_insensitive(name) for name in sorted(RESERVED_HEADERS)) + ")$"
)

# What the worker checks and JSON Schema cannot say: in the schema's description and README.
UNEXPRESSED = (
    f"the attachments' decoded sizes add up to at most {MAX_TOTAL_ATTACHMENT_BYTES} bytes",
    f"to, cc and bcc together hold at most {MAX_RECIPIENTS} addresses",
    f"the whole message is at most {MAX_JOB_BYTES} bytes of UTF-8 JSON",
    "a domain with non-ASCII letters is a valid international domain name (IDNA)",
)
# Stated by "format" alone, which a validator asserts only when asked to (ajv-formats;
# jsonschema's FormatChecker with rfc3339-validator installed): also in the description.
FORMATS_ONLY = (
    "created_at names a day its month has (format date-time; the pattern allows 02-30)",
)

_UUID = re.compile(UUID_TEXT)
_BASE64 = re.compile(BASE64)
_RFC3339 = re.compile(RFC3339)
_HEADER_NAME = re.compile(HEADER_NAME)


def _no_control(control: str) -> dict[str, Any]:
    return {"not": {"pattern": control}}


def _refuse_control(control: str) -> AfterValidator:
    found = re.compile(control).search

    def check(value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError("contains a line break (CR or LF), which could inject headers")
        if found(value):
            raise ValueError("contains a control character")
        return value

    return AfterValidator(check)


def _shaped(pattern: str, problem: str) -> AfterValidator:
    fullmatch = re.compile(pattern).fullmatch  # fullmatch: a pattern's "$" passes a final "\n"

    def check(value: str) -> str:
        if fullmatch(value) is None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _mailbox(value: str) -> str:
    try:
        _name, address = parse_mailbox(value)
    except AddressError as exc:
        raise ValueError(str(exc)) from None
    if _ADDRESS.fullmatch(value) is None:
        raise ValueError(f"is not an address of the form the schema states: {value!r}")
    domain = address.rpartition("@")[2]
    if not domain.isascii():
        try:  # as the MIME writer will, to write its xn-- form
            ascii_form = domain.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = ""
        if _LDH_DOMAIN.fullmatch(ascii_form) is None:  # the codec maps some to a space
            raise ValueError(f"{domain!r} is not a valid international domain name")
    return value


_ADDRESS = re.compile(MAILBOX_PATTERN)
_LDH_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")

Mailbox = Annotated[
    str,
    Field(
        min_length=3,
        max_length=320,
        description="One address, optionally with a display name: 'Mari Tamm <mari@example.ee>'",
        json_schema_extra={"pattern": MAILBOX_PATTERN, **_no_control(CONTROL)},
    ),
    _refuse_control(CONTROL),
    AfterValidator(_mailbox),
]
HeaderText = Annotated[
    str,
    Field(max_length=MAX_HEADER_VALUE, json_schema_extra=_no_control(CONTROL_IN_TEXT)),
    _refuse_control(CONTROL_IN_TEXT),
]
Slug = Annotated[
    str,
    Field(json_schema_extra={"pattern": SLUG, **_no_control(CONTROL)}),
    _shaped(SLUG, "is not a name of 1-64 letters, digits, '_', '.', '-' (a letter or digit first)"),
]


# The two below read the JSON string themselves: strict mode takes no string for a UUID or a
# datetime once a validator has run before it.
def _uuid_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _UUID.fullmatch(value) is None:
        raise ValueError("is not a UUID in its hyphenated form (8-4-4-4-12 hex digits)")
    return UUID(value)


def _rfc3339(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _RFC3339.fullmatch(value) is None:
        raise ValueError("is not an RFC 3339 date-time with its zone (2026-12-06T08:00:00Z)")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("names a day its month does not have") from None


JobId = Annotated[
    UUID,
    BeforeValidator(_uuid_text),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uuid",
            "pattern": UUID_TEXT,
            **_no_control(CONTROL),
            "description": "Producer-chosen UUID; the idempotency key",
        }
    ),
]
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": RFC3339, **_no_control(CONTROL)}
    ),
]
# A tenant or user code (the Slug rule): what a job may name, and so what a configuration may
# be stored under and a command may be given.
CODE_RULE = "1 to 64 letters, digits, '.', '_' or '-', the first a letter or digit"
_CODE_FULLMATCH = re.compile(SLUG).fullmatch


def is_code(value: str) -> bool:
    """Whether ``value`` is a tenant or user code a job may carry."""
    return _CODE_FULLMATCH(value) is not None


class JobKind(StrEnum):
    INVOICE = "invoice"
    CUSTOMER = "customer"
    MASS = "mass"


def _base64_rule(schema: dict[str, Any]) -> None:
    # At most MAX_ATTACHMENT_BYTES decoded. The limit is 3n + 1 bytes, so the longest string
    # allowed (n + 1 groups of four) holds one byte in its last group and must end "==";
    # every shorter valid string is at most n groups, n * 3 bytes.
    assert MAX_ATTACHMENT_BYTES % 3 == 1
    schema["pattern"] = BASE64
    schema["anyOf"] = [{"maxLength": _MAX_BASE64_CHARS - 4}, {"pattern": "==$"}]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    filename: Annotated[
        str,
        Field(min_length=1, max_length=255, json_schema_extra=_no_control(CONTROL)),
        _refuse_control(CONTROL),
    ]
    content_type: Annotated[
        str,
        Field(
            max_length=127,
            description="MIME type, e.g. application/pdf",
            json_schema_extra={"pattern": MIME_TYPE, **_no_control(CONTROL)},
        ),
        _shaped(MIME_TYPE, "is not a MIME type such as application/pdf"),
    ]
    content_base64: str = Field(
        max_length=_MAX_BASE64_CHARS,
        description=f"The file, base64-encoded (RFC 4648, padded, no line breaks); at most "
        f"{MAX_ATTACHMENT_BYTES} bytes decoded",
        json_schema_extra=_base64_rule,
    )

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        if _BASE64.fullmatch(value) is None:
            raise ValueError("is not valid base64")
        size = len(value) * 3 // 4 - value[-2:].count("=")
        if size > MAX_ATTACHMENT_BYTES:
            raise ValueError(f"{size} bytes, over the limit of {MAX_ATTACHMENT_BYTES} per file")
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)

    def size(self) -> int:
        """Decoded size in bytes, without decoding."""
        padding = self.content_base64[-2:].count("=")
        return len(self.content_base64) * 3 // 4 - padding


def _header_names(schema: dict[str, Any]) -> None:
    # pydantic writes key constraints as patternProperties, which lets other keys through.
    schema.pop("patternProperties", None)
    schema["propertyNames"] = {
        "pattern": HEADER_NAME,
        "not": {"pattern": f"{RESERVED_HEADER_PATTERN}|{CONTROL}"},
    }


def _job_schema(schema: dict[str, Any]) -> None:
    schema["$id"] = "https://erpmail.invalid/schemas/mail-job.v1.schema.json"
    schema["description"] = (
        "One mail to send. job_id is the idempotency key: a job_id is never sent twice. "
        "Beyond this schema the worker also checks that: "
        + "; ".join(UNEXPRESSED)
        + ". Only validators that assert formats check that: "
        + "; ".join(FORMATS_ONLY)
        + "."
    )
    # At least one body: a non-empty text or html.
    schema["anyOf"] = [
        {"required": [body], "properties": {body: {"type": "string", "minLength": 1}}}
        for body in ("text", "html")
    ]


class MailJobV1(BaseModel):
    """One mail to send. ``job_id`` is the idempotency key: a job_id is never sent twice."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        title="erpmail mail job v1",
        json_schema_extra=_job_schema,
    )

    schema_version: Literal[1]
    job_id: JobId
    tenant: Slug = Field(description="Tenant (company) the job belongs to")
    user_code: Slug = Field(description="ERP user whose SMTP configuration sends the mail")
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
        json_schema_extra=_header_names,
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the producer made it (RFC 3339, with its zone)"
    )

    @field_validator("headers")
    @classmethod
    def _header_names(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if _HEADER_NAME.fullmatch(name) is None:
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
    if isinstance(raw, bytes) and len(raw) > MAX_JOB_BYTES:
        raise JobRejected([f"(job): {len(raw)} bytes, over the limit of {MAX_JOB_BYTES}"])
    try:
        # a good job is read once, from its bytes: the JSON parser checks the UTF-8 itself,
        # and a text decoded first would be encoded back to UTF-8 for it
        return MailJobV1.model_validate_json(raw)
    except ValidationError:
        pass  # find out what is wrong, in the order below
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JobRejected([f"(job): not UTF-8 (byte {exc.start} cannot be decoded)"]) from None
    else:
        text = raw
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
