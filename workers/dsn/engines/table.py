"""The markers by which each kind of mail server or service is recognised.

Data only. Each engine lists lower-case substrings looked for in the bounce's From, Subject,
other header values (``name: value`` of selected headers) and the bounce text. An engine
matches when any of its markers is found; the first engine in the table that matches wins,
so services that run on top of a common MTA (Amazon SES on Postfix, ...) come before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.dsn.report import Reason


@dataclass(frozen=True)
class EngineMarkers:
    name: str
    sender: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    default_reason: Reason | None = None
    # The SMTP command the engine's per-recipient errors answer when they do not say
    # (servers whose reports only ever list recipients refused at RCPT TO).
    stage: str = ""
    # The engine writes one line per recipient ("address: error") in its notification and a
    # generic Status of its own making (5.0.0, 4.0.0, 4.4.7) in the delivery-status part:
    # the line is the recipient's error, the Status field is not.
    text_first: bool = False


ENGINES: tuple[EngineMarkers, ...] = (
    EngineMarkers("AmazonWorkMail", headers=("x-mailer: amazon workmail",)),
    EngineMarkers(
        "AmazonSES",
        sender=("amazonses.com", "sns.amazonaws.com"),
        headers=("x-ses-outgoing", "x-amz-sns"),
    ),
    # A Google Groups bounce always means: the group refuses posts from this sender.
    EngineMarkers(
        "GoogleGroups", body=("google groups", "googlegroups.com"), default_reason=Reason.REJECTED
    ),
    EngineMarkers(
        "Gmail",
        sender=("mailer-daemon@googlemail.com", "mailer-daemon@gmail.com"),
        body=(
            "google tried to deliver your message",
            "delivery to the following recipient failed",
            "technical details of permanent failure",
        ),
    ),
    EngineMarkers(
        "Office365",
        stage="RCPT",
        sender=("postmaster@outlook.com",),
        headers=("x-ms-exchange-", "x-microsoft-antispam"),
        body=("office 365", "microsoft.com/", "outlook.com"),
    ),
    EngineMarkers("Outlook", sender=("hotmail.", "postmaster@mail.outlook", "mail.o.")),
    EngineMarkers(
        "Exchange2007",
        body=(
            "diagnostic information for administrators",
            "remote server returned",
            "generating server:",
        ),
    ),
    EngineMarkers(
        "Exchange2003",
        stage="RCPT",
        headers=("x-mailer: internet mail service", "x-ms-embedded-report"),
        body=("did not reach the following recipient",),
    ),
    EngineMarkers(
        "Yahoo", sender=("yahoo.com", "yahoo.co"), body=("yahoo! mail", "message from yahoo")
    ),
    EngineMarkers("MailRu", sender=("mail.ru",)),
    EngineMarkers("Yandex", sender=("yandex.",)),
    EngineMarkers("Zoho", sender=("zoho.com",), headers=("x-mailer: zoho",)),
    EngineMarkers("GMX", sender=("gmx.",), body=("gmx.net",)),
    EngineMarkers("EinsUndEins", sender=("kundenserver.", "1and1", "ui-r.com")),
    EngineMarkers(
        "MessagingServer",
        subject=("delivery notification: ",),
        body=("this report relates to a message you sent",),
    ),
    EngineMarkers("Domino", stage="RCPT", subject=("delivery failure:",), body=("lotus", "domino")),
    EngineMarkers(
        "Notes",
        subject=("undeliverable message",),
        body=("did not reach the following recipient(s)",),
    ),
    EngineMarkers("IMailServer", stage="RCPT", headers=("x-mailer: <smtp32",)),
    EngineMarkers(
        "McAfee",
        stage="RCPT",
        headers=("x-nai-header",),
        body=("mcafee",),
    ),
    EngineMarkers("SurfControl", headers=("x-mailer: surfcontrol",)),
    EngineMarkers("mFILTER", headers=("x-mailer: m-filter",)),
    EngineMarkers("Amavis", sender=("content-filter",), body=("amavis",)),
    EngineMarkers("MXLogic", sender=("mxlogic", ".mxl"), headers=("x-mx-bounce",)),
    EngineMarkers("MailFoundry", subject=("message delivery has failed",), body=("mailfoundry",)),
    EngineMarkers("Activehunter", subject=("failure notice :",)),
    EngineMarkers("EZweb", sender=("ezweb.ne.jp",)),
    EngineMarkers("KDDI", sender=("dion.ne.jp", "au.com")),
    EngineMarkers("Biglobe", sender=("biglobe.ne.jp",)),
    EngineMarkers("Verizon", sender=("vzwpix.com", "vtext.com")),
    EngineMarkers("ApacheJames", body=("this is the james mail server", "error message below:")),
    EngineMarkers("FML", subject=("ml)",), headers=("x-ml-name", "x-mlserver")),
    EngineMarkers("Courier", body=("courier mail server", "courier-mta")),
    EngineMarkers(
        "OpenSMTPD",
        text_first=True,
        subject=("delivery status notification: ",),
        body=("this is the mailer-daemon at", "opensmtpd"),
    ),
    EngineMarkers("PowerMTA", stage="RCPT", headers=("x-powermta",), subject=("delivery report",)),
    EngineMarkers("SendGrid", sender=("sendgrid",), headers=("x-sendgrid",)),
    EngineMarkers(
        "qmail",
        body=(
            "qmail-send",
            "this is the qmail",
            "i'm afraid i wasn't able",
            "below this line is a copy of the message",
        ),
    ),
    EngineMarkers(
        "Exim",
        subject=("mail delivery failed",),
        body=(
            "this message was created automatically by mail delivery software",
            "the following address(es) failed",
            "this is a copy of the message",
        ),
    ),
    EngineMarkers(
        "Postfix",
        subject=("undelivered mail returned to sender",),
        body=("this is the mail system at host", "x-postfix-"),
    ),
    # Sendmail reports the refused RCPT TO; refusals of the message show ">>> DATA".
    EngineMarkers(
        "Sendmail",
        stage="RCPT",
        subject=("see transcript for details",),
        body=("----- transcript of session follows -----", "the original message was received at"),
    ),
)
