"""The suppression list: addresses a tenant no longer sends to.

The bounce worker adds to it, the sender consults it before every send, ops edit it.
Addresses are compared in lower case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from schemas.tables import Suppression
from schemas.values import utc_now
from workers.store.raw import Rows


def normalize(address: str) -> str:
    return address.strip().lower()


_SUPPRESSIONS = Suppression.__table__  # type: ignore[attr-defined]


def unexpired(now: Any) -> ColumnElement[bool]:
    """A suppression still in force at ``now``: no expiry, or a later one. The sender's
    batch check writes the same rule as raw SQL (``suppression_reasons``' ``null_or_after``); a
    test holds the two to the same answers: change both."""
    return or_(_SUPPRESSIONS.c.expires_at.is_(None), _SUPPRESSIONS.c.expires_at > now)


def active_suppressions(
    session: Session, tenant: str, addresses: Iterable[str], now: datetime | None = None
) -> dict[str, Suppression]:
    """The unexpired suppressions among ``addresses``, keyed by normalized address."""
    wanted = {normalize(address) for address in addresses}
    if not wanted:
        return {}
    now = now or utc_now()
    rows = session.exec(
        select(Suppression).where(
            Suppression.tenant == tenant,
            col(Suppression.address).in_(wanted),
            unexpired(now),
        )
    )
    return {row.address: row for row in rows}


# The sender asks for every batch of jobs: read past SQLAlchemy's statement path
# (workers.store.raw), whose expanding IN lists are compiled again on every call.
_ROWS = Rows(_SUPPRESSIONS)
_REASONS = ("tenant", "address", "reason")


def suppression_reasons(
    connection: Connection, addresses: Iterable[tuple[str, str]], now: datetime | None = None
) -> dict[str, dict[str, str]]:
    """:func:`active_suppressions` of many ``(tenant, address)`` pairs in one statement, as
    ``{tenant: {normalized address: reason}}`` (every tenant asked about has an entry).

    Run on the connection of a session: a session with pending changes must be flushed
    first (the sender's sessions have none)."""
    wanted: dict[str, set[str]] = {}
    for tenant, address in addresses:
        wanted.setdefault(tenant, set()).add(normalize(address))
    found: dict[str, dict[str, str]] = {tenant: {} for tenant in wanted}
    every_address = set().union(*wanted.values())
    if not every_address:
        return found
    rows = _ROWS.select_where_all_in(
        connection,
        _REASONS,
        {"tenant": list(wanted), "address": list(every_address)},
        null_or_after=("expires_at", now or utc_now()),  # unexpired (see unexpired)
    )
    for tenant, address, reason in rows:
        # the statement matches any tenant with any address: keep the pairs asked about
        if address in wanted.get(tenant, ()):
            found[tenant][address] = reason
    return found


def suppress(
    session: Session,
    tenant: str,
    address: str,
    reason: str,
    *,
    detail: str | None = None,
    event_id: int | None = None,
    expires_at: datetime | None = None,
) -> Suppression:
    """Add or refresh the suppression of ``address`` (the latest reason wins)."""
    key = normalize(address)
    row = session.exec(
        select(Suppression).where(Suppression.tenant == tenant, Suppression.address == key)
    ).first()
    if row is None:
        row = Suppression(tenant=tenant, address=key, reason=reason)
    row.reason = reason
    row.detail = detail
    row.event_id = event_id
    row.expires_at = expires_at
    row.created_at = utc_now()
    session.add(row)
    session.flush()
    return row


def lift(session: Session, tenant: str, address: str) -> bool:
    """Remove a suppression; False when there was none."""
    row = session.exec(
        select(Suppression).where(
            Suppression.tenant == tenant, Suppression.address == normalize(address)
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
