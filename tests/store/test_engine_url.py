"""The PostgreSQL URL a user writes works, whichever way the driver is spelled."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from workers.store.engine import make_engine


@pytest.mark.parametrize(
    "scheme", ["postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"]
)
def test_every_spelling_of_a_postgresql_url_connects_through_psycopg_3(
    postgres_url: str, scheme: str
) -> None:
    url = make_url(postgres_url).set(drivername=scheme).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_a_sqlite_url_is_left_as_written(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    assert (engine.dialect.name, engine.dialect.driver) == ("sqlite", "pysqlite")
    engine.dispose()
