"""structlog set-up: JSON lines in production, a coloured console on a terminal.

Every log line passes through :func:`redact_secrets`, so a password handed to a logger by
mistake is never written out: values under secret-sounding keys, passwords inside URLs, and
every secret the process has registered with :func:`register_secret` (the SMTP passwords it
decrypted), wherever they appear in a string, an exception text included.
"""

from __future__ import annotations

import binascii
import functools
import logging
import re
import sys
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import structlog

REDACTED = "***"
_SECRET_KEY_RE = re.compile(r"pass(word)?|secret|token|credential|api[_-]?key", re.I)
_URL_PASSWORD_RE = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.I)

# Shorter registered values would mask ordinary words all over every line (a one-letter
# password masks every "a"); a short password is masked where it can be echoed instead: in
# the replies of the session that used it (mask_secrets with the session's password).
MIN_SECRET_LENGTH = 6
MAX_KNOWN_SECRETS = 10_000
# Registered secrets are found through an index of their 4-character pieces, not one pattern
# of them all: registering one is cheap (no pattern to rebuild) and a line's scan does not
# grow with their number. Every occurrence of a secret of MIN_SECRET_LENGTH or more covers a
# piece starting at a multiple of _STRIDE, so a line is looked up at those positions only.
_GRAM = 4
_STRIDE = MIN_SECRET_LENGTH - _GRAM + 1
_FEW_SECRETS = 8
_known_secrets: dict[str, None] = {}  # insertion-ordered set; the oldest goes first when full
# piece -> (secret, offset of the piece in it); tuples replaced whole, so readers need no lock
_secret_grams: dict[str, tuple[tuple[str, int], ...]] = {}
_known_lock = threading.Lock()
# Log values masked so far (most recur: event names, levels, hosts, replies), while the set
# of registered secrets is the same: register_secret replaces it, so no value is read back
# from before a secret was known. Emptied when full; long values (an exception's text) are
# rarely the same twice and are not kept.
_masked: dict[str, str] = {}
MAX_MASKED = 4096
MAX_MASKED_LENGTH = 256


def register_secret(value: str | None) -> None:
    """Never log ``value``: from now on it is masked wherever it appears in a log line."""
    if not value or len(value) < MIN_SECRET_LENGTH or value in _known_secrets:
        return
    global _masked
    with _known_lock:
        if value in _known_secrets:
            return
        _known_secrets[value] = None
        for offset in range(len(value) - _GRAM + 1):
            gram = value[offset : offset + _GRAM]
            _secret_grams[gram] = (*_secret_grams.get(gram, ()), (value, offset))
        while len(_known_secrets) > MAX_KNOWN_SECRETS:
            _forget(next(iter(_known_secrets)))
        _masked = {}  # (a new one: a line masked meanwhile fills the old one, now unread)


def _forget(secret: str) -> None:
    del _known_secrets[secret]
    for offset in range(len(secret) - _GRAM + 1):
        gram = secret[offset : offset + _GRAM]
        rest = tuple(entry for entry in _secret_grams.get(gram, ()) if entry[0] != secret)
        if rest:
            _secret_grams[gram] = rest
        else:
            _secret_grams.pop(gram, None)


def _occurrences(text: str, part: str) -> Iterator[int]:
    start = text.find(part)
    while start >= 0:
        yield start
        start = text.find(part, start + 1)


def _registered_spans(value: str) -> set[tuple[int, int]]:
    """Where registered secrets occur in ``value``: every occurrence, overlapping ones too."""
    if len(_known_secrets) <= _FEW_SECRETS:  # a few substring searches beat the index
        return {
            (start, start + len(secret))
            for secret in list(_known_secrets)
            if secret in value
            for start in _occurrences(value, secret)
        }
    grams = _secret_grams
    hits = [i for i in range(0, len(value) - _GRAM + 1, _STRIDE) if value[i : i + _GRAM] in grams]
    return {
        (i - offset, i - offset + len(secret))
        for i in hits
        for secret, offset in grams.get(value[i : i + _GRAM], ())
        if i >= offset and value.startswith(secret, i - offset)
    }


