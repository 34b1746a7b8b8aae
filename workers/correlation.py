"""How a sent mail names its job, so that a bounce can be pinned on it again.

Three carriers, each written by the sender and read by the bounce parser:

- the VERP envelope sender ``bounce+<job_id>.<tag>@<event domain>``, where ``tag`` is a short
  HMAC of the job id under the server key (anyone can mail the event mailbox, so a bounce only
  counts against a job when its tag verifies);
- the ``X-Erpmail-Job-Id`` header of the sent mail (present when the bounce returns the
  original message or its headers);
- the ``Message-ID`` ``<erpmail.<job_id>@<event domain>>``.

The tag proves the job, not the recipients: every recipient of a mail holds its tag. So the
sender keeps, with the job, a keyed digest of each recipient (:func:`recipient_digests`), and a
bounce counts against the job only for an address among them (:func:`was_sent_to`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

JOB_ID_HEADER = "X-Erpmail-Job-Id"
VERP_LOCAL_PREFIX = "bounce"
TAG_LENGTH = 8
_TAG_BYTES = (TAG_LENGTH * 5 + 7) // 8  # base32 carries 5 bits a character
RECIPIENT_DIGEST_BYTES = 8  # 64 bits: unguessable without the key, 17 characters a recipient

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_VERP_RE = re.compile(rf"\b{VERP_LOCAL_PREFIX}\+({_UUID})\.([a-z2-7]{{{TAG_LENGTH}}})@", re.I)
_MESSAGE_ID_RE = re.compile(rf"<?erpmail\.({_UUID})@", re.I)
_UUID_RE = re.compile(rf"^\s*<?({_UUID})>?\s*$")


@dataclass(frozen=True)
class VerpMatch:
    job_id: str
    tag: str


class Signer:
    """The keyed digests of one key: the VERP tag and the recipients' digests.

    The key is set up once and each digest is made on a copy: cheaper than keying a new HMAC,
    and unlike the one-shot ``hmac.digest`` it keeps the interpreter lock, which that one
    lets go of even for a few bytes (on the sender's event loop the database thread then
    took it, and the loop waited for it back for every job).
    """

    def __init__(self, key: bytes) -> None:
        # hmac is imported where a key is used: the bounce parser (``erpmail dsn parse``)
        # reads job ids without one, and would pay its import at every start.
        import hmac

        self._keyed = hmac.new(key, digestmod="sha256")

    def _digest(self, message: bytes) -> bytes:
        keyed = self._keyed.copy()
        keyed.update(message)
        return keyed.digest()

    def verp_tag(self, job_id: str) -> str:
        """The first ``TAG_LENGTH`` base32 characters of HMAC-SHA256(key, job id): made from
        the digest's first bytes only, since base32 writes each 5 bytes as 8 characters of
        their own."""
        import base64

        digest = self._digest(job_id.lower().encode("ascii"))
        return base64.b32encode(digest[:_TAG_BYTES]).decode("ascii").lower()[:TAG_LENGTH]

    def envelope_sender(self, job_id: str, domain: str) -> str:
        """The VERP return path for a job: bounces to it land in the event mailbox and name
        the job."""
        return f"{VERP_LOCAL_PREFIX}+{job_id.lower()}.{self.verp_tag(job_id)}@{domain}"

    def recipient_digest(self, job_id: str, address: str) -> str:
        """HMAC-SHA256 of one recipient of one job (the job id in it: the same address in two
        jobs gives two digests, so the stored digests tell nothing across jobs). Its own
        ``recipient`` prefix keeps it apart from the VERP tag, an HMAC of the job id alone."""
        message = f"recipient\x00{job_id.lower()}\x00{address.strip().lower()}".encode()
        return self._digest(message)[:RECIPIENT_DIGEST_BYTES].hex()

    def recipient_digests(self, job_id: str, addresses: Iterable[str]) -> str:
        """The digests of a job's recipients as stored with the job: space-separated."""
        return " ".join(sorted({self.recipient_digest(job_id, address) for address in addresses}))


def verp_tag(job_id: str, key: bytes) -> str:
    """:meth:`Signer.verp_tag` under ``key``."""
    return Signer(key).verp_tag(job_id)


def envelope_sender(job_id: str, domain: str, key: bytes) -> str:
    """:meth:`Signer.envelope_sender` under ``key``."""
    return Signer(key).envelope_sender(job_id, domain)


def find_verp(text: str) -> VerpMatch | None:
    """The first VERP address in ``text`` (a header value, an address), if any."""
    found = _VERP_RE.search(text)
    if found is None:
        return None
    return VerpMatch(job_id=str(uuid.UUID(found.group(1))), tag=found.group(2).lower())


def verify_tag(match: VerpMatch, key: bytes) -> bool:
    import hmac

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


def recipient_digests(job_id: str, addresses: Iterable[str], key: bytes) -> str:
    """:meth:`Signer.recipient_digests` under ``key``."""
    return Signer(key).recipient_digests(job_id, addresses)


def was_sent_to(digests: str | None, job_id: str, address: str, keys: Sequence[bytes]) -> bool:
    """Whether ``address`` is among a job's recipients, under any of ``keys`` (the digests
    were made with the key that was first when the job was sent)."""
    if not digests or not address:
        return False
    stored = set(digests.split())
    return any(Signer(key).recipient_digest(job_id, address) in stored for key in keys)
