"""One mail transaction (MAIL FROM, RCPT TO each, DATA) over a pooled connection.

Each recipient has its own RCPT TO, so that a refusal names its recipient; the reply to each
step is classified (:mod:`workers.smtp.failures`). A reused connection that the server has
meanwhile closed is noticed at MAIL FROM, before anything was handed over, and the mail goes
out on a fresh connection instead.

Grouping (RFC 2920 section 3.1: "the actual transfer of message content is explicitly
allowed to be the first 'command' in a group"). With a server that pipelines, a mail about to
write its message after the 354 may carry the next mail's MAIL FROM, RCPT TO and DATA in the
same write, one write, one read and one round trip a mail fewer. What keeps it safe:

- Only a mail already waiting in the pool's line, whose job's ``sending`` mark is committed
  (``ready``: the sender started it as the mail neared its turn), follows: the mark comes
  before its MAIL FROM, as ever. None is waited for, so no mail's latency grows, and a
  server without PIPELINING keeps the plain path.
- Replies are read in order, a batch each (:meth:`SmtpSession.message_then`): the first
  mail's reply to its end of data is its own. It is sent only on a 250; the connection lost
  before that reply is the uncertain case it always was (a transient failure at DATA,
  retried). Its 4xx/5xx fails it alone: no RSET is written (the follower's transaction is
  under way); the server ends a refused transaction itself (RFC 5321 4.1.1.4).
- The follower reads its MAIL, RCPT and DATA replies as a pipelined mail does: a refusal, a
  421 or the connection lost before its MAIL reply leaves nothing of its message written (a
  lost connection or a 421 sends it on a fresh one, as a stale pooled connection does). Its
  message goes only after its own 354, written by its own attempt, which counts as holding
  the connection from then on (``held``). Cancelled before (a stopping worker gives back
  the jobs that hold no connection), its claim goes back as a waiting mail's does, and the
  connection is closed once the replies to its commands are in (so the mail before reads
  its own; :meth:`SmtpPool._drop`): a DATA answered 354 is abandoned the only way it can
  be, never ended with an empty message.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiosmtplib
from aiosmtplib import SMTPResponse

from schemas.addresses import has_control_character
from workers.smtp.codes import Reply
from workers.smtp.diagnosis import Step
from workers.smtp.failures import (
    ErrorClass,
    Failure,
    Kind,
    Refusal,
    classify,
    classify_refusals,
)
from workers.smtp.pool import ConnectFailed, Follower, SmtpPool
from workers.smtp.session import Replies, SmtpSession

# (write) -> whether the connection was passed on: ``write`` writes the next mail's command
# lines behind this mail's message end and gives their replies' future (SmtpPool.pass_on)
PassOn = Callable[[Callable[[Sequence[bytes]], Replies]], bool]


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    message: bytes
    crlf: bool = False  # every line of the message ends in CRLF (so message.py writes them)


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


async def transact(
    session: SmtpSession,
    envelope: Envelope,
    written: Replies | None = None,
    pass_on: PassOn | None = None,
    before_message: Callable[[], Awaitable[None]] | None = None,
) -> Accepted:
    """Send ``envelope`` on an open connection, or raise :class:`SendFailed`.

    With a server that pipelines, MAIL FROM, the RCPT TOs and DATA go out together and the
    replies are judged in order; otherwise one command waits for the other, and DATA is not
    sent when the recipients' replies already decide the attempt. A server that offers
    CHUNKING (RFC 3030) gets the message as one BDAT chunk instead of DATA: a mail to one
    recipient then takes a single round trip, pipelined with MAIL FROM and RCPT TO.

    ``written``: the replies to this mail's MAIL FROM, RCPT TO and DATA, written already
    behind another mail's message end. ``pass_on``: asked, with a server that pipelines, as
    the message is about to go, whether the next mail's commands go out with its end (the
    connection is then that mail's: this one reads its reply and leaves it alone).
    ``before_message`` is awaited just before the message is written.
    """
    step = Step.MAIL_FROM
    started = False  # the server said 354: the message could only be ended by sending it
    passed = False  # the connection is the next mail's: no RSET, whatever this one's end
    try:
        # (commands ``written`` were made by the mail before: _following_commands)
        mail, rcpts = _envelope_commands(envelope, session) if written is None else (b"", [])
        data_reply: SMTPResponse | None = None
        chunked = session.chunking
        if written is not None:  # (only on a server that pipelines, without CHUNKING)
            replies = await session.reply(written)
            mail_reply, rcpt_replies, data_reply = replies[0], replies[1:-1], replies[-1]
            started = data_reply.code == Reply.START_INPUT
        elif session.pipelining and chunked and len(rcpts) == 1:
            # one round trip: a refused recipient is the only one, so nobody is left out; the
            # server discards the chunk of a transaction without recipients (RFC 3030 s. 2)
            replies = await session.chunk(envelope.message, envelope.crlf, mail, *rcpts)
            mail_reply, rcpt_replies, data_reply = replies[0], replies[1:-1], replies[-1]
        elif session.pipelining and chunked:  # the recipients decide before the message goes
            replies = await session.commands(mail, *rcpts)
            mail_reply, rcpt_replies = replies[0], replies[1:]
        elif session.pipelining:
            replies = await session.commands(mail, *rcpts, b"DATA")
            mail_reply, rcpt_replies, data_reply = replies[0], replies[1:-1], replies[-1]
            started = data_reply.code == Reply.START_INPUT
        else:
            mail_reply = await session.command(mail)
            rcpt_replies = []
        if mail_reply.code != Reply.OK:
            refused = aiosmtplib.SMTPSenderRefused(
                mail_reply.code, mail_reply.message, envelope.sender
            )
            raise SendFailed(
                classify(refused, step),
                connection_ok=await _still_good(session, mail_reply, started),
                stale=mail_reply.code == Reply.CLOSING,
            )
        step = Step.RCPT_TO
        if not session.pipelining:
            rcpt_replies = [await session.command(rcpt) for rcpt in rcpts]
        refusals = [
            Refusal(recipient, reply.code, reply.message)
            for recipient, reply in zip(envelope.recipients, rcpt_replies, strict=True)
            if reply.code not in (Reply.OK, Reply.WILL_FORWARD)
        ]
        failure = classify_refusals(refusals, len(envelope.recipients))
        if failure is not None:
            raise SendFailed(failure, connection_ok=await _still_good(session, None, started))
        step = Step.DATA
        if data_reply is None and chunked:
            data_reply = (await session.chunk(envelope.message, envelope.crlf))[0]
        elif data_reply is None:
            data_reply = await session.command(b"DATA")
        reply = data_reply
        if reply.code == Reply.START_INPUT:
            if before_message is not None:
                await before_message()
            own: Replies | None = None

            def write(lines: Sequence[bytes]) -> Replies:
                nonlocal own
                own, then = session.message_then(envelope.message, envelope.crlf, lines)
                return then

            if session.pipelining and pass_on is not None and pass_on(write):
                assert own is not None
                passed = True
                reply = (await session.reply(own))[0]
            else:
                reply = await session.message(envelope.message, envelope.crlf)
            started = False  # the message is ended: the connection is back in step
        if reply.code != Reply.OK:
            error = aiosmtplib.SMTPDataError(reply.code, reply.message)
            raise SendFailed(
                classify(error, step),
                connection_ok=await _still_good(session, reply, started or passed),
            )
    except SendFailed:
        raise
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        # no reply, or no reply that can be trusted: the connection is done
        stale = step == Step.MAIL_FROM and isinstance(error, aiosmtplib.SMTPServerDisconnected)
        session.close()
        raise SendFailed(classify(error, step), connection_ok=False, stale=stale) from error
    return Accepted(f"{reply.code} {reply.message}", tuple(refusals))


async def _still_good(session: SmtpSession, reply: SMTPResponse | None, busy: bool) -> bool:
    """After a refusal: True when the connection can carry another mail. Not after a 421
    (the server is closing), nor when ``busy``: in the middle of DATA, or passed on to the
    next mail; otherwise when RSET succeeds."""
    if busy or (reply is not None and reply.code == Reply.CLOSING):
        return False
    return await session.reset()


def _envelope_commands(envelope: Envelope, session: SmtpSession) -> tuple[bytes, list[bytes]]:
    """``MAIL FROM:<...>`` (with SIZE when offered) and a ``RCPT TO:<...>`` per recipient."""
    addresses = (envelope.sender, *envelope.recipients)
    for address in addresses:
        if has_control_character(address):  # CR/LF would start a second command
            text = f"an address holds a control character: {address!r}"
            raise SendFailed(
                Failure(Kind.PERMANENT, ErrorClass.INVALID, text, Step.MAIL_FROM),
                connection_ok=True,
            )
    if not all(address.isascii() for address in addresses):
        if not session.supports("smtputf8"):
            raise aiosmtplib.SMTPNotSupported(
                "an address is not ASCII and the server does not offer SMTPUTF8"
            )
        options = " SMTPUTF8"
    else:
        options = ""
    if session.supports("size"):
        options += f" SIZE={len(envelope.message)}"
    mail = f"MAIL FROM:<{envelope.sender}>{options}".encode()
    return mail, [f"RCPT TO:<{recipient}>".encode() for recipient in envelope.recipients]


def _following_commands(envelope: Envelope, session: SmtpSession) -> list[bytes] | None:
    """The lines another mail's message end carries for ``envelope`` on ``session``: MAIL
    FROM, RCPT TO each, DATA; None where the mail cannot go out so (its addresses fail, or
    the server takes BDAT instead: :func:`transact` writes those itself)."""
    if session.chunking:
        return None
    try:
        mail, rcpts = _envelope_commands(envelope, session)
    except (SendFailed, aiosmtplib.SMTPException):
        return None
    return [mail, *rcpts, b"DATA"]


async def send(
    pool: SmtpPool,
    envelope: Envelope,
    held: Callable[[], Awaitable[None]] | None = None,
    near: Callable[[], None] | None = None,
    ready: Callable[[], bool] | None = None,
) -> Accepted:
    """Send ``envelope`` through ``pool``; a stale pooled connection is replaced once.

    ``held`` is awaited once, when a connection is first held and before anything of the
    mail is written on it (the sender marks its job ``sending`` there); what it raises is
    raised, the connection going back to the pool unused. ``near`` is called if the mail
    waits in the pool's line, when it comes near its turn (:meth:`SmtpPool.acquire`): work
    ``held`` will wait for can start there, while the mails ahead are on the wire.
    ``ready``, while the mail waits in line: True when what ``held`` waits for is done
    already, so that the mail ahead may write its commands behind its own message end
    (:meth:`SmtpPool.pass_on`); ``held`` is then awaited only as the mail's message is about
    to go (after its 354): cancelled before, the mail has had nothing of its message written
    (the connection is closed, :meth:`SmtpPool._drop`)."""
    follower = (
        Follower(functools.partial(_following_commands, envelope), ready)
        if ready is not None
        else None
    )
    for fresh in (False, True):
        try:
            connection = await pool.acquire(fresh=fresh, near=near, follower=follower)
            near = follower = None
        except ConnectFailed as failed:
            raise SendFailed(
                classify(failed.error, failed.step), connection_ok=False
            ) from failed.error
        written, connection.pending = connection.pending, None
        before_message = held if written is not None else None  # (its mark is in: ``ready``)
        if written is None and held is not None:
            try:
                await held()
            except BaseException:
                pool.release(connection, healthy=True)
                raise
            held = None
        passed = False

        def pass_on(write: Callable[[Sequence[bytes]], Replies]) -> bool:
            nonlocal passed
            passed = pool.pass_on(connection, write)  # noqa: B023 (called before the loop goes on)
            return passed

        healthy = False
        try:
            accepted = await transact(
                connection.session, envelope, written, pass_on, before_message
            )
            connection.sent += 1
            healthy = True
            return accepted
        except SendFailed as failed:
            healthy = failed.connection_ok
            if failed.stale and connection.reused and not fresh:
                continue
            raise
        finally:
            if not passed:
                pool.release(connection, healthy)
    raise AssertionError("unreachable: the second try either returns or raises")
