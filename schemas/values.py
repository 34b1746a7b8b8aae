"""Values the tables hold that code without a database uses too: the SMTP card's modes and
the clock the tables keep times by. No SQLAlchemy here: the SMTP client, the configuration's
pure logic and the command line import these without loading the database layer."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


def utc_now() -> datetime:
    """Now as the tables store times: naive UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class SenderMode(StrEnum):
    OWN = "own"
    REPLY_TO = "reply_to"


class TlsMode(StrEnum):
    NONE = "none"
    SSL = "ssl"
    STARTTLS = "starttls"