def _mask_registered(value: str, extra: tuple[str, ...] = ()) -> str:
    """Every occurrence of every registered secret, and of each of ``extra``, masked;
    occurrences that overlap (one secret inside or across another) become one mask, so no
    part of either is left."""
    spans = _registered_spans(value) if _known_secrets else set()
    spans.update(
        (start, start + len(secret))
        for secret in extra
        if secret and secret in value
        for start in _occurrences(value, secret)
    )
    if not spans:
        return value
    parts: list[str] = []
    kept_from = 0  # value[kept_from:] is not yet written out
    masked_to = -1
    for start, end in sorted(spans):
        if start >= masked_to:
            parts.append(value[kept_from:start])
            parts.append(REDACTED)
        masked_to = max(masked_to, end)
        kept_from = masked_to
    parts.append(value[kept_from:])
    return "".join(parts)


def _redact_text(value: str, extra: tuple[str, ...] = ()) -> str:
    if "://" in value:  # (no URL, no password in one: the pattern needs it)
        value = _URL_PASSWORD_RE.sub(rf"\g<scheme>{REDACTED}@", value)
    return _mask_registered(value, extra)


def _redact_logged(value: str) -> str:
    """:func:`_redact_text` of a log line's value, each distinct value masked once while the
    registered secrets stay the same."""
    if len(value) > MAX_MASKED_LENGTH:
        return _redact_text(value)
    masked = _masked  # taken first: a secret registered from here on replaces it
    known = masked.get(value)
    if known is None:
        known = _redact_text(value)
        if len(masked) >= MAX_MASKED:
            masked.clear()
        masked[value] = known
    return known


def mask_secrets(text: str, *secrets: str | None) -> str:
    """``text`` (a server's reply, an error) fit to store or print: every registered secret,
    every password inside a URL, and each of ``secrets`` (the password of the session the text
    came from: a server may echo it) masked wherever it appears, whatever its length, also as
    the client sent it, in base64 (see :func:`_encoded`). They are found together: a
    session's short password replaced first would break the match of a registered secret
    that holds it, and leave the rest of that secret in the text."""
    given = tuple(s for s in secrets if s)
    return _redact_text(text, given + _encoded(text, given) if given else ())


_BASE64_RUN_RE = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")


def _encoded(text: str, secrets: tuple[str, ...]) -> tuple[str, ...]:
    """The runs of base64 in ``text`` that decode to bytes holding one of ``secrets``: a
    server may echo the credentials as they came to it, AUTH PLAIN's token (RFC 4616: the
    username and password, NUL-separated) or AUTH LOGIN's answer. A run glued to other
    letters is tried from each of its first four characters."""
    wanted = [secret.encode() for secret in secrets]
    if not any(_may_hold_encoded(text, secret) for secret in wanted):
        return ()
    runs = []
    for match in _BASE64_RUN_RE.finditer(text):
        run = match.group().rstrip("=")
        for start in range(min(4, len(run))):
            part = run[start:]
            part = part[: len(part) - (len(part) % 4 == 1)]
            try:
                decoded = binascii.a2b_base64(part + "=" * (-len(part) % 4))
            except binascii.Error:
                continue
            if any(secret in decoded for secret in wanted):
                runs.append(match.group())
                break
    return tuple(runs)


def _may_hold_encoded(text: str, secret: bytes) -> bool:
    """Whether ``text`` may hold ``secret`` in base64, told without decoding: whatever bytes
    come before it, the base64 of the secret's whole 3-byte groups is in the text as it is
    (for one of the three places its first group can start), so a text that holds none of
    the three holds it nowhere. Secrets too short to have a whole group are always tried."""
    cores = _base64_cores(secret)
    return cores is None or any(core in text for core in cores)


