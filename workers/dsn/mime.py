"""Raw mail bytes to decoded parts, with fallbacks: the stdlib ``email``, then raw text.

Nothing here raises on any input. Work is bounded: the input, the number of parts and the
text kept per part are capped, so a huge or hostile mail costs a bounded amount of time.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Final, TypeGuard

if TYPE_CHECKING:  # the stdlib email package is a fallback: imported when used
    import email.message

MAX_INPUT_BYTES = 4 * 1024 * 1024
MAX_PARTS = 64
MAX_TEXT_CHARS = 128 * 1024
DELIVERY_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")
# A delivery-status part may list every recipient of a large mail, each with a long
# diagnostic (Gmail's run to some 400 characters): it is read up to here, so that cutting it
# never drops recipients below rfc3464.MAX_DSN_RECIPIENTS.
MAX_REPORT_CHARS = 2 * 1024 * 1024
MAX_DEPTH = 8

# Content types whose body is text the parser reads.
_TEXT_LIKE = (
    "text/",
    "message/delivery-status",
    "message/global-delivery-status",
    "message/feedback-report",
    "message/disposition-notification",
)
# Content types that hold the returned (original) message or its headers.
RETURNED_TYPES = frozenset(
    {
        "message/rfc822",
        "message/global",
        "text/rfc822-headers",
        "message/global-headers",
        "message/partial",
    }
)


class Headers:
    """Header fields in order; names compare case-insensitively; values unfolded and decoded."""

    __slots__ = ("_cleaned", "_first", "_items")

    def __init__(
        self,
        items: Iterable[tuple[str, str]] = (),
        *,
        keyed: list[tuple[str, str]] | None = None,
    ) -> None:
        """``keyed``: the fields with their names stripped and lower-cased already (as
        ``header_lines`` reads them), kept as given."""
        if keyed is None:
            keyed = [(name.strip().lower(), value) for name, value in items]
        # Values are unfolded and decoded when asked for (once each): most fields of a bounce
        # (Received, DKIM-Signature, the returned message's) are never read.
        self._items = keyed
        # Each name's first value, looked up directly: a report's code asks for many fields,
        # most of them absent.
        self._first = dict(reversed(keyed))
        self._cleaned: dict[str, str] = {}

    @classmethod
    def read(cls, text: str, limit: int = 200, lenient: bool = False) -> Headers:
        """The fields at the top of ``text`` (``header_lines``), keyed as they are read."""
        return cls(keyed=header_lines(text, limit, lenient, keyed=True))

    def get(self, name: str, default: str = "") -> str:
        name = name.lower()
        raw = self._first.get(name)
        if raw is None:  # most fields asked for are absent
            return default
        value = self._cleaned.get(name)
        if value is None:
            value = self._cleaned[name] = _clean_value(raw)
        return value

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        if name not in self._first:
            return []
        return [_clean_value(value) for key, value in self._items if key == name]

    def items(self, keep: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
        """The fields in order (those whose name ``keep`` accepts)."""
        return [
            (name, _clean_value(value)) for name, value in self._items if keep is None or keep(name)
        ]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __bool__(self) -> bool:
        return bool(self._items)


# The records a mail is read into are classes with their __init__ written out (their fields
# Final: set once), not dataclasses: compiled (accelerator), a written __init__ is native code,
# where the one a dataclass generates runs as Python, at some thousands of instructions a
# record, several records a mail. What they give up: equality and a repr (nothing compares
# them; a failing assert shows the object's address), and freezing at run time (mypy holds
# Final).


class Part:
    """A leaf of the MIME tree: its type, its decoded text, and whether it is returned content."""

    def __init__(self, content_type: str, text: str, returned: bool = False) -> None:
        self.content_type: Final = content_type
        self.text: Final = text
        self.returned: Final = returned


class Mail:
    def __init__(
        self,
        headers: Headers,
        parts: tuple[Part, ...],
        returned_headers: Headers | None = None,
        parsed_by: str = "raw",
        content_type: str = "text/plain",
        params: dict[str, str] | None = None,
        enclosed_report: bytes = b"",
    ) -> None:
        self.headers: Final = headers
        self.parts: Final = parts
        self.returned_headers: Final = Headers() if returned_headers is None else returned_headers
        self.parsed_by: Final = parsed_by
        self.content_type: Final = content_type
        self.params: Final = {} if params is None else params
        # A delivery report enclosed whole (a bounce forwarded or wrapped by a gateway): its
        # bytes.
        self.enclosed_report: Final = enclosed_report

    def texts(self, returned: bool = False) -> Iterator[Part]:
        return (p for p in self.parts if p.returned == returned)


def normalize_newlines(raw: bytes) -> bytes:
    """CRLF and lone CR become LF, so every line ending gives the same answers."""
    if b"\r" not in raw:
        return raw
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


_LOOSE_BOUNDARY_RE = re.compile(
    rb"(\ncontent-type:[ \t]{0,8}multipart/[^\n]{0,500}\n)(boundary=)", re.IGNORECASE
)


def repair_boundaries(data: bytes) -> bytes:
    """Fold a ``boundary=`` parameter that a server wrote on its own unindented line back into
    its Content-Type field (else the multipart has no boundary and cannot be split)."""
    if b"\nboundary=" not in data and b"\nBoundary=" not in data:
        return data
    return _LOOSE_BOUNDARY_RE.sub(rb"\1\t\2", data)


def parse_mail(raw: bytes) -> Mail:
    """Parse ``raw`` with the first parser that copes; never raises.

    The own splitter (below) reads what a bounce needs — the MIME tree, transfer encodings,
    declared charsets — at a fraction of a general MIME library's cost and without charset
    guessing; the stdlib ``email`` takes over when it finds no usable structure."""
    data = repair_boundaries(normalize_newlines(raw[:MAX_INPUT_BYTES]))
    for parser in (parse_own, _parse_with_email):
        try:
            mail = parser(data)
        except Exception:  # a library failing on a malformed mail is expected: try the next
            continue
        if mail is not None:
            return mail
    return _parse_raw(data)


# --- text helpers -----------------------------------------------------------------------------


def _clean_value(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if "=?" in text:
        text = decode_words(text)
    return " ".join(text.split()) if ("\n" in text or "\t" in text) else text.strip()


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; on any trouble keep the text as it is."""
    import email.header

    try:
        chunks = email.header.decode_header(value)
    except Exception:
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


