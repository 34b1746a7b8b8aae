"""structlog set-up: JSON lines in production, a coloured console on a terminal.

Every log line passes through :func:`redact_secrets`, so a password handed to a logger by
mistake is never written out: values under secret-sounding keys, passwords inside URLs, and
every secret the process has registered with :func:`register_secret` (the SMTP passwords it
decrypted), wherever they appear in a string, an exception text included.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import MutableMapping
from contextlib import AbstractContextManager
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
_known_secrets: dict[str, None] = {}  # insertion-ordered set; the oldest goes first when full
_known_secrets_re: re.Pattern[str] | None = None  # None: to be built from _known_secrets
_known_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never log ``value``: from now on it is masked wherever it appears in a log line. The
    pattern is built again at the next log line, not here: a process that decrypts many
    passwords in a row does not compile it for each."""
    global _known_secrets_re
    if not value or len(value) < MIN_SECRET_LENGTH or value in _known_secrets:
        return
    with _known_lock:
        _known_secrets[value] = None
        while len(_known_secrets) > MAX_KNOWN_SECRETS:
            del _known_secrets[next(iter(_known_secrets))]
        _known_secrets_re = None


def _secrets_pattern() -> re.Pattern[str] | None:
    global _known_secrets_re
    pattern = _known_secrets_re
    if pattern is None and _known_secrets:
        with _known_lock:
            longest_first = sorted(_known_secrets, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(secret) for secret in longest_first))
            _known_secrets_re = pattern
    return pattern


def _redact_text(value: str) -> str:
    value = _URL_PASSWORD_RE.sub(rf"\g<scheme>{REDACTED}@", value)
    pattern = _secrets_pattern()
    return pattern.sub(REDACTED, value) if pattern is not None else value


def mask_secrets(text: str, *secrets: str | None) -> str:
    """``text`` (a server's reply, an error) fit to store or print: every registered secret,
    every password inside a URL, and each of ``secrets`` (the password of the session the text
    came from: a server may echo it) masked wherever it appears, whatever its length."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _redact_text(text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return _redact_text(value)
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


def log_context(**context: Any) -> AbstractContextManager[None]:
    """Every line logged inside the block, in this task or thread, a library's too, carries
    ``context`` (a job's id and tenant where a job is handled)."""
    return structlog.contextvars.bound_contextvars(**context)


def get_logger(**initial: Any) -> Any:
    return structlog.get_logger().bind(**initial)
