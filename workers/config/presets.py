"""Provider presets: data (``presets.toml``, plus an admin's file), read into typed records."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from schemas.values import TlsMode
from workers.config.errors import ConfigError
from workers.config.resolved import RateLimit
from workers.smtp.diagnosis import ReplyHint

BUNDLED_PRESETS = Path(__file__).with_name("presets.toml")


class PresetFileInvalid(ConfigError):
    """A presets file that cannot be read or holds a field of the wrong kind."""


@dataclass(frozen=True)
class Endpoint:
    port: int
    tls: TlsMode


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    host: str
    port: int
    tls: TlsMode
    facts: str = "secondary"
    hosts: tuple[str, ...] = ()
    alternatives: tuple[Endpoint, ...] = ()
    rate_limit: RateLimit = field(default_factory=RateLimit)
    max_message_bytes: int | None = None
    max_connections: int | None = None  # concurrent connections allowed per login
    limits_note: str | None = None
    notes: tuple[str, ...] = ()
    auth_hints: tuple[ReplyHint, ...] = ()
    rewrites_envelope_sender: bool = False
    from_must_match_account: bool = False

    def serves(self, host: str) -> bool:
        wanted = host.strip().lower().rstrip(".")
        return wanted == self.host.lower() or wanted in (h.lower() for h in self.hosts)


@dataclass(frozen=True)
class PresetBook:
    """Every known preset by key."""

    presets: Mapping[str, Preset] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Preset]:
        return iter(self.presets.values())

    def __len__(self) -> int:
        return len(self.presets)

    def get(self, key: str | None) -> Preset | None:
        return self.presets.get(key.lower()) if key else None

    def for_host(self, host: str | None) -> Preset | None:
        if not host:
            return None
        return next((preset for preset in self if preset.serves(host)), None)

    def merged(self, other: PresetBook) -> PresetBook:
        return PresetBook({**self.presets, **other.presets})


def _typed(where: str, name: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    wrong_kind = value is not None and not isinstance(value, kind)
    bool_for_number = isinstance(value, bool) and kind in (int, (int, float))
    if wrong_kind or bool_for_number:
        raise PresetFileInvalid(
            f"{where}: {name} has the wrong type ({value!r})",
            fix="see the comments at the top of the bundled presets.toml",
        )
    return value


def _connection_limit(where: str, value: Any) -> int | None:
    limit: int | None = _typed(where, "max_connections", value, int)
    if limit is not None and limit < 1:
        raise PresetFileInvalid(
            f"{where}: max_connections must be at least 1, not {limit}",
            fix="leave max_connections out when the provider sets no limit",
        )
    return limit


def _tls(where: str, value: Any) -> TlsMode:
    try:
        return TlsMode(value)
    except ValueError:
        raise PresetFileInvalid(
            f"{where}: tls must be none, ssl or starttls, not {value!r}",
            fix="correct the preset's tls field",
        ) from None


def _preset(key: str, raw: Mapping[str, Any], source: Path) -> Preset:
    where = f"{source.name} [{key}]"
    for required in ("name", "host", "port", "tls"):
        if required not in raw:
            raise PresetFileInvalid(
                f"{where}: {required} is missing", fix=f"add {required} to the preset"
            )
    hints = tuple(
        ReplyHint(
            meaning=_typed(where, "auth_errors.meaning", hint.get("meaning", ""), str),
            fix=_typed(where, "auth_errors.fix", hint.get("fix", ""), str),
            reply_code=_typed(where, "auth_errors.reply_code", hint.get("reply_code"), int),
            status=_typed(where, "auth_errors.status", hint.get("status"), str),
            pattern=_typed(where, "auth_errors.pattern", hint.get("pattern"), str),
            distinctive=bool(hint.get("distinctive", False)),
        )
        for hint in raw.get("auth_errors", [])
    )
    alternatives = tuple(
        Endpoint(
            port=_typed(where, "alternatives.port", alt["port"], int), tls=_tls(where, alt["tls"])
        )
        for alt in raw.get("alternatives", [])
    )
    min_interval = _typed(
        where, "min_interval_seconds", raw.get("min_interval_seconds"), (int, float)
    )
    return Preset(
        key=key.lower(),
        name=_typed(where, "name", raw["name"], str),
        host=_typed(where, "host", raw["host"], str),
        port=_typed(where, "port", raw["port"], int),
        tls=_tls(where, raw["tls"]),
        facts=_typed(where, "facts", raw.get("facts", "unknown"), str),
        hosts=tuple(_typed(where, "hosts", raw.get("hosts", []), list)),
        alternatives=alternatives,
        rate_limit=RateLimit(
            per_minute=_typed(where, "rate_per_minute", raw.get("rate_per_minute"), int),
            per_day=_typed(where, "rate_per_day", raw.get("rate_per_day"), int),
            min_interval_seconds=float(min_interval) if min_interval is not None else None,
            recipients_per_day=_typed(
                where, "rate_recipients_per_day", raw.get("rate_recipients_per_day"), int
            ),
        ),
        max_message_bytes=_typed(where, "max_message_bytes", raw.get("max_message_bytes"), int),
        max_connections=_connection_limit(where, raw.get("max_connections")),
        limits_note=_typed(where, "limits_note", raw.get("limits_note"), str),
        notes=tuple(_typed(where, "notes", raw.get("notes", []), list)),
        auth_hints=hints,
        rewrites_envelope_sender=bool(raw.get("rewrites_envelope_sender", False)),
        from_must_match_account=bool(raw.get("from_must_match_account", False)),
    )


def read_presets(path: Path) -> PresetBook:
    """The presets of one TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PresetFileInvalid(
            f"cannot read presets file {path}: {exc}",
            fix="check the path in ERPMAIL_PRESETS_FILE and the TOML syntax",
        ) from None
    presets = {}
    for key, raw in data.items():
        if not isinstance(raw, dict):
            raise PresetFileInvalid(
                f"{path.name}: {key} is not a table", fix="write each preset as a [key] table"
            )
        presets[key.lower()] = _preset(key, raw, path)
    return PresetBook(presets)


@cache
def _bundled() -> PresetBook:
    return read_presets(BUNDLED_PRESETS)


def load_presets(extra_file: str | None = None) -> PresetBook:
    """The bundled presets, with an admin's file (``ERPMAIL_PRESETS_FILE``) laid over them."""
    book = _bundled()
    return book.merged(read_presets(Path(extra_file))) if extra_file else book
