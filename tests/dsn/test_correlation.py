"""A bounce names its job: VERP address, else the returned X-Erpmail-Job-Id, else Message-ID."""

from __future__ import annotations

import uuid

from tests.dsn.mails import dsn, plain
from workers.correlation import envelope_sender, message_id_for, verify_tag
from workers.dsn import parse_bounce

KEY = b"test-server-key"
JOB = str(uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427"))
FAILED = [("gone@example.org", "5.1.1", "550 5.1.1 User unknown")]


def test_the_verp_address_the_bounce_was_sent_to_names_the_job_and_its_tag() -> None:
    verp = envelope_sender(JOB, "events.shop.example", KEY)
    report = parse_bounce(dsn(FAILED, to=verp))
    assert report.job_id == JOB and report.job_id_source == "verp"
    assert report.verp_tag is not None
    from workers.correlation import VerpMatch

    assert verify_tag(VerpMatch(JOB, report.verp_tag), KEY)


def test_verp_in_delivered_to_counts_too() -> None:
    verp = envelope_sender(JOB, "events.shop.example", KEY)
    raw = plain(
        "<gone@example.org>: 550 5.1.1 User unknown\n", extra_headers=f"Delivered-To: {verp}\n"
    )
    assert parse_bounce(raw).job_id == JOB


def test_the_job_header_in_returned_rfc822_headers_names_the_job() -> None:
    returned = f"From: sender@shop.example\nX-Erpmail-Job-Id: {JOB}\nSubject: Invoice 42\n"
    report = parse_bounce(dsn(FAILED, returned=returned, returned_type="text/rfc822-headers"))
    assert report.job_id == JOB and report.job_id_source == "header"
    assert report.verp_tag is None


def test_the_returned_message_id_names_the_job_as_a_last_resort() -> None:
    returned = (
        f"From: sender@shop.example\n"
        f"Message-ID: {message_id_for(JOB, 'events.shop.example')}\n"
        "Subject: Invoice 42\n\nHello\n"
    )
    report = parse_bounce(dsn(FAILED, returned=returned))
    assert report.job_id == JOB and report.job_id_source == "message-id"


def test_a_bounce_with_no_carrier_has_no_job() -> None:
    report = parse_bounce(dsn(FAILED))
    assert report.job_id is None and report.job_id_source is None


def test_the_verp_address_is_the_same_as_before_so_old_bounces_still_name_their_job() -> None:
    # a fixed vector: bounces of mail sent by earlier releases must still verify
    verp = envelope_sender(
        "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "events.example", b"erpmail-test-key"
    )
    assert verp == "bounce+0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.wvuopome@events.example"
