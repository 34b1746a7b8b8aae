"""Real SMTP servers on loopback (aiosmtpd) that behave as the sender's tests need.

One :class:`SmtpServer` accepts mail and keeps a log of what it received (the Message-IDs
are what the duplicate counts are made from); its :class:`Behaviour` makes it answer 4xx for
the first N transactions, 5xx always, refuse some recipients, drop the connection in the
middle of DATA, or stall before answering.
"""

from __future__ import annotations

import asyncio
import email
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from tests.smtp_servers import ChunkingSMTP, PipeliningSMTP, free_port


@dataclass
class Behaviour:
    fail_first: int = 0  # answer "451 4.3.0" to DATA for the first N transactions
    reject_data: str | None = None  # e.g. "554 5.7.1 Message rejected as spam"
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> RCPT reply
    drop_first: int = 0  # close the connection instead of answering DATA, N times
    stall_seconds: float = 0.0  # wait this long before answering DATA
    stall_first: int = 0  # ... for the first N transactions only (0: always)
    stall_after: int = 0  # ... or only for those after the first N
    login_refusal: str | None = None  # offer AUTH and refuse every login with this reply
    refuse_sender: str | None = None  # the reply to every MAIL FROM, e.g. "553 5.7.1 ..."
    refuse_senders: dict[str, str] = field(default_factory=dict)  # sender -> MAIL FROM reply
    # transaction number (from 1) -> the reply to its end of data instead of accepting it
    data_replies: dict[int, str] = field(default_factory=dict)
    close_after: frozenset[int] = frozenset()  # transactions after whose DATA reply it closes

    def stalls(self, transaction: int) -> bool:
        """Whether the ``transaction``-th DATA (from 1) waits ``stall_seconds``."""
        if not self.stall_seconds:
            return False
        if self.stall_first:
            return transaction <= self.stall_first
        return transaction > self.stall_after


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message_id: str
    job_id: str
    data: bytes
    at: float = field(default_factory=time.time)  # when the mail's data had come in


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.owner.on_mail is not None:
            self.owner.on_mail(address)
        behaviour = self.owner.behaviour
        reply = behaviour.refuse_senders.get(address, behaviour.refuse_sender)
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.owner.behaviour.refuse.get(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        owner = self.owner
        behaviour = owner.behaviour
        with owner.lock:
            owner.transactions += 1
            number = owner.transactions
        if behaviour.stalls(number):
            await asyncio.sleep(behaviour.stall_seconds)
        if number <= behaviour.drop_first:
            server.transport.close()
            return "421 4.3.0 closing"  # never reaches the client: the connection is gone
        if number in behaviour.data_replies:
            reply = behaviour.data_replies[number]
        elif number <= behaviour.fail_first:
            reply = "451 4.3.0 Temporary failure, try again later"
        elif behaviour.reject_data:
            reply = behaviour.reject_data
        else:
            message = email.message_from_bytes(envelope.content)
            owner.record(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    str(message.get("Message-ID", "")),
                    str(message.get("X-Erpmail-Job-Id", "")),
                    envelope.content,
                )
            )
            reply = "250 2.0.0 Ok: queued"
        if number in behaviour.close_after:
            # the reply written, then closed at once: what is still read is never answered
            # (aiosmtpd's own copy of the reply goes nowhere)
            server.transport.write(f"{reply}\r\n".encode())
            server.transport.close()
        return reply


class _CountingSMTP(PipeliningSMTP, ChunkingSMTP):
    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        owner = handler.owner
        super().__init__(handler, pipelining=owner.pipelining, chunking=owner.chunking, **kwargs)
        self._owner = handler.owner

    def connection_made(self, transport: Any) -> None:
        with self._owner.lock:
            self._owner.connections += 1
        super().connection_made(transport)

    async def smtp_BDAT(self, arg: str) -> None:
        with self._owner.lock:
            self._owner.chunks += 1
        await super().smtp_BDAT(arg)


def _refuse_login(reply: str) -> Any:
    def authenticator(*_args: Any) -> AuthResult:
        return AuthResult(success=False, handled=False, message=reply)

    return authenticator


class _Controller(Controller):
    def factory(self) -> SMTP:
        refusal = self.handler.owner.behaviour.login_refusal
        extra: dict[str, Any] = {}
        if refusal:
            extra = {"authenticator": _refuse_login(refusal), "auth_require_tls": False}
        return _CountingSMTP(self.handler, hostname="smtp.test", **self.SMTP_kwargs, **extra)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 with a log of the mail it accepted."""

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        port: int | None = None,
        pipelining: bool = True,
        chunking: bool = False,
    ) -> None:
        self.behaviour = behaviour or Behaviour()
        self.pipelining = pipelining  # offer PIPELINING (RFC 2920) in the EHLO reply
        self.chunking = chunking  # offer CHUNKING (RFC 3030: BDAT)
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.connections = 0
        self.chunks = 0  # BDAT commands received
        self.transactions = 0
        self.on_mail: Callable[[str], None] | None = None  # called with each MAIL FROM address
        self._controller: _Controller | None = None

    def record(self, received: Received) -> None:
        with self.lock:
            self.received.append(received)

    def start(self) -> SmtpServer:
        self._controller = _Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_id_counts(self) -> Counter[str]:
        with self.lock:
            return Counter(received.message_id for received in self.received)

    def accepted(self) -> int:
        with self.lock:
            return len(self.received)
