"""Mails for the bounce worker's tests: DSNs for our own jobs, and the hostile and ordinary
mail an event mailbox also receives."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

from tests.dsn import mails as dsn_mails
from tests.dsn.test_general_rules import SERVER_REPORTS
from workers.correlation import envelope_sender

SECRET = "test-secret-key"
EVENT_DOMAIN = "events.erpmail.test"


def server_mails() -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of a mixed event mailbox the suite writes itself (the shared
    corpus is not needed): each server's own bounce layout (``tests/dsn``), RFC 3464 reports
    with several recipients and causes, three auto-replies (``rfc3834-*``) and three
    feedback-loop reports (``arf-*``)."""
    found: list[tuple[str, bytes]] = []
    for name, ((sender, subject, body), _reason) in SERVER_REPORTS.items():
        raw = dsn_mails.plain(body, subject=subject, sender=sender)
        # Each mail its own Message-ID, as real servers give them.
        found.append((f"{name}.eml", raw.replace(b"<p-1@mx.example>", _message_id())))
    for n, recipients in enumerate(_RFC3464_RECIPIENTS, 1):
        raw = dsn_mails.dsn(recipients)
        found.append(
            (f"rfc3464-{n:02}.eml", raw.replace(b"<bounce-1@relay.example>", _message_id()))
        )
    found += [(f"rfc3834-{n:02}.eml", autoreply(n)) for n in range(1, 4)]
    found += [(f"arf-{n:02}.eml", feedback_report(f"reader{n}@example.org")) for n in range(1, 4)]
    return found


_RFC3464_RECIPIENTS = [
    [("kati@example.org", "5.1.1", "550 5.1.1 <kati@example.org>: User unknown")],
    [("mart@example.org", "5.2.2", "552 5.2.2 Mailbox full")],
    [
        ("tiit@example.org", "5.1.1", "550 5.1.1 No such user"),
        ("liis@example.net", "5.7.1", "554 5.7.1 Message rejected as spam"),
    ],
    [("ants@example.invalid", "5.1.2", "Host or domain name not found")],
    [("peeter@example.org", "5.3.4", "552 5.3.4 Message size exceeds fixed limit")],
]


def _message_id() -> bytes:
    return f"<{uuid.uuid4().hex}@mx.example.net>".encode()


_AUTOREPLY_LAYOUTS = [
    ("Auto-Submitted: auto-replied\r\n", "Automatic reply: Arve 2026-0042"),
    ("X-Autoreply: yes\r\n", "Re: Arve 2026-0042"),
    ("Precedence: auto_reply\r\n", "Out of office"),
]


def autoreply(n: int) -> bytes:
    """An out-of-office answer in one of three ways servers mark one (RFC 3834 and older)."""
    header, subject = _AUTOREPLY_LAYOUTS[(n - 1) % len(_AUTOREPLY_LAYOUTS)]
    return (
        f"From: Tiina Kask <tiina{n}@example.ee>\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        f"Subject: {subject}\r\n"
        f"{header}"
        f"Message-ID: <{uuid.uuid4().hex}@example.ee>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Olen puhkusel kuni 15. jaanuarini. I am away until 15 January.\r\n"
    ).encode()


def feedback_report(recipient: str) -> bytes:
    """An RFC 5965 feedback-loop (complaint) report about one of our mails."""
    boundary = "F-" + uuid.uuid4().hex
    text = f"""From: feedback@fbl.example.net
To: abuse@{EVENT_DOMAIN}
Subject: FW: Arve 2026-0042
Message-ID: <{uuid.uuid4().hex}@fbl.example.net>
Date: Wed, 25 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for an email message received from IP 192.0.2.25.

--{boundary}
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <acme@{EVENT_DOMAIN}>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Wed, 25 Nov 2026 09:58:00 +0000
Reporting-MTA: dns; fbl.example.net
Source-IP: 192.0.2.25

--{boundary}
Content-Type: text/rfc822-headers

From: Mari <mari@acme.example>
To: {recipient}
Subject: Arve 2026-0042
Message-ID: <erpmail.{uuid.uuid4()}@{EVENT_DOMAIN}>

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


def _postfix_dsn_head(to: str, message_id: str, boundary: str) -> str:
    """The header of a Postfix DSN to ``to``, and the blank line after it."""
    return f"""Return-Path: <>
