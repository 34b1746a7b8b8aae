"""How a sent mail names its job, so that a bounce can be pinned on it again.

Three carriers, each written by the sender and read by the bounce parser:

- the VERP envelope sender ``bounce+<job_id>.<tag>@<event domain>``, where ``tag`` is a short
  HMAC of the job id under the server key (anyone can mail the event mailbox, so a bounce only
  counts against a job when its tag verifies);
- the ``X-Erpmail-Job-Id`` header of the sent mail (present when the bounce returns the
  original message or its headers);
- the ``Message-ID`` ``<erpmail.<job_id>@<event domain>>``.
"""

from __future__ import annotations

import base64
import hmac
import re
import uuid
from dataclasses import dataclass

JOB_ID_HEADER = "X-Erpmail-Job-Id"
VERP_LOCAL_PREFIX = "bounce"
TAG_LENGTH = 8
_TAG_BYTES = (TAG_LENGTH * 5 + 7) // 8  # base32 carries 5 bits a character

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_VERP_RE = re.compile(rf"\b{VERP_LOCAL_PREFIX}\+({_UUID})\.([a-z2-7]{{{TAG_LENGTH}}})@", re.I)
_MESSAGE_ID_RE = re.compile(rf"<?erpmail\.({_UUID})@", re.I)
_UUID_RE = re.compile(rf"^\s*<?({_UUID})>?\s*$")


@dataclass(frozen=True)
class VerpMatch:
    job_id: str
    tag: str


def verp_tag(job_id: str, key: bytes) -> str:
    """The first ``TAG_LENGTH`` base32 characters of HMAC-SHA256(key, job id): made from the
    digest's first bytes only, since base32 writes each 5 bytes as 8 characters of their own."""
    digest = hmac.digest(key, job_id.lower().encode("ascii"), "sha256")
    return base64.b32encode(digest[:_TAG_BYTES]).decode("ascii").lower()[:TAG_LENGTH]


def envelope_sender(job_id: str, domain: str, key: bytes) -> str:
    """The VERP return path for a job: bounces to it land in the event mailbox and name the job."""
    return f"{VERP_LOCAL_PREFIX}+{job_id.lower()}.{verp_tag(job_id, key)}@{domain}"


def find_verp(text: str) -> VerpMatch | None:
    """The first VERP address in ``text`` (a header value, an address), if any."""
    found = _VERP_RE.search(text)
    if found is None:
        return None
    return VerpMatch(job_id=str(uuid.UUID(found.group(1))), tag=found.group(2).lower())


def verify_tag(match: VerpMatch, key: bytes) -> bool:
    return hmac.compare_digest(match.tag, verp_tag(match.job_id, key))


def message_id_for(job_id: str, domain: str) -> str:
    return f"<erpmail.{job_id.lower()}@{domain}>"


def job_id_from_message_id(message_id: str) -> str | None:
    found = _MESSAGE_ID_RE.search(message_id)
    return str(uuid.UUID(found.group(1))) if found else None


def job_id_from_header(value: str) -> str | None:
    """The job id of an ``X-Erpmail-Job-Id`` header value, or None when it is not a UUID."""
    found = _UUID_RE.match(value)
    return str(uuid.UUID(found.group(1))) if found else None
