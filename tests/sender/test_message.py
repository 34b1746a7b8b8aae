"""The MIME builder: what it writes parses back, with the standard library, to the job."""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import email.utils
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import pytest

from schemas.job import MailJobV1, parse_job
from tests.jobs import job_bytes, make_job
from workers.sender.message import (
    MimeError,
    build_message,
    encoded_words,
    format_mailbox,
    rfc5322_date,
)

MESSAGE_ID = "<erpmail.x@events.erpmail.test>"


def build(**overrides: Any) -> tuple[MailJobV1, EmailMessage]:
    job = parse_job(job_bytes(**overrides))
    raw = build_message(
        job,
        from_header="Acme AS <acme@events.erpmail.test>",
        reply_to="Mari Maasikas <mari@acme.ee>",
        message_id=MESSAGE_ID,
        date=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")), "a line is over 998 octets"
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare CR"  # the sender relies on it
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return job, parsed


def test_headers_carry_the_job_and_the_sender_mode() -> None:
    job, message = build(cc=["Kati Kask <kati@example.ee>"], bcc=["secret@example.ee"])
    assert message["Message-ID"] == MESSAGE_ID
    assert message["X-Erpmail-Job-Id"] == str(job.job_id)
    assert message["From"].addresses[0].addr_spec == "acme@events.erpmail.test"
    assert message["From"].addresses[0].display_name == "Acme AS"
    assert message["Reply-To"].addresses[0].addr_spec == "mari@acme.ee"
    assert [a.addr_spec for a in message["To"].addresses] == ["juri@example.ee"]
    assert [a.display_name for a in message["To"].addresses] == ["Jüri Tamm"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["kati@example.ee"]
    assert message["Bcc"] is None
    assert b"secret@example.ee" not in message.as_bytes()
    assert message["X-Invoice-Number"] == "2026-0042"
    assert message["Date"].datetime == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "subject",
    [
        "Arve nr 2026-0042",
        "Õunamahl ja šokolaad: arve jõudis kätte",
        "Счёт № 42 за услуги связи — оплатить до 1 марта",
        "Ж" * 300,
        "long ascii " * 60,
        "=?utf-8?q?looks-encoded?= but is not",
        "emoji 📎 and mixed Ärve",
    ],
)
def test_subjects_survive_encoding(subject: str) -> None:
    _, message = build(subject=subject)
    assert message["Subject"] == subject


@pytest.mark.parametrize(
    ("mailbox", "name"),
    [
        ("Jüri Õunapuu <juri@example.ee>", "Jüri Õunapuu"),
        ("Иван Петрович Сидоров <juri@example.ee>", "Иван Петрович Сидоров"),
        ('"Tamm, Jüri" <juri@example.ee>', "Tamm, Jüri"),
        ('"O\'Brien (sales)" <juri@example.ee>', "O'Brien (sales)"),
        ("A" * 80 + " <juri@example.ee>", "A" * 80),
    ],
)
def test_display_names_survive_encoding(mailbox: str, name: str) -> None:
    _, message = build(to=[mailbox])
    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "juri@example.ee"


def test_text_and_html_make_an_alternative_with_attachments_beside_it() -> None:
    text = "Tere, Jüri!\nArve on lisatud.\n.\nRida, mis algab punktiga.\n"
    html = "<p>Здравствуйте! Счёт во вложении.</p>"
    pdf = bytes(range(256)) * 40
    _, message = build(
        text=text,
        html=html,
        attachments=[
            {
                "filename": "счёт-№42 õige.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf).decode(),
            },
            {"filename": "readme.txt", "content_type": "text/plain", "content_base64": "aGk="},
        ],
    )
    assert message.get_content_type() == "multipart/mixed"
    body, first, second = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    plain, rich = body.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html
    assert first.get_filename() == "счёт-№42 õige.pdf"
    assert first.get_content() == pdf
    assert second.get_filename() == "readme.txt"
    assert second.get_content_type() == "text/plain"


def test_a_very_long_non_ascii_filename_is_split_into_rfc2231_continuations() -> None:
    filename = "Счёт-фактура " * 18 + ".pdf"
    _, message = build(
        attachments=[
            {"filename": filename, "content_type": "application/pdf", "content_base64": "aGk="}
        ]
    )
    _, attachment = message.iter_parts()
    assert attachment.get_filename() == filename
    raw = attachment.as_string()
    assert "filename*1*=" in raw


@pytest.mark.parametrize("line_end", ["\n", "\r", "\r\n"], ids=["LF", "CR", "CRLF"])
@pytest.mark.parametrize(
    "line", ["plain ascii", "Õunamahl ja šokolaad", "Счёт за услуги связи", ".a leading dot"]
)
def test_every_line_ends_in_crlf_whatever_the_job_wrote(line: str, line_end: str) -> None:
    text = line_end.join([line] * 5) + line_end
    _job, message = build(text=text, html=f"<p>{line}</p>{line_end}<p>{line}</p>")
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines() == [line] * 5


def test_a_text_only_job_is_a_single_part() -> None:
    _, message = build(text="Lihtne tekst", attachments=[])
    assert message.get_content_type() == "text/plain"
    assert message.get_content().rstrip("\r\n") == "Lihtne tekst"
    assert message["Content-Transfer-Encoding"] == "7bit"


def test_mostly_cyrillic_text_goes_as_base64_and_latin_text_as_quoted_printable() -> None:
    _, russian = build(text="Здравствуйте, это счёт." * 10, attachments=[])
    _, estonian = build(text="Tere, see on arve õunte eest." * 10, attachments=[])
    assert russian["Content-Transfer-Encoding"] == "base64"
    assert estonian["Content-Transfer-Encoding"] == "quoted-printable"
    assert estonian.get_content() == "Tere, see on arve õunte eest." * 10


@pytest.mark.parametrize(
    "text",
    [
        "Tere, see on arve õunte eest. " * 20,
        "Sehr geehrte Damen und Herren, anbei die Rechnung für März. " * 20,
        "Tere! Saadame arve. Здравствуйте, счёт во вложении. " * 20,
        "Здравствуйте, это счёт. " * 20,
        "Ärge õõtsuge üüri äärel. " * 20,
    ],
)
def test_a_body_goes_in_the_shorter_of_quoted_printable_and_base64(text: str) -> None:
    _, message = build(text=text, attachments=[])
    written = message.get_payload(decode=False)
    data = text.encode("utf-8")
    other = {
        "base64": binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n"),
        "quoted-printable": base64.encodebytes(data).replace(b"\n", b"\r\n"),
    }[message["Content-Transfer-Encoding"]]
    assert len(written) <= len(other) * 1.02  # an estimate decides: within 2%
    assert message.get_content() == text


@pytest.mark.parametrize("size", [1, 2, 3, 56, 57, 58, 114, 1000])
def test_base64_is_written_in_lines_of_76_characters_that_decode_to_the_content(
    size: int,
) -> None:
    content = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    attachment = {
        "filename": "data.bin",
        "content_type": "application/octet-stream",
        "content_base64": base64.b64encode(content).decode(),
    }
    _, message = build(attachments=[attachment])
    part = next(message.iter_attachments())
    raw = part.get_payload(decode=False)
    assert isinstance(raw, str)
    lines = raw.split("\r\n")
    assert lines[-1] == ""  # the last line is ended too
    assert all(len(line) == 76 for line in lines[:-2]) and 0 < len(lines[-2]) <= 76
    assert part.get_content() == content


def test_encoded_words_never_split_a_character_and_stay_short() -> None:
    words = encoded_words("ä" * 100 + "€" * 50 + "📎" * 30 + "x")
    assert all(len(word) <= 75 for word in words)
    decoded = "".join(base64.b64decode(w[10:-2]).decode("utf-8") for w in words)
    assert decoded == "ä" * 100 + "€" * 50 + "📎" * 30 + "x"


def test_an_international_domain_is_written_in_punycode() -> None:
    written = format_mailbox("", "info@õun.ee")
    assert written.isascii()
    domain = written.split("@")[1]
    assert domain.startswith("xn--")
    assert domain.encode("ascii").decode("idna") == "õun.ee"


def test_a_non_ascii_local_part_is_refused_clearly() -> None:
    with pytest.raises(MimeError, match="SMTPUTF8"):
        format_mailbox("", "jüri@example.ee")


def test_job_factory_is_valid() -> None:
    assert parse_job(job_bytes()).job_id is not None
    assert make_job()["schema_version"] == 1


def test_envelope_recipients_are_bare_unique_and_include_bcc() -> None:
    from workers.sender.message import envelope_recipients

    job = parse_job(
        job_bytes(
            to=["Jüri <juri@example.ee>", "kati@example.ee"],
            cc=["Juri Again <juri@example.ee>"],
            bcc=["audit@õun.ee"],
        )
    )
    assert envelope_recipients(job) == [
        "juri@example.ee",
        "kati@example.ee",
        "audit@xn--un-bka.ee",
    ]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 25, 23, 5, 9, 123456, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
        datetime(2024, 2, 29, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=45))),
        datetime(2026, 7, 4, 8, 30),  # naive: zone unknown
    ],
)
def test_the_date_header_is_written_as_the_standard_library_writes_it(moment: datetime) -> None:
    assert rfc5322_date(moment) == email.utils.format_datetime(moment)
