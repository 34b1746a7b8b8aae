"""One mail transaction (MAIL FROM, RCPT TO each, DATA) over a pooled connection.

Recipients are given one by one so that a refusal names its recipient; the reply to each
step is classified (``failures``). A reused connection that the server has meanwhile closed
is noticed at MAIL FROM, before anything was handed over, and the mail goes out on a fresh
connection instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosmtplib

from workers.sender.failures import (
    Failure,
    Refusal,
    Stage,
    classify_exception,
    classify_refusals,
)
from workers.sender.smtp_pool import ConnectFailed, SmtpPool


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    message: bytes


@dataclass(frozen=True)
class Accepted:
    """The server took the message; ``refusals`` are recipients it refused permanently."""

    reply: str
    refusals: tuple[Refusal, ...] = ()


class SendFailed(Exception):
    """The mail was not accepted. ``connection_ok``: the connection can be reused;
    ``stale``: a reused connection was found closed before anything was sent."""

    def __init__(self, failure: Failure, *, connection_ok: bool, stale: bool = False) -> None:
        self.failure = failure
        self.connection_ok = connection_ok
        self.stale = stale
        super().__init__(failure.text)


async def _reset(smtp: aiosmtplib.SMTP) -> bool:
    """RSET after a refused step; True when the connection is still good for another mail."""
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPException, OSError):
        return False
    return True


async def transact(smtp: aiosmtplib.SMTP, envelope: Envelope) -> Accepted:
    """Send ``envelope`` on an open connection, or raise :class:`SendFailed`."""
    stage = Stage.MAIL
    try:
        options = [f"SIZE={len(envelope.message)}"] if smtp.supports_extension("size") else []
        await smtp.mail(envelope.sender, options=options)
        stage = Stage.RCPT
        refusals: list[Refusal] = []
        for recipient in envelope.recipients:
            try:
                await smtp.rcpt(recipient)
            except aiosmtplib.SMTPRecipientRefused as refused:
                refusals.append(Refusal(recipient, refused.code, refused.message))
        failure = classify_refusals(refusals, len(envelope.recipients))
        if failure is not None:
            raise SendFailed(failure, connection_ok=await _reset(smtp))
        stage = Stage.DATA
        response = await smtp.data(envelope.message)
    except SendFailed:
        raise
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        answered = isinstance(error, aiosmtplib.SMTPResponseException) and error.code != 421
        stale = stage == Stage.MAIL and not answered
        connection_ok = answered and await _reset(smtp)
        raise SendFailed(
            classify_exception(error, stage), connection_ok=connection_ok, stale=stale
        ) from error
    return Accepted(f"{response.code} {response.message}", tuple(refusals))


async def send(pool: SmtpPool, envelope: Envelope) -> Accepted:
    """Send ``envelope`` through ``pool``; a stale pooled connection is replaced once."""
    for fresh in (False, True):
        try:
            connection = await pool.acquire(fresh=fresh)
        except ConnectFailed as failed:
            raise SendFailed(
                classify_exception(failed.error, failed.stage), connection_ok=False
            ) from failed.error
        healthy = False
        try:
            accepted = await transact(connection.smtp, envelope)
            connection.sent += 1
            healthy = True
            return accepted
        except SendFailed as failed:
            healthy = failed.connection_ok
            if failed.stale and connection.reused and not fresh:
                continue
            raise
        finally:
            pool.release(connection, healthy)
    raise AssertionError("unreachable: the second try either returns or raises")