Delivered-To: {to}
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: {message_id}
Date: Wed, 25 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
"""


def dsn(
    job_id: str | None,
    recipient: str,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    tag_key: str = SECRET,
    message_id: str | None = None,
    to: str | None = None,
) -> bytes:
    """An RFC 3464 DSN from Postfix, sent back to the VERP address of ``job_id``."""
    return_path = envelope_sender(job_id, EVENT_DOMAIN, tag_key.encode()) if job_id else None
    to = to or return_path or f"someone@{EVENT_DOMAIN}"
    message_id = message_id or f"<{uuid.uuid4().hex}@mx.example.net>"
    boundary = "B-" + uuid.uuid4().hex
    text = f"""{_postfix_dsn_head(to, message_id, boundary)}
--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.
I'm sorry to have to inform you that your message could not be delivered.

<{recipient}>: host mx.example.ee said: 550 5.1.1 User unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Wed, 25 Nov 2026 09:59:58 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.ee
Diagnostic-Code: {diagnostic.format(rcpt=recipient)}

--{boundary}
Content-Type: text/rfc822-headers

Return-Path: <{return_path or "sender@example.com"}>
From: Mari <mari@acme.example>
To: {recipient}
Subject: Arve
Message-ID: <erpmail.{job_id or uuid.uuid4()}@{EVENT_DOMAIN}>

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


def soft_dsn(job_id: str, recipient: str, **kwargs: str) -> bytes:
    return dsn(
        job_id,
        recipient,
        status="4.2.2",
        action="delayed",
        diagnostic="smtp; 452 4.2.2 <{rcpt}>: Mailbox full",
        **kwargs,
    )


def delivered_dsn(job_id: str, recipient: str) -> bytes:
    return dsn(job_id, recipient, status="2.0.0", action="delivered", diagnostic="smtp; 250 ok")


def human_reply(subject: str = "Re: Arve 2026-0042") -> bytes:
    return (
        "From: Jüri Tamm <juri@example.ee>\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.ee>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Aitäh, arve kätte saadud!\r\n"
    ).encode()


def newsletter() -> bytes:
    return (
        "From: News <news@shop.example>\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        "Subject: Black Friday: -50%\r\n"
        "List-Unsubscribe: <mailto:unsub@shop.example>\r\n"
        "Precedence: bulk\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@shop.example>\r\n"
        "Content-Type: text/html\r\n\r\n<p>Sale!</p>\r\n"
    ).encode()


def binary_garbage(size: int = 4000) -> bytes:
    return b"\x00\x01\xff" + os.urandom(size)


def malformed_mime() -> bytes:
    return (
        b"From: MAILER-DAEMON@broken.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <" + uuid.uuid4().hex.encode() + b"@broken.example>\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"--\r\n\x00\x00 ===== not base64 at all \xff\xfe\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: \r\n--"
    )


def huge_mail(size: int) -> bytes:
    """An ordinary mail with a big attachment (more than the worker reads)."""
    head = (
        "From: Mari <mari@acme.example>\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        "Subject: scans\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@acme.example>\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    return head + line * (size // len(line))


def multi_dsn(
    to: str,
    recipients: Sequence[str],
    *,
    diagnostic: str = "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
) -> bytes:
    """An RFC 3464 DSN sent to ``to`` (a job's VERP address) listing every one of
    ``recipients`` as failed, each with ``diagnostic``."""
    boundary = "B-" + uuid.uuid4().hex
    blocks = "".join(
        f"\nFinal-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.1.1\n"
        f"Remote-MTA: dns; mx.example.ee\nDiagnostic-Code: {diagnostic.format(rcpt=rcpt)}\n"
        for rcpt in recipients
    )
    message_id = f"<{uuid.uuid4().hex}@mx.example.net>"
    text = f"""{_postfix_dsn_head(to, message_id, boundary)}
--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net. Your message could not be delivered.

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
{blocks}
--{boundary}
Content-Type: text/rfc822-headers

Return-Path: <{to}>
From: Mari <mari@acme.example>
Subject: Arve

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()
