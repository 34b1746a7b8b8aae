"""The smtp-sink benchmark's database: migrated, emptied of earlier benchmark jobs, the sending
user's card stored.

It imports only what every erpmail release since the sender's first has under the same
names (the migrations, the engine, the two tables), so that ``python bench/sink_database.py
URL`` run with another checkout first on ``PYTHONPATH`` prepares a database for that
checkout's own schema (``python -m bench.sender_sink --ab REV``).
"""

from __future__ import annotations

import sys

from sqlmodel import Session, col, delete, select

from schemas.tables import MailMessage, UserMailSettings
from workers.store import migrate
from workers.store.engine import make_engine

TENANT = "bench"
USER = "BENCH"


def prepare_database(url: str) -> None:
    """Migrate ``url``, forget earlier benchmark jobs there, and store the sending user."""
    # "heads": a few commits of the history have two migration heads (a branch landed
    # beside another before the merge that joined them), which "head" refuses
    migrate.upgrade(url, "heads")
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(delete(MailMessage).where(col(MailMessage.tenant) == TENANT))
        card = session.exec(
            select(UserMailSettings).where(
                UserMailSettings.tenant == TENANT, UserMailSettings.user_code == USER
            )
        ).first()
        if card is None:
            session.add(
                UserMailSettings(tenant=TENANT, user_code=USER, email="bench@bench.example")
            )
        session.commit()
    engine.dispose()


if __name__ == "__main__":
    prepare_database(sys.argv[1])
