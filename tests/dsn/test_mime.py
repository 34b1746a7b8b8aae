"""The own MIME splitter: structure, transfer encodings and charsets without guessing."""

from __future__ import annotations

import base64

from workers.dsn.mime import content_type, decode_bytes, parse_mail


def test_parts_are_split_decoded_and_the_returned_message_kept_apart() -> None:
    status = base64.b64encode(b"Final-Recipient: rfc822; a@b.example\nStatus: 5.1.1\n").decode()
    raw = (
        "From: MAILER-DAEMON@mx.example\nSubject: failure\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"\n\n'
        "preamble\n--XX\n"
        "The part has no headers: its text starts at once.\n"
        "--XX\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n"
        f"{status}\n"
        "--XX\nContent-Type: message/rfc822\n\nFrom: me@shop.example\nSubject: hi\n\nbody\n"
        "--XX--\n"
    ).encode()
    mail = parse_mail(raw)
    assert mail.parsed_by == "erpmail"
    assert [(p.content_type, p.returned) for p in mail.parts] == [
        ("text/plain", False),
        ("message/delivery-status", False),
        ("message/rfc822", True),
    ]
    assert mail.parts[0].text.startswith("The part has no headers")
    assert "Status: 5.1.1" in mail.parts[1].text
    assert mail.returned_headers.get("from") == "me@shop.example"


def test_a_multipart_without_its_boundary_is_read_as_text() -> None:
    raw = b'Content-Type: multipart/mixed; boundary="nowhere"\n\n<a@b.example>: 550 gone\n'
    mail = parse_mail(raw)
    assert [(p.content_type, p.text) for p in mail.parts] == [
        ("text/plain", "<a@b.example>: 550 gone\n")
    ]


def test_parameters_of_a_folded_field_without_semicolon() -> None:
    assert content_type('text/plain\n   charset="iso-2022-jp"') == (
        "text/plain",
        {"charset": "iso-2022-jp"},
    )


def test_charsets_are_decoded_as_declared_or_by_their_escapes() -> None:
    japanese = "ユーザーが見つかりません"
    assert decode_bytes(japanese.encode("iso2022_jp"), "ISO-2022-JP") == japanese
    assert decode_bytes(japanese.encode("iso2022_jp"), None) == japanese
    assert decode_bytes(japanese.encode("shift_jis"), "x-sjis") == japanese
    assert decode_bytes("café".encode("cp1252"), "us-ascii") == "café"
    assert decode_bytes(b"\xff\xfe", "no-such-charset") == "ÿþ"


def test_a_base64_body_is_read_through_any_byte_outside_its_alphabet() -> None:
    """Line breaks, padding and stray bytes (every byte outside the base64 alphabet) between
    the characters of a base64 body are skipped, not decoded."""
    from workers.dsn.mime import _transfer_decode

    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stray = bytes(byte for byte in range(256) if byte not in alphabet)
    text = b"Delivery to anna@example.org failed: 550 5.1.1 user unknown.\n" * 3
    encoded = base64.b64encode(text)
    body = b"".join(
        encoded[n : n + 4] + stray[n % len(stray) :][:3] for n in range(0, len(encoded), 4)
    )
    assert _transfer_decode(body, "base64") == text
