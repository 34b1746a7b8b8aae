"""Deployment settings, read once from the environment (DESIGN.md lists the contract)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_DATABASE_URL = "sqlite:///erpmail.db"
DEFAULT_RETRY_LADDER = (30, 120, 600, 3600, 21600)
RELAY_TLS_MODES = ("none", "ssl", "starttls")
LOG_FORMATS = ("json", "console", "auto")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
INTERRUPTED_POLICIES = ("resend", "dead-letter")
EVENT_LOOPS = ("uvloop", "asyncio")  # the sender's: see workers/event_loop.py
MAX_POLL_SECONDS = 3600
MIN_BOUNCE_BYTES = 65536


N = TypeVar("N", int, float)


class SettingsError(ValueError):
    """An environment variable holds a value erpmail cannot use."""


@dataclass(frozen=True)
class BounceSettings:
    """The bounce worker: where the event mailbox files mail, and when bounces suppress."""

    imap_ca_file: str | None = None
    processed_folder: str = "Processed"
    unparsed_folder: str = "Unparsed"
    not_bounces_folder: str = "NotBounces"
    poll_seconds: int = 60
    max_message_bytes: int = 10 * 1024 * 1024
    hard_suppression_days: int = 0
    soft_bounce_limit: int = 5
    soft_bounce_window_days: int = 91
    soft_bounce_min_spread_days: int = 7
    soft_suppression_days: int = 30


@dataclass(frozen=True)
class Retention:
    """Days ``erpmail db prune`` keeps each kind of record (0: for good)."""

    raw_bounce_days: int = 30
    event_days: int = 365
    job_days: int = 180


@dataclass(frozen=True)
class Settings:
    rabbitmq_url: str = DEFAULT_RABBITMQ_URL
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    event_domain: str = "events.invalid"
    imap_url: str | None = None
    relay_host: str = "smtp.relay.local"
    relay_port: int = 25
    relay_tls: str = "none"
    retry_ladder: tuple[int, ...] = DEFAULT_RETRY_LADDER
    max_attempts: int = 8
    worker_name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    log_format: str = "auto"
    log_level: str = "info"
    presets_file: str | None = None
    bounces: BounceSettings = field(default_factory=lambda: BounceSettings())
    retention: Retention = field(default_factory=lambda: Retention())
    # each worker process's /metrics, /livez, /readyz; None: the worker's default port, 0: off
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    # sender worker
    sender_prefetch: int = 600
    # enough jobs at once that the mails of warm connections go while other users'
    # connections are opened (a handshake and a login are several round trips)
    sender_concurrency: int = 300
    smtp_pool_size: int = 10
    event_loop: str = "uvloop"
    send_shards: int = 0  # 0: one queue, competing consumers; else jobs routed by user
    retry_max_age_seconds: int = 3 * 24 * 3600
    retry_jitter: float = 0.2
    resend_interrupted: bool = True
    sending_lease_seconds: int = 120
    shutdown_grace_seconds: float = 30.0
    # rate limits' windows as a fraction of their length (a minute: 60 s × this): for tests
    rate_window_scale: float = 1.0


MAX_SEND_SHARDS = 256


def _number(
    env: Mapping[str, str],
    name: str,
    default: N,
    minimum: N,
    maximum: N | None,
    kind: type[N],
) -> N:
    """A number within [minimum, maximum]; a value outside is refused, never clamped."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value: N | None = kind(raw)
    except ValueError:
        value = None
    if (
        value is None
        or value != value  # NaN
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        words = "a whole number" if kind is int else "a number"
        accepted = f"from {minimum} to {maximum}" if maximum is not None else f"from {minimum} up"
        raise SettingsError(f"{name} must be {words} {accepted}, not {raw!r}")
    return value


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    return _number(env, name, default, minimum, maximum, int)


def _float(
    env: Mapping[str, str],
    name: str,
    default: float,
    minimum: float = 0,
    maximum: float | None = None,
) -> float:
    return _number(env, name, default, minimum, maximum, float)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    return _int(env, name, default, minimum=1)


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (any case), lower-cased."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; not {raw!r}")
    return value


def _shards(env: Mapping[str, str]) -> int:
    return _int(env, "ERPMAIL_SEND_SHARDS", 0, maximum=MAX_SEND_SHARDS)


def _interrupted_policy(env: Mapping[str, str]) -> bool:
    """True (resend, counted as a possible duplicate) or False (dead-letter: at most once)."""
    return _choice(env, "ERPMAIL_INTERRUPTED_SEND", "resend", INTERRUPTED_POLICIES) == "resend"


def _ladder(env: Mapping[str, str]) -> tuple[int, ...]:
    raw = env.get("ERPMAIL_RETRY_LADDER")
    if not raw:
        return DEFAULT_RETRY_LADDER
    try:
        steps = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(
            f"ERPMAIL_RETRY_LADDER must be comma-separated seconds, e.g. 30,120,600; not {raw!r}"
        ) from None
    if not steps or any(step <= 0 for step in steps):
        raise SettingsError("ERPMAIL_RETRY_LADDER needs at least one positive number of seconds")
    return steps


