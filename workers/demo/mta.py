"""The demo's stand-in for the recipients' mail servers, on loopback.

It answers the way real servers do, by the recipient's local part:

- ``nobody@…``: refused at RCPT TO (``550 5.1.1``): a bounce during the SMTP conversation;
- ``gone@…``: accepted, then a delivery status notification comes back later (``5.1.1``,
  the mailbox does not exist): a hard bounce to the envelope sender;
- ``full@…``: accepted, then a notification (``4.2.2``, mailbox full): a soft bounce;
- anybody else: accepted and delivered.

The notifications are written as RFC 3464 reports to the envelope sender (the job's VERP
address) and handed to the event mailbox, as a remote MTA's bounce would arrive there.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid
from typing import Any

REFUSED = "nobody"
LATER_BOUNCES = {
    "gone": ("5.1.1", "550 5.1.1 The email account that you tried to reach does not exist"),
    "full": ("4.2.2", "452 4.2.2 The email account that you tried to reach is over quota"),
}
MTA_NAME = "mx.demo.example"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class DemoMta:
    """An aiosmtpd server on 127.0.0.1 that records what it accepted."""

    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    port: int = 0
    _controller: Any = None

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address.split("@", 1)[0].lower() == REFUSED:
            self.refused.append(address)
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 2.0.0 OK: queued"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def later_bounces(self) -> list[bytes]:
        """The notifications the recipients' servers send back after accepting."""
        reports = []
        for mail in self.received:
            for recipient in mail.rcpt_tos:
                local = recipient.split("@", 1)[0].lower()
                if local in LATER_BOUNCES:
                    status, diagnostic = LATER_BOUNCES[local]
                    reports.append(delivery_report(mail, recipient, status, diagnostic))
        return reports


def _returned_headers(content: bytes) -> str:
    head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return head.decode("utf-8", "replace").replace("\r\n", "\n")


def delivery_report(mail: Received, recipient: str, status: str, diagnostic: str) -> bytes:
    """An RFC 3464 report of ``recipient``'s failure, to the mail's envelope sender."""
    boundary = f"report-{uuid.uuid4().hex}"
    now = format_datetime(datetime.now(UTC))
    text = f"""\
From: Mail Delivery System <MAILER-DAEMON@{MTA_NAME}>
To: {mail.mail_from}
Subject: Undelivered Mail Returned to Sender
Date: {now}
Message-ID: {make_msgid(domain=MTA_NAME)}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {MTA_NAME}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host {MTA_NAME} said: {diagnostic}

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; {MTA_NAME}
Arrival-Date: {now}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: failed
Status: {status}
Remote-MTA: dns; {MTA_NAME}
Diagnostic-Code: smtp; {diagnostic}

--{boundary}
Content-Type: text/rfc822-headers

{_returned_headers(mail.content)}
--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("utf-8")