@functools.lru_cache(maxsize=1024)
def _base64_cores(secret: bytes) -> tuple[str, ...] | None:
    """For each place the first whole 3-byte group can start in ``secret`` (0, 1, 2 bytes in),
    the base64 of its whole groups; None when a place leaves no whole group."""
    cores = []
    for skip in range(3):
        whole = (len(secret) - skip) // 3 * 3
        if whole <= 0:
            return None
        cores.append(binascii.b2a_base64(secret[skip : skip + whole], newline=False).decode())
    return tuple(cores)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _redact_logged(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_KEY_RE.search(str(k)) and v else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask values under secret-sounding keys and passwords inside URLs."""
    for key in list(event_dict):
        value = event_dict[key]
        if _SECRET_KEY_RE.search(key) and value:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(value)
    return event_dict


# Libraries' lines below this level are dropped unless the process logs at debug: pika alone
# writes about ten INFO lines for every connection it opens.
_LIBRARY_LEVELS = {
    "pika": logging.WARNING,
    "aiosmtplib": logging.WARNING,
    "imapclient": logging.WARNING,
    "mail.log": logging.WARNING,  # aiosmtpd (the demo's stand-in mail server): six per session
}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written (a test's capture, a
    redirected stream), not to the stream of the moment logging was configured."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _drop_meta(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Remove the record and the stdlib bookkeeping ProcessorFormatter adds."""
    for key in ("_record", "_from_structlog"):
        event_dict.pop(key, None)
    return event_dict


def _exception_in_one_line(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A library's line says what failed in one line, not with a traceback: pika logs one for
    every broker connection refused, which the caller handles and words itself (a
    traceback of our own code stays; at debug, libraries' too)."""
    exc_info = event_dict.pop("exc_info", None)
    error = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    if isinstance(error, BaseException):
        event_dict["error"] = f"{type(error).__name__}: {error}"
    return event_dict


def configure_logging(fmt: str = "auto", level: str = "info") -> None:
    """``fmt``: ``json``, ``console`` or ``auto`` (console when stderr is a terminal).

    One pipeline for every line: structlog's own calls are handed to the standard library
    (``wrap_for_formatter``), and one root handler renders them, and the lines of libraries
    (pika, aiosmtplib, alembic, Python warnings), through the same processors: context,
    level, time, exception text, secret masking, JSON or console."""
    use_console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    )
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *(() if numeric_level <= logging.DEBUG else (_exception_in_one_line,)),
        ],
        processors=[
            _drop_meta,
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name, library_level in _LIBRARY_LEVELS.items():
        debugging = numeric_level <= logging.DEBUG
        logging.getLogger(name).setLevel(
            numeric_level if debugging else max(library_level, numeric_level)
        )
    logging.captureWarnings(True)


@contextmanager
def quieted(name: str, level: int) -> Iterator[None]:
    """Lines of the logger ``name`` below ``level`` dropped inside the block: a library's
    report of what the caller reports in its own words."""
    log = logging.getLogger(name)
    before = log.level
    log.setLevel(level)
    try:
        yield
    finally:
        log.setLevel(before)


class _Bound(AbstractContextManager[None]):
    """structlog's context variables set for a block and reset at its end to what they
    were, by the tokens of setting them (``contextvars.ContextVar.reset``): the sender
    enters one for every job. ``structlog.contextvars.bound_contextvars`` does the same
    through a copy of the whole context to save the values before, set and unset again."""

    __slots__ = ("_context", "_tokens")

    def __init__(self, context: dict[str, Any]) -> None:
        self._context = context

    def __enter__(self) -> None:
        self._tokens = structlog.contextvars.bind_contextvars(**self._context)

    def __exit__(self, *_exc: object) -> None:
        structlog.contextvars.reset_contextvars(**self._tokens)


def log_context(**context: Any) -> AbstractContextManager[None]:
    """Every line logged inside the block, in this task or thread, a library's too, carries
    ``context`` (a job's id and tenant where a job is handled); after it, each key is what
    it was before (an outer block's value, or none)."""
    return _Bound(context)


def get_logger(**initial: Any) -> Any:
    """A logger with ``initial`` bound. It keeps the configuration of the moment it is made,
    its level included: the commands configure logging before they make a worker or a pool,
    and nothing changes it later. (A logger that read the configuration at every line would
    pay that look-up for each line below the level too, on the pools' hot paths.)"""
    return structlog.get_logger().bind(**initial)
