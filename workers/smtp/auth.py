"""Logging in to an SMTP server, one mechanism after another, stopping where an exchange
goes astray.

aiosmtplib's ``login`` tries each mechanism the server offers in turn when one fails. After a
``334`` where the end of an exchange was expected, though, the server is still inside that
exchange (it asks for more): the next mechanism's ``AUTH LOGIN ...`` line is read as the
answer to its challenge, and what the user sees is a ``501 5.5.2 Can't decode base64`` that
hides the server's real reply. This is how Microsoft 365 answers when SMTP AUTH is off for
the mailbox or the tenant. So: the first mechanism that is answered ``334`` out of turn ends
the login; the exchange is cancelled with ``*`` (RFC 4954, section 4) and that reply is
what is reported (:class:`ChallengeLoop`).

The mechanisms are tried cheapest first where the password is safe on the wire
(:func:`mechanism_order`).
"""

from __future__ import annotations

import contextlib

import aiosmtplib
from aiosmtplib import SMTPResponse

from workers.smtp.codes import Reply

CANCEL = b"*"  # RFC 4954 4: the client cancels an AUTH exchange with a line holding "*"

# Over TLS: PLAIN sends its one answer with the command (RFC 4616, RFC 4954's initial
# response): one round trip; LOGIN and CRAM-MD5 (RFC 2195) wait for a challenge: two.
# In plain text CRAM-MD5 comes first: it does not send the password.
_OVER_TLS = ("plain", "login", "cram-md5")
_IN_PLAIN_TEXT = ("cram-md5", "plain", "login")


def mechanism_order(usable: list[str], encrypted: bool) -> list[str]:
    """The mechanisms ``usable`` (both sides know them; lower case) in the order to try."""
    preferred = _OVER_TLS if encrypted else _IN_PLAIN_TEXT
    known = [mechanism for mechanism in preferred if mechanism in usable]
    return known + [mechanism for mechanism in usable if mechanism not in preferred]


class ChallengeLoop(aiosmtplib.SMTPAuthenticationError):
    """The server answered ``mechanism`` with a 334 challenge where 235 or a refusal was due."""

    def __init__(self, code: int, message: str, mechanism: str) -> None:
        super().__init__(code, message)
        self.mechanism = mechanism


async def login(client: aiosmtplib.SMTP, username: str, password: str) -> SMTPResponse:
    """Log in with the first mechanism (:func:`mechanism_order`) that the server takes;
    raise the last refusal, or :class:`ChallengeLoop` at once."""
    encrypted = client.get_transport_info("ssl_object") is not None
    mechanisms = mechanism_order(client.supported_auth_methods, encrypted)
    if not mechanisms:  # no AUTH, or none in common: aiosmtplib's own words say which
        return await client.login(username, password)
    refusal: aiosmtplib.SMTPAuthenticationError | None = None
    for mechanism in mechanisms:
        method = getattr(client, f"auth_{mechanism.replace('-', '')}")
        try:
            response: SMTPResponse = await method(username, password)
            return response
        except aiosmtplib.SMTPAuthenticationError as error:
            if error.code == Reply.AUTH_CONTINUE:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                    await client.execute_command(CANCEL)
                raise ChallengeLoop(error.code, error.message, mechanism.upper()) from error
            refusal = error
    assert refusal is not None
    raise refusal
