"""The database tables (sqlmodel). Migrations live in ``workers/store/migrations``.

Times are stored as naive UTC (``schemas.values.utc_now``), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from schemas.values import SenderMode, TlsMode, utc_now


def clean_for_store(value: str, length: int | None) -> str:
    """``value`` as every database stores it: no NUL (PostgreSQL refuses it in text), no lone
    surrogate (no driver encodes one), at most ``length`` characters (PostgreSQL refuses a
    longer VARCHAR value, SQLite keeps it: cut here, both keep the same)."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value if length is None or len(value) <= length else value[:length]


class CleanString(TypeDecorator[str]):
    """A text column whose every value, written or compared, passes :func:`clean_for_store`:
    the one place where text from outside (bounces, server replies, job fields) is made
    storable, for every table, on SQLite and PostgreSQL alike."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return clean_for_store(str(value), self.impl_instance.length)  # type: ignore[attr-defined]

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """:meth:`process_bind_param` as one function, which passes a plain string that needs
        no cleaning straight through: every text value the sender writes comes here, and the
        generic chain of calls cost more than the writes it guards."""
        length: int | None = self.impl_instance.length  # type: ignore[attr-defined]
        then = self.impl_instance.bind_processor(dialect)

        def process(value: Any) -> Any:
            if value is not None and not (
                type(value) is str
                and value.isascii()
                and "\x00" not in value
                and (length is None or len(value) <= length)
            ):
                value = clean_for_store(str(value), length)
            return then(value) if then is not None else value

        return process

    @property
    def python_type(self) -> type[str]:
        return str


class CleanText(CleanString):
    """:class:`CleanString` of a ``TEXT`` column (no length)."""

    impl = Text
    cache_ok = True


def _is_text(kind: Any) -> bool:
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString
        kind = kind.impl_instance
    return isinstance(kind, String) and not isinstance(kind, SAEnum | CleanString)


@event.listens_for(Column, "before_parent_attach")
def _clean_text_columns(column: Column[Any], table: Any) -> None:
    """Every text column of erpmail's tables (enumerations excepted: they hold erpmail's own
    words) is a :class:`CleanText`, given as the tables are built, before the models are
    mapped: no column can be forgotten, the models below declare plain ``str`` fields."""
    if isinstance(table, Table) and table.metadata is SQLModel.metadata and _is_text(column.type):
        kind = column.type
        column.type = CleanText() if isinstance(kind, Text) else CleanString(kind.length)  # type: ignore[attr-defined]


def _enum(enum: type[StrEnum]) -> Any:
    """A VARCHAR column holding the enum's values (no native database enum to migrate)."""
    return SAEnum(
        enum,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class MailStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # an attempt took the job, no SMTP connection yet: nothing on the wire
    SENDING = "sending"  # the attempt holds a connection: the mail may have reached the server
    SENT = "sent"
    RETRYING = "retrying"
    DEAD = "dead"
    SUPPRESSED = "suppressed"
    BOUNCED = "bounced"
    SOFT_BOUNCED = "soft_bounced"
    DELIVERED = "delivered"


# The states of a job whose mail a server accepted: sent, and those a report about the mail
# (a bounce, a delivery notice) moves it to. Such a job is never sent again.
WENT_OUT = frozenset(
    {MailStatus.SENT, MailStatus.DELIVERED, MailStatus.BOUNCED, MailStatus.SOFT_BOUNCED}
)


class JobStep(StrEnum):
    """A step of a job's history (``job_history``)."""

    STARTED = "started"  # an attempt began: the SMTP configuration it uses
    SENT = "sent"
    RETRYING = "retrying"
    DEAD = "dead"
    SUPPRESSED = "suppressed"
    REPLAYED = "replayed"  # back from the dead-letter queue


class UserMailSettings(SQLModel, table=True):
    """A user's card: their own SMTP server (complete or credentials only) and sender mode."""

    __tablename__ = "user_mail_settings"
    __table_args__ = (UniqueConstraint("tenant", "user_code", name="uq_user_mail_settings_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    user_code: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=320)
    sender_mode: SenderMode = Field(default=SenderMode.OWN, sa_type=_enum(SenderMode))
    provider: str | None = Field(default=None, max_length=64)
    smtp_host: str | None = Field(default=None, max_length=255)
    smtp_port: int | None = None
    smtp_tls: TlsMode | None = Field(default=None, sa_type=_enum(TlsMode))
    smtp_username: str | None = Field(default=None, max_length=320)
    smtp_password_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    verify_certificate: bool = True
    rate_per_minute: int | None = None
    rate_per_day: int | None = None
    rate_recipients_per_day: int | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)


class CardChanges(SQLModel, table=True):
    """The cards' version, the sum of this table's ``version`` column, which every write to
    the cards (``user_mail_settings``, ``system_settings``) raises through database triggers
    (migrations g017, h018: one row on SQLite, on PostgreSQL slots that concurrent writers
    raise apart): a sender that finds it unchanged knows the cards it resolved
    configurations from are unchanged without reading them."""

    __tablename__ = "card_changes"

    id: int = Field(primary_key=True)
    version: int = 0


class RateLimitUsage(SQLModel, table=True):
    """What one sending account (server and login) has sent lately, shared by every sender
    process: the windows of its rate limits (``workers.store.rate_windows``), as JSON."""

    __tablename__ = "rate_limit_usage"

    account: str = Field(primary_key=True, max_length=600)
    usage: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)


class SystemSettings(SQLModel, table=True):
    """Tenant-wide settings: the company's name and the *mail sending user code*."""

    __tablename__ = "system_settings"

    tenant: str = Field(primary_key=True, max_length=64)
    company_name: str = Field(max_length=200)
    company_slug: str = Field(max_length=64)
    mail_sending_user_code: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)


