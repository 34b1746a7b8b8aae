"""The MIME message of a job, written straight to bytes.

Building an ``email.message.EmailMessage`` costs more than sending it over a reused SMTP
connection, so the message is assembled here from ready-made pieces: headers encoded with
RFC 2047 encoded-words when they are not ASCII, file names with RFC 2231 parameters (plus
the RFC 2047 ``name=`` that older clients read), bodies in 7bit, quoted-printable or base64,
whichever is shortest to write correctly. Lines end in CRLF. The output is a valid RFC 5322
message that the standard library parses back to the job's contents (the tests check this).
"""

from __future__ import annotations

import binascii
import random
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from schemas.addresses import parse_mailbox
from schemas.job import Attachment, MailJobV1
from workers.correlation import JOB_ID_HEADER

CRLF = "\r\n"
MAX_LINE = 78
_WORD_BYTES = 45  # raw bytes per encoded-word: 60 base64 chars, 72 with "=?utf-8?b?...?="
_ATOM_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_HIGH_BYTES = bytes(range(128, 256))
_BASE64_LINE = re.compile(".{1,76}", re.DOTALL)
_PARAM_SAFE = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~"
)


class MimeError(ValueError):
    """The job holds something no MIME message can carry (e.g. a non-ASCII local part)."""


def _is_ascii(value: str) -> bool:
    return value.isascii()


def encoded_words(value: str) -> list[str]:
    """``value`` as RFC 2047 ``B`` encoded-words in UTF-8, never splitting a character."""
    data = value.encode("utf-8")
    words: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a character's continuation byte
            end -= 1
        words.append(_word(data[start:end]))
        start = end
    return words


def _word(raw: bytes) -> str:
    return "=?utf-8?b?" + binascii.b2a_base64(raw, newline=False).decode("ascii") + "?="


def _fold_ascii(name: str, value: str) -> str:
    """``Name: value`` folded at spaces so that lines stay near 78 characters."""
    line = f"{name}: {value}"
    if len(line) <= MAX_LINE:
        return line
    words = value.split(" ")
    lines: list[str] = []
    current = f"{name}: {words[0]}"
    for word in words[1:]:
        if word and len(current) + 1 + len(word) > MAX_LINE:
            lines.append(current)
            current = " " + word
        else:
            current += " " + word
    lines.append(current)
    return CRLF.join(lines)


def unstructured_header(name: str, value: str) -> str:
    """An unstructured header (Subject, extra headers), encoded when it is not plain ASCII."""
    if _is_ascii(value) and "=?" not in value and max(map(len, value.split(" "))) < 900:
        return _fold_ascii(name, value)
    return f"{name}: " + (CRLF + " ").join(encoded_words(value))


def _display_name(name: str) -> str:
    if not _is_ascii(name):
        return " ".join(encoded_words(name))
    if _ATOM_SPECIALS.search(name) or "=?" in name:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return name


def _addr_spec(address: str) -> str:
    if _is_ascii(address):
        return address
    local, _, domain = address.rpartition("@")
    if not _is_ascii(local):
        raise MimeError(f"{address!r}: a non-ASCII local part needs SMTPUTF8, not supported")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise MimeError(f"{address!r}: the domain is not a valid international name") from None


def format_mailbox(display_name: str, address: str) -> str:
    """``Name <addr>`` with the name encoded or quoted as needed, or the bare address."""
    spec = _addr_spec(address)
    return f"{_display_name(display_name)} <{spec}>" if display_name else spec


def mailbox_from(value: str) -> str:
    """One mailbox given as ``Name <addr>`` or ``addr``, re-encoded for a header."""
    return format_mailbox(*parse_mailbox(value))


def envelope_recipients(job: MailJobV1) -> list[str]:
    """To, Cc and Bcc as bare addresses (as the SMTP server gets them), duplicates removed."""
    return list(dict.fromkeys(_addr_spec(address) for address in job.recipients()))


def address_header(name: str, mailboxes: Iterable[str]) -> str:
    return f"{name}: " + ("," + CRLF + " ").join(mailboxes)


def _body_part(text: str, subtype: str) -> str:
    """A ``text/<subtype>`` part in the cheapest transfer encoding that is correct."""
    if "\r" in text:  # (a look costs less than the two copies that replace always makes)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _is_ascii(text) and all(len(line) <= 998 for line in text.split("\n")):
        encoding, body = "7bit", text.replace("\n", CRLF)
    else:
        data = text.encode("utf-8")
        high = len(data) - len(data.translate(None, _HIGH_BYTES))
        # quoted-printable writes a byte above 127 as three characters, base64 three bytes as
        # four: base64 is the shorter (and cheaper to write) once a sixth of the bytes are high
        if high * 6 > len(data):
            encoding, body = "base64", _base64_lines(data)
        else:
            encoding = "quoted-printable"
            body = binascii.b2a_qp(data, istext=True).decode("ascii").replace("\n", CRLF)
    return (
        f"Content-Type: text/{subtype}; charset=utf-8{CRLF}"
        f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}{body}"
    )


