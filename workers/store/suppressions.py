"""The suppression list: addresses a tenant no longer sends to.

The bounce worker adds to it, the sender consults it before every send, ops edit it.
Addresses are compared in lower case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from schemas.tables import Suppression, utc_now


def normalize(address: str) -> str:
    return address.strip().lower()


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
            or_(col(Suppression.expires_at).is_(None), col(Suppression.expires_at) > now),
        )
    )
    return {row.address: row for row in rows}


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
