"""Mail job v1: what a producer may publish, and the clear refusal of everything else."""

from __future__ import annotations

import base64
import json

import pytest

from schemas.job import MAX_ATTACHMENT_BYTES, JobRejected, parse_job
from tests.jobs import job_bytes, make_job


def refusal(raw: bytes) -> str:
    with pytest.raises(JobRejected) as caught:
        parse_job(raw)
    return str(caught.value)


def test_a_valid_job_parses_with_its_fields() -> None:
    job = parse_job(job_bytes(cc=["mari@example.ee"], bcc=["arhiiv@example.ee"]))
    assert job.subject == "Arve nr 2026-0042"
    assert job.recipients() == ["juri@example.ee", "mari@example.ee", "arhiiv@example.ee"]
    assert job.attachments[0].content() == b"%PDF-1.4 test"
    assert job.attachments[0].size() == len(b"%PDF-1.4 test")


def test_recipients_are_deduplicated_across_to_cc_bcc() -> None:
    job = parse_job(job_bytes(to=["a@example.ee", "A <a@example.ee>"], cc=["a@example.ee"]))
    assert job.recipients() == ["a@example.ee"]


def test_html_alone_is_a_body() -> None:
    assert parse_job(job_bytes(text=None, html="<p>Tere</p>")).html == "<p>Tere</p>"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"surprise": 1}, "surprise: is not a field of mail job v1"),
        ({"schema_version": 2}, "schema_version: 2 is not a version this worker reads (1)"),
        ({"schema_version": "1"}, "schema_version: '1' is not a version"),
        ({"job_id": "not-a-uuid"}, "job_id: "),
        ({"kind": "spam"}, "kind: "),
        ({"to": []}, "to: "),
        ({"to": ["not an address"]}, "to[0]: is not a valid e-mail address"),
        ({"to": ["a@example.ee, b@example.ee"]}, "to[0]: holds 2 addresses"),
        ({"cc": ["x@example.ee\r\nBcc: victim@example.ee"]}, "cc[0]: contains a line break"),
        ({"to": ["http://example.ee"]}, "to[0]: is not an e-mail address"),
        ({"subject": "Hi\nBcc: victim@example.ee"}, "subject: contains a line break"),
        ({"headers": {"X-Tag": "a\r\nb"}}, "headers.X-Tag: contains a line break"),
        ({"headers": {"Bcc": "x@example.ee"}}, "header 'Bcc' is set by erpmail"),
        ({"headers": {"X-Erpmail-Job-Id": "x"}}, "is set by erpmail"),
        ({"headers": {"Bad Name": "x"}}, "not a valid RFC 5322 field name"),
        ({"text": None, "html": None}, "a job needs a body"),
        ({"text": ""}, "a job needs a body"),
        ({"tenant": "../etc"}, "tenant: "),
        ({"user_code": ""}, "user_code: "),
    ],
)
def test_a_bad_job_is_refused_naming_the_field_and_problem(
    overrides: dict[str, object], expected: str
) -> None:
    if overrides.get("text", "x") is None and "html" not in overrides:
        overrides["html"] = None
    assert expected in refusal(job_bytes(**overrides))


def test_a_missing_field_is_named() -> None:
    job = make_job()
    del job["subject"]
    assert "subject: is required" in refusal(json.dumps(job).encode())


def test_an_attachment_over_the_size_limit_is_refused() -> None:
    big = base64.b64encode(b"\0" * (MAX_ATTACHMENT_BYTES + 1)).decode()
    attachment = {"filename": "big.bin", "content_type": "application/octet-stream"}
    message = refusal(job_bytes(attachments=[{**attachment, "content_base64": big}]))
    assert "attachments[0].content_base64" in message


def test_attachments_over_the_total_limit_are_refused() -> None:
    part = base64.b64encode(b"\0" * (MAX_ATTACHMENT_BYTES - 10)).decode()
    attachment = {"filename": "a.bin", "content_type": "application/octet-stream"}
    message = refusal(job_bytes(attachments=[{**attachment, "content_base64": part}] * 3))
    assert "attachments add up to" in message


def test_an_attachment_that_is_not_base64_is_refused() -> None:
    attachment = {"filename": "a.pdf", "content_type": "application/pdf"}
    message = refusal(job_bytes(attachments=[{**attachment, "content_base64": "***"}]))
    assert "attachments[0].content_base64: is not valid base64" in message


def test_an_attachment_filename_with_a_line_break_is_refused() -> None:
    attachment = {"filename": "a\r\n.pdf", "content_type": "application/pdf", "content_base64": ""}
    assert "attachments[0].filename: contains a line break" in refusal(
        job_bytes(attachments=[attachment])
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"", "not JSON"),
    ],
)
def test_input_that_is_not_a_json_object_is_refused(raw: bytes, expected: str) -> None:
    assert expected in refusal(raw)


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80"])
def test_a_job_with_bytes_that_are_not_utf8_inside_a_text_is_refused(bad: bytes) -> None:
    """A job is read from its bytes; a stray byte, an overlong form or an encoded surrogate
    in the middle of an otherwise good job is refused as not UTF-8, not read in."""
    raw = job_bytes(subject="Arve ABC").replace(b"ABC", bad)
    assert "not UTF-8" in refusal(raw)


def test_a_refusal_keeps_the_job_id_when_there_is_one() -> None:
    job = make_job(kind="spam")
    with pytest.raises(JobRejected) as caught:
        parse_job(json.dumps(job).encode())
    assert caught.value.job_id == job["job_id"]


def test_non_ascii_names_and_subjects_are_accepted() -> None:
    job = parse_job(
        job_bytes(to=["Мария Иванова <maria@example.ru>"], subject="Счёт-фактура № 42 — õun")
    )
    assert job.to == ["Мария Иванова <maria@example.ru>"]