# Charset names seen in mail that Python does not know (or knows under another name).
_CHARSET_ALIASES = {
    "x-sjis": "shift_jis",
    "sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "utf8": "utf-8",
    "uft-8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
}
# Fallbacks tried when a declared charset fails on the bytes (servers declare the base
# charset and send its extended variant).
_CHARSET_WIDER = {
    "iso-2022-jp": ("iso2022_jp_2", "iso2022_jp_ext", "cp932"),
    "shift_jis": ("cp932",),
    "euc-jp": ("euc_jis_2004",),
    "us-ascii": ("utf-8", "cp1252"),
    "ascii": ("utf-8", "cp1252"),
}
# Labels of ISO-8859-1. Mail so labelled is read as Windows-1252, which differs from it only
# in 0x80-0x9f: quotes, dashes and the like there, where ISO-8859-1 has C1 controls that no
# text means (and that make an address touching one no address: fields.has_control). The
# WHATWG Encoding Standard (4.2, "Names and labels") maps these labels to windows-1252 too.
_LATIN_1 = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1"})


def _latin(data: bytes) -> str:
    """Windows-1252, else Latin-1 (which always works)."""
    try:
        return data.decode("cp1252", errors="strict")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text in the declared charset (or its wider variants), else UTF-8 (or
    ISO-2022-JP when its escapes show), else Windows-1252 or Latin-1 (see ``_LATIN_1``).
    No guessing."""
    if not charset and b"\x1b" not in data:  # (header blocks): UTF-8, else as _LATIN_1
        try:
            return data.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            return _latin(data)
    name = (charset or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if name in _LATIN_1:
        return _latin(data)
    candidates: list[str] = [name] if name else []
    candidates += _CHARSET_WIDER.get(name, ())
    if b"\x1b" in data and (b"\x1b$" in data or b"\x1b(" in data):
        candidates.append("iso2022_jp_2")
    candidates.append("utf-8")
    for candidate in candidates:
        try:
            return data.decode(candidate, errors="strict")
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    try:
        if name:
            return data.decode(name, errors="replace")
    except (LookupError, ValueError):
        pass
    return _latin(data)


def _limit(kind: str) -> int:
    return MAX_REPORT_CHARS if kind in DELIVERY_STATUS_TYPES else MAX_TEXT_CHARS


def _cap(text: str, kind: str = "") -> str:
    limit = _limit(kind)
    return text if len(text) <= limit else text[:limit]


def _is_text_like(content_type: str) -> bool:
    return content_type.startswith(_TEXT_LIKE)


# --- own splitter -----------------------------------------------------------------------------


def _param_re(quoted: str) -> re.Pattern[str]:
    """A parameter ``name=value`` (RFC 2045), its value a token or a quoted string (the
    characters between the quotes: ``quoted``)."""
    return re.compile(
        rf'[;\s]\s{{0,8}}([A-Za-z0-9*_.\-]{{1,80}})\s{{0,8}}=\s{{0,8}}("{quoted}"|[^;\s]{{0,1000}})'
    )


_PARAM_RE = _param_re(r'(?:[^"\\]|\\.){0,1000}')
# The same for a value without a backslash (most): a quoted string is then a run of
# characters, which the regex engine reads at once, not one repeat of a group per character.
_PLAIN_PARAM_RE = _param_re(r'[^"\\]{0,1000}')
_FIELD_START_RE = re.compile(rb"^[!-9;-~]{1,76}:")


def content_type(value: str) -> tuple[str, dict[str, str]]:
    """``text/plain; charset="utf-8"`` -> ``("text/plain", {"charset": "utf-8"})``."""
    # The first word: a folded field may lack the ";" before its parameters.
    kind = (value.partition(";")[0].split() or ["text/plain"])[0].lower()
    params: dict[str, str] = {}
    if "=" not in value:  # no parameter (most parts): not scanned for one
        return kind, params
    for name, raw in (_PARAM_RE if "\\" in value else _PLAIN_PARAM_RE).findall(value):
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"')
        params.setdefault(name.lower().rstrip("*"), raw)
    return kind, params


def _split_head(data: bytes, top: bool) -> tuple[bytes, bytes]:
    """(header block, body) of a MIME entity. A part that does not start with a field has
    no headers (some servers write a part's text right after the boundary)."""
    if top and data.startswith(b"From "):  # an mbox separator line, not a header field
        data = data.partition(b"\n")[2]
    if data.startswith(b"\n") or not _FIELD_START_RE.match(data):
        return b"", data[1:] if data.startswith(b"\n") else data
    end = data.find(b"\n\n")
    if end < 0:
        return data, b""
    return data[:end], data[end + 2 :]


# The bytes outside the base64 alphabet (line breaks, padding, stray characters): dropped from
# a body before it is decoded (bytes.translate, one pass in C).
_NOT_BASE64 = bytes(
    set(range(256)).difference(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
)


def _transfer_decode(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    try:
        if encoding == "base64":
            cleaned = body.translate(None, _NOT_BASE64)
            cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
            return binascii.a2b_base64(cleaned)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(body)
    except (binascii.Error, ValueError):
        return body
    return body


def _boundary_split(body: bytes, boundary: str) -> list[bytes] | None:
    """The parts between ``--boundary`` lines (to the closing one, or the end); None when the
    body has no such line."""
    mark = b"--" + boundary.encode("latin-1", "replace")
    chunks: list[bytes] = []
    start = -1
    position = 0
    length = len(body)
    while position < length and len(chunks) < MAX_PARTS:
        found = body.find(mark, position)
        if found < 0:
            break
        line_end = body.find(b"\n", found)
        line_end = length if line_end < 0 else line_end
        at_line_start = found == 0 or body[found - 1 : found] == b"\n"
        rest = body[found + len(mark) : line_end].strip()
        if not at_line_start or rest not in (b"", b"--"):
            position = found + len(mark)
            continue
        if start >= 0:
            chunks.append(body[start : max(start, found - 1)])
        if rest == b"--":
            return chunks
        start = line_end + 1
        position = start
    if start < 0:
        return None
    if start < length:
        chunks.append(body[start:])
    return chunks


def parse_own(data: bytes) -> Mail | None:
    """The MIME tree read directly: headers, multipart boundaries, transfer encodings and
    declared charsets. None when the mail declares a structure that is not there."""
    head, body = _split_head(data, top=True)
    headers = Headers.read(decode_bytes(head, None), limit=1000, lenient=True)
    kind, params = content_type(headers.get("content-type"))
    parts: list[Part] = []
    returned: list[Headers] = []
    enclosed: list[bytes] = []
    if not _own_walk(
        headers, kind, params, body, parts, returned, in_returned=False, depth=0, enclosed=enclosed
    ):
        return None
    return Mail(
        headers=headers,
        parts=tuple(parts),
        returned_headers=returned[0] if returned else Headers(),
        parsed_by="erpmail",
        content_type=kind,
        params=params,
        enclosed_report=enclosed[0] if enclosed else b"",
    )


def _own_walk(
    headers: Headers,
    kind: str,
    params: dict[str, str],
    body: bytes,
    out: list[Part],
    returned: list[Headers],
    *,
    in_returned: bool,
    depth: int,
    enclosed: list[bytes] | None = None,
) -> bool:
    """Add the leaves of one entity to ``out``; False when a multipart cannot be split.
    ``enclosed`` collects enclosed messages that are delivery reports themselves."""
    if len(out) >= MAX_PARTS or depth > MAX_DEPTH:
        return True
    encoding = headers.get("content-transfer-encoding")
    if kind.startswith("multipart/"):
        chunks = (
            _boundary_split(body, params.get("boundary", "")) if params.get("boundary") else None
        )
        if chunks is None:
            # No delimiter line (a broken or mistyped boundary): the body is read as text,
            # which is what a reader of the mail would see.
            raw = _transfer_decode(body[: MAX_TEXT_CHARS * 4], encoding)
            out.append(Part("text/plain", _cap(decode_bytes(raw, None)), returned=in_returned))
            return True
        default = "message/rfc822" if kind == "multipart/digest" else "text/plain"
        for chunk in chunks:
            part_head, part_body = _split_head(chunk, top=False)
            part_headers = Headers.read(decode_bytes(part_head, None), limit=200)
            part_kind, part_params = content_type(part_headers.get("content-type", default))
            if not _own_walk(
                part_headers,
                part_kind,
                part_params,
                part_body,
                out,
                returned,
                in_returned=in_returned,
                depth=depth + 1,
                enclosed=enclosed,
            ):
                return False
        return True
    if kind in ("message/rfc822", "message/global"):
        message = _transfer_decode(body, encoding)
        enclosed_head, _ = _split_head(message, top=False)
        if not in_returned:
            enclosed_headers = Headers.read(decode_bytes(enclosed_head, None), limit=500)
            returned.append(enclosed_headers)
            if enclosed is not None and content_type(enclosed_headers.get("content-type"))[0] == (
                "multipart/report"
            ):
                enclosed.append(message)
        # The returned message's body says nothing about the failure: only its headers count.
        out.append(Part(kind, "", returned=True))
        return True
    if depth > 0 and not _is_text_like(kind) and kind not in RETURNED_TYPES:
        return True
    raw = _transfer_decode(body[: _limit(kind) * 4], encoding)
    text = _cap(decode_bytes(raw, params.get("charset")), kind)
    if kind in RETURNED_TYPES and not in_returned:
        returned.append(_headers_from_text(text))
    out.append(Part(kind, text, returned=in_returned or kind in RETURNED_TYPES))
    return True


# --- stdlib email -----------------------------------------------------------------------------


def _parse_with_email(data: bytes) -> Mail:
    import email
    import email.policy

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    parts: list[Part] = []
    returned: list[Headers] = []
    _email_walk(msg, parts, returned, in_returned=False, depth=0)
    if not parts and not msg.is_multipart():
        parts.append(Part("text/plain", _cap(_email_text(msg))))
    params = {str(k).lower(): str(v) for k, v in (msg.get_params() or [])[1:]}
    return Mail(
        headers=Headers((k, str(v)) for k, v in msg.items()),
        parts=tuple(parts),
        returned_headers=returned[0] if returned else Headers(),
        parsed_by="email",
        content_type=msg.get_content_type().lower(),
        params=params,
    )


def _email_text(msg: email.message.Message) -> str:
    payload = msg.get_payload(decode=True)
    if isinstance(payload, bytes):
        return decode_bytes(payload, msg.get_content_charset())
    raw = msg.get_payload()
    return raw if isinstance(raw, str) else ""


def _is_message(value: object) -> TypeGuard[email.message.Message]:
    import email.message

    return isinstance(value, email.message.Message)


def _email_walk(
    msg: email.message.Message,
    out: list[Part],
    returned: list[Headers],
    *,
    in_returned: bool,
    depth: int,
) -> None:
    if len(out) >= MAX_PARTS or depth > MAX_DEPTH:
        return
    value = msg.get_content_type().lower()
    payload = msg.get_payload()
    if value in ("message/rfc822", "message/global") and isinstance(payload, list):
        for enclosed in payload[:1]:
            if _is_message(enclosed):
                if not in_returned:
                    returned.append(Headers((k, str(v)) for k, v in enclosed.items()))
                out.append(Part(value, "", returned=True))
        return
    if isinstance(payload, list):
        for child in payload:
            if _is_message(child):
                _email_walk(child, out, returned, in_returned=in_returned, depth=depth + 1)
        return
    if depth > 0 and not _is_text_like(value) and value not in RETURNED_TYPES:
        return
    if value.startswith(("message/delivery-status", "message/feedback-report")) and isinstance(
        payload, list
    ):
        text = "\n\n".join(str(p) for p in payload)
    else:
        text = _email_text(msg)
    text = _cap(text, value)
    if value in RETURNED_TYPES and not in_returned:
        returned.append(_headers_from_text(text))
    out.append(Part(value, text, returned=in_returned or value in RETURNED_TYPES))


# --- raw text ---------------------------------------------------------------------------------


def _parse_raw(data: bytes) -> Mail:
    text = decode_bytes(data[: MAX_TEXT_CHARS * 2], None)
    head, _, body = text.partition("\n\n")
    headers = _headers_from_text(head)
    if not headers:
        body = text
    return Mail(headers=headers, parts=(Part("text/plain", _cap(body)),), parsed_by="raw")


def top_headers(data: bytes) -> Headers:
    """The header block of a raw mail, read directly (cheaper than a MIME library's objects)."""
    if data.startswith(b"From "):  # an mbox separator line, not a header field
        data = data.partition(b"\n")[2]
    end = data.find(b"\n\n")
    head = data[:end] if end >= 0 else data[: 64 * 1024]
    return Headers.read(decode_bytes(head, None), limit=1000, lenient=True)


def _headers_from_text(text: str) -> Headers:
    """Header fields from the start of ``text`` (a header block), stopping at the first blank."""
    return Headers.read(text)


def header_lines(
    text: str, limit: int = 200, lenient: bool = False, keyed: bool = False
) -> list[tuple[str, str]]:
    """``Name: value`` fields (with folded continuation lines) from the top of ``text``.

    A line that is not a field ends the block, unless ``lenient`` (a known header block
    with a broken line in it), where it is skipped. ``keyed``: each name stripped and
    lower-cased (as ``Headers`` keys them)."""
    items: list[tuple[str, str]] = []
    for line in text.split("\n", limit * 4)[: limit * 4]:
        if not line or line.isspace():  # a blank line (told without a stripped copy)
            if items:
                break
            continue
        if line[0] in " \t" and items:
            name, value = items[-1]
            items[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        spaced = " " in name and " " in name.strip()  # (most names hold no space at all)
        if not sep or not name or len(name) > 76 or spaced or not name.isascii():
            if lenient:
                continue
            break
        items.append((name.strip().lower() if keyed else name, value.strip()))
        if len(items) >= limit:
            break
    return items