def _bounce_settings(env: Mapping[str, str]) -> BounceSettings:
    defaults = BounceSettings()
    window = _int(
        env, "ERPMAIL_SOFT_BOUNCE_WINDOW_DAYS", defaults.soft_bounce_window_days, minimum=1
    )
    spread = _int(
        env,
        "ERPMAIL_SOFT_BOUNCE_MIN_SPREAD_DAYS",
        defaults.soft_bounce_min_spread_days,
        maximum=window,  # soft bounces spread wider than the window could never suppress
    )
    return BounceSettings(
        imap_ca_file=env.get("IMAP_CA_FILE") or None,
        processed_folder=env.get("IMAP_PROCESSED_FOLDER") or defaults.processed_folder,
        unparsed_folder=env.get("IMAP_UNPARSED_FOLDER") or defaults.unparsed_folder,
        not_bounces_folder=env.get("IMAP_NOT_BOUNCES_FOLDER") or defaults.not_bounces_folder,
        # 0 made the idle worker poll without pause (100% CPU)
        poll_seconds=_int(
            env,
            "ERPMAIL_BOUNCE_POLL_SECONDS",
            defaults.poll_seconds,
            minimum=1,
            maximum=MAX_POLL_SECONDS,
        ),
        # below a header block's worth every bounce would be cut short and filed as garbage
        max_message_bytes=_int(
            env,
            "ERPMAIL_BOUNCE_MAX_BYTES",
            defaults.max_message_bytes,
            minimum=MIN_BOUNCE_BYTES,
        ),
        hard_suppression_days=_int(
            env, "ERPMAIL_HARD_SUPPRESSION_DAYS", defaults.hard_suppression_days
        ),
        soft_bounce_limit=_positive(env, "ERPMAIL_SOFT_BOUNCE_LIMIT", defaults.soft_bounce_limit),
        soft_bounce_window_days=window,
        soft_bounce_min_spread_days=spread,
        soft_suppression_days=_positive(
            env, "ERPMAIL_SOFT_SUPPRESSION_DAYS", defaults.soft_suppression_days
        ),
    )


def _port(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name):
        return None
    port = _int(env, name, 0)
    if not 0 <= port <= 65535:
        raise SettingsError(f"{name} must be a port number (0 turns it off), not {port}")
    return port


def _retention(env: Mapping[str, str]) -> Retention:
    defaults = Retention()
    days = {
        name: _int(env, variable, getattr(defaults, name))  # 0 (keep for good) or more
        for name, variable in (
            ("raw_bounce_days", "ERPMAIL_RETAIN_RAW_BOUNCE_DAYS"),
            ("event_days", "ERPMAIL_RETAIN_EVENT_DAYS"),
            ("job_days", "ERPMAIL_RETAIN_JOB_DAYS"),
        )
    }
    return Retention(**days)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (the process environment by default); unset names take defaults.
    Every value is checked here, once, so that a process refuses to start with a value it
    cannot use (:class:`SettingsError` names the variable and what it accepts)."""
    env = os.environ if env is None else env
    defaults = Settings()
    return Settings(
        rabbitmq_url=env.get("RABBITMQ_URL") or DEFAULT_RABBITMQ_URL,
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        secret_key=env.get("ERPMAIL_SECRET_KEY") or None,
        event_domain=env.get("EVENT_DOMAIN") or defaults.event_domain,
        imap_url=env.get("IMAP_URL") or None,
        relay_host=env.get("ERPMAIL_RELAY_HOST") or defaults.relay_host,
        relay_port=_int(env, "ERPMAIL_RELAY_PORT", defaults.relay_port, minimum=1, maximum=65535),
        relay_tls=_choice(env, "ERPMAIL_RELAY_TLS", defaults.relay_tls, RELAY_TLS_MODES),
        retry_ladder=_ladder(env),
        max_attempts=_positive(env, "ERPMAIL_MAX_ATTEMPTS", defaults.max_attempts),
        worker_name=env.get("ERPMAIL_WORKER_NAME") or defaults.worker_name,
        log_format=_choice(env, "ERPMAIL_LOG_FORMAT", defaults.log_format, LOG_FORMATS),
        log_level=_choice(env, "ERPMAIL_LOG_LEVEL", defaults.log_level, LOG_LEVELS),
        presets_file=env.get("ERPMAIL_PRESETS_FILE") or None,
        bounces=_bounce_settings(env),
        retention=_retention(env),
        metrics_host=env.get("ERPMAIL_METRICS_HOST") or defaults.metrics_host,
        metrics_port=_port(env, "ERPMAIL_METRICS_PORT"),
        sender_prefetch=_positive(env, "ERPMAIL_SENDER_PREFETCH", defaults.sender_prefetch),
        sender_concurrency=_positive(
            env, "ERPMAIL_SENDER_CONCURRENCY", defaults.sender_concurrency
        ),
        smtp_pool_size=_positive(env, "ERPMAIL_SMTP_POOL_SIZE", defaults.smtp_pool_size),
        event_loop=_choice(env, "ERPMAIL_EVENT_LOOP", defaults.event_loop, EVENT_LOOPS),
        send_shards=_shards(env),
        retry_max_age_seconds=_positive(
            env, "ERPMAIL_RETRY_MAX_AGE", defaults.retry_max_age_seconds
        ),
        retry_jitter=_float(env, "ERPMAIL_RETRY_JITTER", defaults.retry_jitter, maximum=0.5),
        resend_interrupted=_interrupted_policy(env),
        sending_lease_seconds=_positive(
            env, "ERPMAIL_SENDING_LEASE", defaults.sending_lease_seconds
        ),
        shutdown_grace_seconds=_float(
            env, "ERPMAIL_SHUTDOWN_GRACE", defaults.shutdown_grace_seconds
        ),
        rate_window_scale=_float(
            env, "ERPMAIL_RATE_WINDOW_SCALE", defaults.rate_window_scale, 0.001, 1.0
        ),
    )