def _base64_lines(data: bytes) -> str:
    """``data`` in base64: encoded in one call and then cut (``base64.encodebytes`` encodes
    57 bytes at a time, in Python)."""
    return _in_lines(binascii.b2a_base64(data, newline=False).decode("ascii"))


def _in_lines(encoded: str) -> str:
    """Base64 text in lines of 76 characters (RFC 2045), each ended by CRLF (cut by the
    regular expression engine: a Python loop of slices costs more)."""
    if not encoded:
        return ""
    return CRLF.join(_BASE64_LINE.findall(encoded)) + CRLF


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rfc2231(name: str, value: str) -> list[str]:
    """``name*0*=utf-8''...`` parameters (RFC 2231), each short enough for one line."""
    encoded = "".join(chr(b) if b in _PARAM_SAFE else f"%{b:02X}" for b in value.encode("utf-8"))
    if len(encoded) + len(name) < 60:
        return [f"{name}*=utf-8''{encoded}"]
    pieces: list[str] = []
    start, first = 0, True
    while start < len(encoded):
        end = min(start + 60, len(encoded))
        while end < len(encoded) and "%" in encoded[end - 2 : end]:  # never split a %XX
            end -= 1
        prefix = "utf-8''" if first else ""
        pieces.append(f"{name}*{len(pieces)}*={prefix}{encoded[start:end]}")
        start, first = end, False
    return pieces


def _attachment_part(attachment: Attachment) -> str:
    filename = attachment.filename
    if _is_ascii(filename) and len(filename) < 60:
        name_param = [f"name={_quoted(filename)}"]
        file_params = [f"filename={_quoted(filename)}"]
    else:
        name_param = [f'name="{" ".join(encoded_words(filename))}"']
        file_params = _rfc2231("filename", filename)
    separator = ";" + CRLF + " "
    return (
        f"Content-Type: {attachment.content_type}{separator}{separator.join(name_param)}{CRLF}"
        f"Content-Transfer-Encoding: base64{CRLF}"
        f"Content-Disposition: attachment{separator}{separator.join(file_params)}{CRLF}{CRLF}"
        + _in_lines(attachment.content_base64)  # checked by the schema: no need to decode
    )


def _multipart(subtype: str, parts: list[str]) -> str:
    boundary = f"=_erpmail_{random.getrandbits(96):024x}"  # not a secret: no system call
    delimiter = f"{CRLF}--{boundary}{CRLF}"
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}'
        f"This is a MIME message.{delimiter}"
        + delimiter.join(parts)
        + f"{CRLF}--{boundary}--{CRLF}"
    )


def _content(job: MailJobV1) -> str:
    bodies = []
    if job.text is not None and job.text != "":
        bodies.append(_body_part(job.text, "plain"))
    if job.html:
        bodies.append(_body_part(job.html, "html"))
    body = bodies[0] if len(bodies) == 1 else _multipart("alternative", bodies)
    if not job.attachments:
        return body
    return _multipart("mixed", [body, *(_attachment_part(a) for a in job.attachments)])


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc5322_date(moment: datetime) -> str:
    """``moment`` as a Date header value (RFC 5322 3.3), e.g. ``Wed, 25 Nov 2026 10:00:00
    +0200``; a naive ``moment`` gets ``-0000`` (time zone unknown). Names in English whatever
    the locale, and without ``email.utils``' detour through a time tuple."""
    offset = moment.utcoffset()
    if offset is None:
        zone = "-0000"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, minutes = divmod(abs(minutes), 60)
        zone = f"{sign}{hours:02d}{minutes:02d}"
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {zone}"
    )


def build_message(
    job: MailJobV1,
    *,
    from_header: str,
    reply_to: str | None,
    message_id: str,
    date: datetime | None = None,
) -> bytes:
    """The complete message of ``job`` (headers and body, CRLF line ends), Bcc left out."""
    headers = [
        f"Date: {rfc5322_date(date or datetime.now(UTC))}",
        f"From: {mailbox_from(from_header)}",
    ]
    if reply_to:
        headers.append(f"Reply-To: {mailbox_from(reply_to)}")
    headers.append(address_header("To", (mailbox_from(m) for m in job.to)))
    if job.cc:
        headers.append(address_header("Cc", (mailbox_from(m) for m in job.cc)))
    headers.append(unstructured_header("Subject", job.subject))
    headers.append(f"Message-ID: {message_id}")
    headers.append(f"{JOB_ID_HEADER}: {job.job_id}")
    headers.extend(unstructured_header(name, value) for name, value in job.headers.items())
    headers.append("MIME-Version: 1.0")
    return (CRLF.join(headers) + CRLF + _content(job)).encode("ascii")
