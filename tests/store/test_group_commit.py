"""Group commit: many callers' work in one transaction, each caller its own result."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from workers.store.engine import make_engine
from workers.store.group_commit import DatabaseUnavailable, GroupCommitter


def _setup(path: Path) -> str:
    url = f"sqlite:///{path}/g.db"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE items (name TEXT PRIMARY KEY)"))
    engine.dispose()
    return url


def insert_names(session: Session, names: list[str]) -> list[str]:
    for name in names:
        session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
    return [f"stored {name}" for name in names]


def test_concurrent_callers_share_transactions_and_get_their_own_results(tmp_path: Path) -> None:
    engine = make_engine(_setup(tmp_path))
    committer = GroupCommitter(engine)

    async def main() -> list[str]:
        return await asyncio.gather(*(committer.submit(insert_names, f"n{i}") for i in range(200)))

    try:
        results = asyncio.run(main())
    finally:
        committer.close()
    assert results == [f"stored n{i}" for i in range(200)]
    assert committer.items == 200
    assert committer.batches < 200, "no batching happened"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 200
    engine.dispose()


def test_one_failing_item_fails_alone(tmp_path: Path) -> None:
    engine = make_engine(_setup(tmp_path))
    committer = GroupCommitter(engine)

    async def main() -> list[str | BaseException]:
        gathered = await asyncio.gather(
            committer.submit(insert_names, "a"),
            committer.submit(insert_names, "dup"),
            committer.submit(insert_names, "dup"),
            committer.submit(insert_names, "b"),
            return_exceptions=True,
        )
        return list(gathered)

    try:
        results = asyncio.run(main())
    finally:
        committer.close()
    assert results[0] == "stored a" and results[3] == "stored b"
    failures = [r for r in results[1:3] if isinstance(r, Exception)]
    assert len(failures) == 1, "exactly one of the two duplicates fails"
    with engine.connect() as connection:
        names = {row[0] for row in connection.execute(text("SELECT name FROM items"))}
    assert names == {"a", "b", "dup"}
    engine.dispose()


def test_an_unreachable_database_is_reported_as_unavailable() -> None:
    engine = make_engine("postgresql+psycopg2://nobody:secret@127.0.0.1:1/none")
    committer = GroupCommitter(engine)
    try:
        with pytest.raises(DatabaseUnavailable):
            asyncio.run(committer.ping())
    finally:
        committer.close()
        engine.dispose()


def test_urgent_work_does_not_wait_for_the_batch_to_fill(tmp_path: Path) -> None:
    """A caller holding something for the commit (an SMTP connection) is served at once; the
    others wait the linger for company. The linger is long enough that no loaded machine
    could blur the two."""
    engine = make_engine(_setup(tmp_path))
    committer = GroupCommitter(engine, linger=5.0)

    async def timed(name: str, urgent: bool) -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await committer.submit(insert_names, name, urgent=urgent)
        return loop.time() - started

    async def main() -> tuple[float, float]:
        patient = await timed("patient", urgent=False)
        urgent = await timed("urgent", urgent=True)
        return patient, urgent

    try:
        patient, urgent = asyncio.run(main())
    finally:
        committer.close()
    engine.dispose()
    assert patient >= 5.0
    assert urgent < 2.5


def test_a_hurry_for_work_already_taken_does_not_cut_the_next_linger(tmp_path: Path) -> None:
    """An attempt hurries its mark although a running batch already holds it: the next
    batch, of other work, still lingers for company (a stale hurry made every batch small).
    The linger is long enough that no loaded machine could blur the two."""
    engine = make_engine(_setup(tmp_path))
    committer = GroupCommitter(engine, linger=3.0)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        await committer.submit(insert_names, "urgent", urgent=True)
        committer.hurry()  # what it hurries was committed with the batch above
        started = loop.time()
        await committer.submit(insert_names, "patient")
        return loop.time() - started

    try:
        patient = asyncio.run(main())
    finally:
        committer.close()
    engine.dispose()
    assert patient >= 3.0
