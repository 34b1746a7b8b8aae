"""SMTP reply codes by name (RFC 5321 section 4.2.3; 334/538 from RFC 4954, AUTH).

aiosmtplib's ``SMTPStatus`` names most of them; the ones erpmail judges a reply by are
here, with the two it lacks, so that code reads ``Reply.START_INPUT`` and not ``354``.
"""

from __future__ import annotations

from enum import IntEnum


class Reply(IntEnum):
    READY = 220  # the greeting
    OK = 250
    WILL_FORWARD = 251  # "user not local; will forward": accepted
    AUTH_CONTINUE = 334  # the next step of an AUTH exchange
    START_INPUT = 354  # DATA: send the message
    CLOSING = 421  # the server is closing the connection
    MECHANISM_UNKNOWN = 504  # at AUTH: a mechanism the server does not take
    AUTH_REQUIRED = 530
    ENCRYPTION_REQUIRED = 538  # at AUTH: TLS first
    TOO_LARGE = 552  # exceeded storage allocation (the message is too big)

    @staticmethod
    def transient(code: int) -> bool:
        """A 4xx reply: the same command may succeed later."""
        return 400 <= code < 500

    @staticmethod
    def permanent(code: int) -> bool:
        return 500 <= code < 600
