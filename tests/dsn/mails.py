"""Small hand-written bounce mails for the tests (built here, not copied from the corpus)."""

from __future__ import annotations


def dsn(
    recipients: list[tuple[str, str, str]],
    *,
    to: str = "sender@shop.example",
    returned: str = "",
    returned_type: str = "message/rfc822",
    extra_headers: str = "",
) -> bytes:
    """A multipart/report DSN; ``recipients`` are (address, status, diagnostic)."""
    blocks = "\n".join(
        f"Final-Recipient: rfc822; {address}\nAction: failed\nStatus: {status}\n"
        f"Remote-MTA: dns; mx.{address.partition('@')[2]}\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n"
        for address, status, diagnostic in recipients
    )
    prose = "\n".join(
        f"<{address}>: host mx said: {diagnostic}" for address, _, diagnostic in recipients
    )
    returned = returned or "From: sender@shop.example\nSubject: Invoice 42\n\nHello\n"
    return (
        "From: MAILER-DAEMON@relay.example (Mail Delivery System)\n"
        f"To: {to}\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Message-Id: <bounce-1@relay.example>\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"
        f"{extra_headers}"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BB"\n'
        "\n--BB\nContent-Type: text/plain\n\nThis is the mail system at host relay.example.\n\n"
        f"{prose}\n"
        "\n--BB\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; relay.example\n\n"
        f"{blocks}"
        f"\n--BB\nContent-Type: {returned_type}\n\n{returned}\n--BB--\n"
    ).encode()


def plain(
    body: str,
    *,
    subject: str = "Mail delivery failed: returning message to sender",
    sender: str = "Mail Delivery System <Mailer-Daemon@mx.example>",
    to: str = "sender@shop.example",
    extra_headers: str = "",
) -> bytes:
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
        f"Message-Id: <p-1@mx.example>\n{extra_headers}\n{body}"
    ).encode()
