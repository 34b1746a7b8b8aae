"""General rules about how servers word and lay out bounces, each as a small specification.

Every mail here is hand-written to show one rule; none is copied from a corpus.
"""

from __future__ import annotations

from workers.dsn import Reason, parse_bounce


def report_with(
    delivery_status: str, prose: str = "Your message could not be delivered.\n"
) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@relay.example>\n"
        "To: sender@shop.example\n"
        "Subject: Delivery Notification: Delivery has failed\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BB"\n'
        f"\n--BB\nContent-Type: text/plain\n\n{prose}"
        f"\n--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n"
        f"{delivery_status}\n--BB--\n"
    ).encode()


# --- who failed ---------------------------------------------------------------------------


def test_the_failed_recipient_is_the_address_the_sender_gave_not_an_internal_alias() -> None:
    report = parse_bounce(
        report_with(
            "Original-Recipient: rfc822;anna@example.org\n"
            "Final-Recipient: rfc822;anna@store-daemon\n"
            "Action: failed\nStatus: 5.1.1\n"
        )
    )
    (recipient,) = report.recipients
    assert recipient.address == "anna@example.org"
    assert recipient.final_recipient == "anna@store-daemon"


def test_a_recipient_listed_many_times_is_one_recipient() -> None:
    block = "Final-Recipient: rfc822; <loop@example.org>\nAction: failed\nStatus: 5.1.1\n\n"
    report = parse_bounce(report_with(block * 5))
    assert [r.address for r in report.recipients] == ["loop@example.org"]


# --- why ----------------------------------------------------------------------------------


def test_the_comment_on_a_vague_status_is_the_diagnostic() -> None:
    report = parse_bounce(
        report_with(
            "Final-Recipient: rfc822;anna@example.org\n"
            "Action: failed\nStatus: 5.0.0 (recipient reached disk quota)\n"
        )
    )
    assert report.recipients[0].reason == Reason.MAILBOXFULL
