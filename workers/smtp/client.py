"""aiosmtplib's client, whose server replies are valid UTF-8 text.

A server's reply is outside text: erpmail writes it on into a job's row, its log line, its
dead letter and its notices, and prints it (``config test``). aiosmtplib decodes a reply's
bytes that are not UTF-8 (a server answering in Latin-1, or junk) into lone surrogates, on
which every later UTF-8 encode raises. :class:`SmtpClient` turns them into U+FFFD as each
reply comes out of aiosmtplib, as the session's own reply reader
(:mod:`workers.smtp.session`) decodes with :func:`reply_text`: one rule for every reply,
the greeting, EHLO, STARTTLS and AUTH ones, and those erpmail reads itself afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import aiosmtplib
from aiosmtplib import SMTPResponse


def reply_text(raw: bytes) -> str:
    """The text of a reply's bytes: what is not UTF-8 becomes U+FFFD."""
    return raw.decode("utf-8", "replace")


def valid_text(text: str) -> str:
    """``text`` as aiosmtplib decoded it (bytes not UTF-8 as lone surrogates, PEP 383), as
    :func:`reply_text` would have decoded its bytes."""
    if text.isascii():  # nearly every reply: no encode to try
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no byte was escaped to: not aiosmtplib's
            raw = text.encode("utf-8", "replace")
        return reply_text(raw)
    return text


async def _valid(reply: Awaitable[SMTPResponse]) -> SMTPResponse:
    """The reply awaited, or the refusal raised, with its text made valid (the refusal in
    place: it goes on as raised)."""
    try:
        response = await reply
    except aiosmtplib.SMTPResponseException as error:
        error.message = valid_text(error.message)
        error.args = (error.code, error.message, *error.args[2:])
        raise
    message = valid_text(response.message)
    return response if message is response.message else SMTPResponse(response.code, message)


class SmtpClient(aiosmtplib.SMTP):
    """``aiosmtplib.SMTP`` whose replies, returned or raised, are valid text.

    Every command's reply comes through :meth:`execute_command` (EHLO, HELO, AUTH, MAIL,
    RCPT, RSET, QUIT); the rest are read by aiosmtplib's protocol directly: the greeting
    (in :meth:`connect`), STARTTLS's reply and DATA's two."""

    async def connect(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        return await _valid(super().connect(*args, **kwargs))

    async def execute_command(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        return await _valid(super().execute_command(*args, **kwargs))

    async def starttls(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        return await _valid(super().starttls(*args, **kwargs))

    async def data(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        return await _valid(super().data(*args, **kwargs))
