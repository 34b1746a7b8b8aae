"""What the parser reports for each kind of mail."""

from __future__ import annotations

from tests.dsn.mails import dsn, plain
from workers.dsn import BounceType, Reason, ReportKind, parse_bounce


def test_an_rfc3464_report_gives_one_entry_per_recipient_with_its_own_cause() -> None:
    report = parse_bounce(
        dsn(
            [
                ("gone@example.org", "5.1.1", "550 5.1.1 <gone@example.org>: User unknown"),
                ("full@example.net", "5.2.2", "552 5.2.2 Mailbox full"),
            ]
        )
    )
    assert report.is_bounce and report.kind == ReportKind.RFC3464
    assert [
        (r.address, r.status, r.reply_code, r.reason, r.bounce_type) for r in report.recipients
    ] == [
        ("gone@example.org", "5.1.1", "550", Reason.USERUNKNOWN, BounceType.HARD),
        ("full@example.net", "5.2.2", "552", Reason.MAILBOXFULL, BounceType.SOFT),
    ]
    first = report.recipients[0]
    assert first.action == "failed" and first.remote_mta == "mx.example.org"
    assert report.reporting_mta == "relay.example"
    assert report.message_id == "<bounce-1@relay.example>"


def test_an_exim_style_prose_bounce_is_read_per_recipient() -> None:
    body = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  nobody@example.org\n"
        "    SMTP error from remote mail server after RCPT TO:<nobody@example.org>:\n"
        "    host mx.example.org [192.0.2.1]: 550 5.1.1 User unknown\n"
        "  quota@example.net\n"
        "    SMTP error from remote mail server after RCPT TO:<quota@example.net>:\n"
        "    host mx.example.net [192.0.2.2]: 452 4.2.2 Mailbox is over quota\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "From: sender@shop.example\nTo: nobody@example.org\nSubject: hi\n\nhello\n"
    )
    report = parse_bounce(plain(body))
    assert report.kind == ReportKind.PLAINTEXT and report.engine == "Exim"
    assert [(r.address, r.status, r.reason) for r in report.recipients] == [
        ("nobody@example.org", "5.1.1", Reason.USERUNKNOWN),
        ("quota@example.net", "4.2.2", Reason.MAILBOXFULL),
    ]


def test_a_cause_without_code_gets_a_pseudo_status() -> None:
    body = (
        "Hi. This is the qmail-send program at mx.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        "<nobody@nxdomain.example>:\n"
        "Sorry, I couldn't find any host named nxdomain.example.\n\n"
        "--- Below this line is a copy of the message.\n\nFrom: a@shop.example\n\nx\n"
    )
    report = parse_bounce(plain(body, subject="failure notice"))
    (recipient,) = report.recipients
    assert recipient.reason == Reason.HOSTUNKNOWN
    assert recipient.status == "5.0.912"


def test_a_feedback_report_is_feedback_with_its_type_and_never_hard() -> None:
    raw = (
        b"From: fbl@isp.example\nTo: abuse@shop.example\nSubject: FW: complaint\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\n\n'
        b"--F\nContent-Type: text/plain\n\nA complaint.\n"
        b"--F\nContent-Type: message/feedback-report\n\n"
        b"Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\n"
        b"Original-Rcpt-To: <reader@isp.example>\n"
        b"--F\nContent-Type: message/rfc822\n\nFrom: sender@shop.example\n"
        b"To: reader@isp.example\nSubject: offer\n\nbuy\n--F--\n"
    )
    report = parse_bounce(raw)
    assert report.kind == ReportKind.ARF and report.is_bounce
    (recipient,) = report.recipients
    assert recipient.address == "reader@isp.example"
    assert recipient.reason == Reason.FEEDBACK and recipient.feedback_type == "abuse"
    assert recipient.bounce_type != BounceType.HARD