class MailMessage(SQLModel, table=True):
    """One row per job: its state and the outcome of sending it."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_tenant_status", "tenant", "status"),)

    job_id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=64)
    user_code: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    status: MailStatus = Field(default=MailStatus.QUEUED, sa_type=_enum(MailStatus))
    attempts: int = 0
    possible_duplicate: bool = False
    replayed: int = 0
    message_id: str | None = Field(default=None, max_length=255)
    config_source: str | None = Field(default=None, sa_column=Column(Text))
    smtp_host: str | None = Field(default=None, max_length=255)
    smtp_response: str | None = Field(default=None, sa_column=Column(Text))
    error_class: str | None = Field(default=None, max_length=64)
    error_text: str | None = Field(default=None, sa_column=Column(Text))
    recipient_digests: str | None = Field(
        default=None,
        sa_column=Column(Text),
        description="keyed digests of the envelope recipients (workers.correlation): a bounce "
        "counts against the job only for these; no plain list of addresses is kept",
    )
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    sending_started_at: datetime | None = Field(default=None, sa_type=DateTime)
    started_at: datetime | None = Field(
        default=None,
        sa_type=DateTime,
        description="when the row's attempt started (attempts, replayed, smtp_host and "
        "config_source say the rest), while that step is not in job_history: it is written "
        "there when the job moves on (an outcome other than sent, another claim); NULL then",
    )
    sent_at: datetime | None = Field(default=None, sa_type=DateTime)


class JobHistory(SQLModel, table=True):
    """Every step of every attempt of a job, kept when the job's row moves on (a replayed job
    keeps the failures before its replay). ``attempt`` and ``replay`` number the step: a
    job's n-th replay and the attempts after it. The sending, a job's last step, has no row
    here: the job's row says it (``sent_at``, ``attempts``, ``replayed``, ``smtp_response``);
    nor has the start of the row's attempt until the job moves on (``started_at``)."""

    __tablename__ = "job_history"
    __table_args__ = (Index("ix_job_history_job_id_at", "job_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=36)
    at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    step: JobStep = Field(sa_type=_enum(JobStep))
    attempt: int = 0
    replay: int = 0
    smtp_host: str | None = Field(default=None, max_length=255)
    config_source: str | None = Field(default=None, sa_column=Column(Text))
    smtp_response: str | None = Field(default=None, sa_column=Column(Text))
    error_class: str | None = Field(default=None, max_length=64)
    error_text: str | None = Field(default=None, sa_column=Column(Text))


class RawBounce(SQLModel, table=True):
    """A bounce mail as it arrived, kept so that any Event can be re-examined."""

    __tablename__ = "raw_bounces"

    id: int | None = Field(default=None, primary_key=True)
    bounce_key: str = Field(max_length=255, unique=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    dropped_recipients: int = Field(
        default=0,
        description="recipients the report lists past what the parser reads "
        "(workers.dsn.rfc3464.MAX_DSN_RECIPIENTS): no Event was made for them",
    )
    received_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)


class Event(SQLModel, table=True):
    """One failed (or reported) recipient, from a DSN or from a refusal during SMTP."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "bounce_key", "recipient", name="uq_events_bounce_recipient"),
        Index("ix_events_job_id", "job_id"),
        Index("ix_events_recipient", "recipient"),
        Index("ix_events_reason", "reason"),
        Index("ix_events_received_at", "received_at"),
        Index("ix_events_published_at", "published_at"),
        Index("ix_events_tenant_received_at", "tenant", "received_at"),
        Index("ix_events_tenant_recipient", "tenant", "recipient", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=8, description="dsn or smtp")
    bounce_key: str = Field(max_length=255, description="Message-ID or content hash")
    job_id: str | None = Field(default=None, max_length=36)
    tenant: str | None = Field(default=None, max_length=64)
    verified: bool = False
    recipient: str = Field(max_length=320)
    status: str | None = Field(default=None, max_length=16)
    reply_code: str | None = Field(default=None, max_length=3)
    reason: str = Field(max_length=32)
    bounce_type: str = Field(max_length=16)
    action: str | None = Field(default=None, max_length=32)
    diagnostic: str | None = Field(default=None, sa_column=Column(Text))
    feedback_type: str | None = Field(default=None, max_length=32)
    engine: str | None = Field(default=None, max_length=64)
    reporting_mta: str | None = Field(default=None, max_length=255)
    remote_mta: str | None = Field(default=None, max_length=255)
    bounce_message_id: str | None = Field(default=None, max_length=998)
    raw_bounce_id: int | None = Field(default=None, foreign_key="raw_bounces.id")
    received_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    published_at: datetime | None = Field(
        default=None,
        sa_type=DateTime,
        description="when mail.bounced / mail.complaint was confirmed; NULL: still to publish",
    )


class Suppression(SQLModel, table=True):
    """An address a tenant no longer sends to, and why."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("tenant", "address", name="uq_suppressions_address"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    address: str = Field(max_length=320)
    reason: str = Field(max_length=32)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    event_id: int | None = Field(default=None, foreign_key="events.id")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime)
    expires_at: datetime | None = Field(default=None, sa_type=DateTime)
