"""Which bounce a mail is: its key for idempotency (pure).

The key is the bounce's Message-ID together with a short hash of its body, or, for a mail
without a Message-ID, the hash of all its bytes. The body hash keeps two different mails
that share a Message-ID (careless or anonymising servers do that) apart, while the same
bounce delivered twice — whose headers may differ by a ``Received`` line — keeps one key.
Line endings do not count: IMAP hands out CRLF where a Maildir file may hold LF.
"""

from __future__ import annotations

import hashlib
import re

KEY_LENGTH = 255
BODY_HASH_CHARS = 16
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_LINE_END = re.compile(rb"\r\n|\r")


def body_of(raw: bytes) -> bytes:
    """Everything after the header block (all of ``raw`` when it has none)."""
    found = _HEADER_END.search(raw)
    return raw[found.end() :] if found else raw


def bounce_key(raw: bytes, message_id: str) -> str:
    raw = _LINE_END.sub(b"\n", raw)
    message_id = " ".join(message_id.split())
    if not message_id:
        return f"sha256:{hashlib.sha256(raw).hexdigest()}"
    body_hash = hashlib.sha256(body_of(raw)).hexdigest()[:BODY_HASH_CHARS]
    key = f"mid:{message_id}#{body_hash}"
    if len(key) <= KEY_LENGTH:
        return key
    return (
        f"midsha256:{hashlib.sha256(message_id.encode('utf-8', 'replace')).hexdigest()}#{body_hash}"
    )
