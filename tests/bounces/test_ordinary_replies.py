"""Ordinary business replies are not bounces (issue 12, point 7).

Customers answer invoices about parcels, deliveries of goods and whether something arrived;
a company's postmaster writes like a person. Before, words in the subject ("was not
delivered", "Returned mail", "undeliverable") or a ``postmaster@`` sender filed such mail in
Unparsed with an ``undefined`` Event published as mail.bounced, counting against the address.
The verdict is now the parser's, from the mail's structure and its sender's role: these stay
out of Unparsed and make no Event, while a real delivery report the parser cannot read still
goes to Unparsed.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from schemas.tables import Event, RawBounce
from tests.bounces.mails import EVENT_DOMAIN, SECRET
from workers.bounces.disposition import MailKind, decide
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import Destination, FetchedMessage, MessageRef
from workers.dsn import parse_bounce
from workers.settings import BounceSettings
from workers.store.engine import session_scope


def reply(sender: str, subject: str, body: str, *, return_path: str = "") -> bytes:
    head = f"Return-Path: {return_path}\r\n" if return_path else ""
    return (
        f"{head}From: {sender}\r\n"
        f"To: Acme AS <acme@{EVENT_DOMAIN}>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@customer.example>\r\n"
        "Date: Thu, 26 Nov 2026 09:12:00 +0200\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


BUSINESS_REPLIES = {
    "was-it-delivered": reply(
        "Jüri Tamm <juri@customer.example>",
        "Re: Invoice 2026-0042 – the order was not delivered?",
        "Hello, the invoice came but the goods were not delivered yet. Was it delivered to "
        "the warehouse or to the office? Please check with the courier.",
    ),
    "courier-failed": reply(
        "Mari Maasikas <mari@shop.example>",
        "Delivery failed – the courier could not find the address",
        "The courier says delivery failed because the gate was closed. Could you send the "
        "parcel again next week? Our address is Tartu mnt 1, Tallinn.",
    ),
    "goods-sent-back": reply(
        "Orders <orders@wholesale.example>",
        "Returned mail: we sent the goods back",
        "We returned the goods you mailed us (wrong size). Please credit invoice 2026-0042.",
    ),
    "undeliverable-parcel": reply(
        "Kati <kati@customer.example>",
        "undeliverable parcel",
        "The post office says the parcel is undeliverable, the label was torn. What now?",
    ),
    "non-delivery-complaint": reply(
        "Purchasing <purchasing@factory.example>",
        "Non-delivery of order 7781",
        "Order 7781 has not been delivered. Delivery status on your site says 'failed'.",
    ),
    "failure-notice-of-a-machine": reply(
        "Service <service@machines.example>",
        "Failure notice: pump P-12",
        "The pump you delivered reports a failure. A technician will call you.",
    ),
    "postmaster-writes-like-a-person": reply(
        "Postmaster <postmaster@customer.example>",
        "Re: your mail could not be delivered?",
        "Hello, I am the postmaster here. Your invoices arrive fine; the user asking was "
        "looking in the wrong folder. Best regards, IT",
    ),
    "postmaster-question": reply(
        "postmaster@partner.example",
        "Delivery status of our mails to you",
        "Do our mails reach you? We had trouble with our provider last week.",
    ),
    "german-reply": reply(
        "Hans <hans@kunde.example>",
        "Paket unzustellbar?",
        "Das Paket ist laut DHL unzustellbar. Bitte prüfen Sie die Adresse.",
    ),
    "bounce-in-a-word": reply(
        "Liis <liis@customer.example>",
        "Re: bounce-back of the price list",
        "Thanks, the price list bounced around the office and everyone likes it.",
    ),
}


@pytest.mark.parametrize("raw", BUSINESS_REPLIES.values(), ids=BUSINESS_REPLIES.keys())
def test_the_parser_says_an_ordinary_reply_is_no_bounce(raw: bytes) -> None:
    report = parse_bounce(raw)
    assert not report.is_bounce and not report.looks_like_report
    disposition = decide(report, raw)
    assert (disposition.kind, disposition.destination) == (
        MailKind.NOT_BOUNCE,
        Destination.NOT_BOUNCES,
    )


def test_ordinary_replies_make_no_event_and_nothing_in_unparsed(engine: Engine) -> None:
    pipeline = BouncePipeline(engine, BounceSettings(), SECRET)
    for raw in BUSINESS_REPLIES.values():
        handled = pipeline.record(FetchedMessage(MessageRef("1", len(raw)), raw))
        assert handled.destination is Destination.NOT_BOUNCES
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == 0
        assert session.exec(select(func.count()).select_from(RawBounce)).one() == 0


UNREADABLE_REPORTS = {
    # a report by structure: multipart/report of delivery status, its fields unreadable
    "report-structure": (
        "From: Mail System <postmaster@mx.example>\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        "Subject: Notice\r\n"
        "Message-ID: <r1@mx.example>\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nX-Garbled: ???\r\n--b--\r\n"
    ).encode(),
    # the mail system's own sender name, whatever the subject
    "mailer-daemon": reply(
        "MAILER-DAEMON@mx.example", "Hello", "Something went wrong with a message of yours."
    ),
    # postmaster with the returned message attached
    "postmaster-with-returned-mail": (
        "From: postmaster@mx.example\r\n"
        f"To: acme@{EVENT_DOMAIN}\r\n"
        "Subject: Your message\r\n"
        "Message-ID: <r2@mx.example>\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the attached message.\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: Mari <mari@acme.example>\r\nSubject: Arve\r\n\r\nHello\r\n--b--\r\n"
    ).encode(),
}


@pytest.mark.parametrize("raw", UNREADABLE_REPORTS.values(), ids=UNREADABLE_REPORTS.keys())
def test_a_delivery_report_the_parser_cannot_read_still_goes_to_unparsed(raw: bytes) -> None:
    report = parse_bounce(raw)
    assert report.looks_like_report
    assert decide(report, raw).kind is MailKind.UNPARSED
