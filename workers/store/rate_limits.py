"""Rate limits shared by every sender process: each account's usage in one database row.

:func:`rate_requests` is a group-commit batch operation (``workers.store.group_commit``). For
each account in the batch it locks the account's row — created on first use by an upsert
that also takes the lock (PostgreSQL: ``INSERT ... ON CONFLICT DO UPDATE``, which waits for
another transaction's lock and then sees its commit; SQLite: the upsert is the
transaction's first write, so it holds the database's write lock) — reads the usage and the
database's clock (one clock for every host), applies the batch's requests to it
(``workers.store.rate_windows``) and writes it back. A slot is therefore committed before the
mail is sent: a crash after that loses the slot for a while, it never sends past the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, literal_column, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session

from schemas.tables import RateLimitUsage
from schemas.values import utc_now
from workers.store.rate_windows import Rule, Usage

_TABLE = RateLimitUsage.__table__  # type: ignore[attr-defined]
_WRITE = (
    update(_TABLE)
    .where(_TABLE.c.account == bindparam("b_account"))
    .values(usage=bindparam("b_usage"), updated_at=bindparam("b_updated_at"))
)


@dataclass(frozen=True)
class Take:
    """Admit one message to ``recipients`` recipients under ``rules``, as pending ``token``."""

    account: str
    rules: tuple[Rule, ...]
    recipients: int
    token: str
    hold: float  # a pending send not settled by then counts as ended then


@dataclass(frozen=True)
class Settle:
    """The send admitted as ``token`` has ended."""

    account: str
    token: str


RateRequest = Take | Settle


def _now_expression(dialect: str) -> Any:
    """The database's clock in seconds since the epoch (the statement's own moment, not the
    transaction's start: the lock may have been waited for)."""
    if dialect == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return literal_column("(julianday('now') - 2440587.5) * 86400.0")


def _lock(connection: Connection, account: str) -> tuple[Usage, float]:
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new = insert(_TABLE).values(account=account, usage="{}", updated_at=utc_now())
    statement = new.on_conflict_do_update(
        index_elements=[_TABLE.c.account], set_={"updated_at": new.excluded.updated_at}
    ).returning(_TABLE.c.usage, _now_expression(dialect))
    row = connection.execute(statement).one()
    return Usage.from_json(row[0]), float(row[1])


def rate_requests(session: Session, requests: list[RateRequest]) -> list[float]:
    """Apply ``requests`` in order; for each :class:`Take` 0.0 when the mail may go now, else
    the seconds until it would fit (``math.inf``: never); 0.0 for each :class:`Settle`."""
    connection = session.connection()
    results: list[float] = [0.0] * len(requests)
    accounts: dict[str, list[int]] = {}
    for index, request in enumerate(requests):
        accounts.setdefault(request.account, []).append(index)
    writes = []
    for account in sorted(accounts):  # one order in every process: no deadlock between them
        usage, now = _lock(connection, account)
        for index in accounts[account]:
            request = requests[index]
            if isinstance(request, Settle):
                usage.settle(request.token, now)
            else:
                results[index] = usage.admit(
                    request.rules, now, request.recipients, request.token, request.hold
                )
        writes.append({"b_account": account, "b_usage": usage.to_json(), "b_updated_at": utc_now()})
    connection.execute(_WRITE, writes)
    return results
