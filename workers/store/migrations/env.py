"""Alembic environment: the URL comes from the caller (workers.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import schemas.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from workers.store.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by workers.store.migrate"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