def test_an_auto_reply_is_vacation_and_never_hard() -> None:
    raw = (
        b"From: Reader <reader@example.org>\nTo: sender@shop.example\n"
        b"Subject: Automatic reply: Invoice 42\nAuto-Submitted: auto-replied\n\n"
        b"I am out of the office until Monday.\n"
    )
    report = parse_bounce(raw)
    assert report.kind == ReportKind.AUTOREPLY
    (recipient,) = report.recipients
    assert recipient.reason == Reason.VACATION and recipient.address == "reader@example.org"
    assert recipient.bounce_type != BounceType.HARD


def test_ordinary_mail_is_not_a_bounce() -> None:
    raw = (
        b"From: Customer <c@example.org>\nTo: sales@shop.example\nSubject: Question\n\n"
        b"Can you send me the invoice again? My address is c@example.org.\n"
    )
    report = parse_bounce(raw)
    assert not report.is_bounce and report.kind == ReportKind.NOT_A_BOUNCE
    assert report.recipients == ()


def test_a_delivered_notification_is_delivered_not_a_failure() -> None:
    raw = dsn([("ok@example.org", "2.0.0", "250 2.0.0 OK")]).replace(
        b"Action: failed", b"Action: delivered"
    )
    (recipient,) = parse_bounce(raw).recipients
    assert recipient.reason == Reason.DELIVERED
    assert recipient.bounce_type == BounceType.UNDETERMINED


def test_a_report_without_a_boundary_parameter_line_is_still_read() -> None:
    # Some servers put boundary= on its own unfolded line: the multipart must still split.
    raw = dsn([("gone@example.org", "5.1.1", "550 5.1.1 User unknown")]).replace(
        b'report-type=delivery-status; boundary="BB"',
        b'report-type=delivery-status;\nboundary="BB"',
    )
    (recipient,) = parse_bounce(raw).recipients
    assert (recipient.address, recipient.reason) == ("gone@example.org", Reason.USERUNKNOWN)


def test_an_amazon_ses_json_notification_is_read_per_recipient() -> None:
    notification = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent",'
        '"bouncedRecipients":[{"emailAddress":"gone@example.org","action":"failed",'
        '"status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],'
        '"reportingMTA":"dsn; a1.smtp-out.amazonses.com"},'
        '"mail":{"headers":[{"name":"Subject","value":"Invoice"}]}}'
    )
    report = parse_bounce(
        plain(
            notification,
            subject="AWS Notification Message",
            sender="SES <no-reply@sns.amazonaws.com>",
        )
    )
    assert report.kind == ReportKind.JSON
    (recipient,) = report.recipients
    assert (recipient.address, recipient.status, recipient.reason) == (
        "gone@example.org",
        "5.1.1",
        Reason.USERUNKNOWN,
    )


def test_each_recipient_of_a_transcript_gets_its_own_refusal_not_the_last_one() -> None:
    # Sendmail puts the "221 Bye" that closed the session in the Diagnostic-Code; the refusal
    # is in its transcript, one per recipient: each gets the reply to its own RCPT TO.
    transcript = (
        "   ----- Transcript of session follows -----\n"
        "... while talking to mx.example.org.:\n"
        ">>> RCPT To:<full@example.org>\n"
        "<<< 552 5.2.2 Mailbox full\n"
        ">>> RCPT To:<gone@example.org>\n"
        "<<< 550 5.1.1 User unknown\n"
        ">>> QUIT\n"
        "<<< 221 2.0.0 Bye\n"
    )
    blocks = "".join(
        f"Final-Recipient: RFC822; {address}\nAction: failed\nStatus: 5.0.0\n"
        f"Diagnostic-Code: SMTP; 221 2.0.0 Bye\n\n"
        for address in ("full@example.org", "gone@example.org")
    )
    raw = (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example>\n"
        "To: sender@shop.example\nSubject: Returned mail: see transcript for details\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BB"\n'
        f"\n--BB\nContent-Type: text/plain\n\n{transcript}"
        "\n--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n"
        f"{blocks}--BB--\n"
    ).encode()
    assert [(r.address, r.reason) for r in parse_bounce(raw).recipients] == [
        ("full@example.org", Reason.MAILBOXFULL),
        ("gone@example.org", Reason.USERUNKNOWN),
    ]
