"""The shared rate limits in the database: atomic across processes, kept across restarts,
on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import multiprocessing
import uuid

from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas.tables import RateLimitUsage
from workers.store.engine import make_engine, session_scope
from workers.store.rate_limits import RateRequest, Settle, Take, rate_requests
from workers.store.rate_windows import Rule, Unit, Usage

ACCOUNT = "mari@acme.ee|smtp.office365.com"
HOUR = (Rule(3600.0, 25),)


def take(engine: Engine, rules: tuple[Rule, ...], recipients: int = 1) -> tuple[float, str]:
    token = uuid.uuid4().hex
    with session_scope(engine) as session:
        (wait,) = rate_requests(session, [Take(ACCOUNT, rules, recipients, token, 120.0)])
    return wait, token


def _taker(database_url: str, attempts: int, results: multiprocessing.Queue[int]) -> None:
    engine = make_engine(database_url)
    admitted = sum(1 for _ in range(attempts) if take(engine, HOUR)[0] == 0)
    engine.dispose()
    results.put(admitted)


def test_processes_taking_slots_at_once_never_get_more_than_the_limit(
    engine: Engine, database_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    takers = [context.Process(target=_taker, args=(database_url, 20, results)) for _ in range(4)]
    for process in takers:
        process.start()
    admitted = [results.get(timeout=120) for _ in takers]
    for process in takers:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sum(admitted) == 25  # 80 tries, four processes, one limit
    assert take(engine, HOUR)[0] > 0


def test_the_count_outlives_the_process_that_made_it(engine: Engine, database_url: str) -> None:
    day = (Rule(86400.0, 3), Rule(86400.0, 10, Unit.RECIPIENTS))
    assert take(engine, day, recipients=4)[0] == 0
    assert take(engine, day, recipients=4)[0] == 0
    restarted = make_engine(database_url)  # what a restarted worker opens
    try:
        assert take(restarted, day, recipients=4)[0] > 3600  # 12 recipients: no
        assert take(restarted, day, recipients=11)[0] == math.inf
        assert take(restarted, day, recipients=2)[0] == 0
        assert take(restarted, day, recipients=1)[0] > 3600  # 3 messages: no
    finally:
        restarted.dispose()


def test_a_settled_send_counts_from_when_it_ended_and_one_row_holds_the_account(
    engine: Engine,
) -> None:
    rules = (Rule(3600.0, 2),)
    wait, token = take(engine, rules)
    assert wait == 0
    with session_scope(engine) as session:
        requests: list[RateRequest] = [
            Settle(ACCOUNT, token),
            Take(ACCOUNT, rules, 1, "second", 120.0),
            Take(ACCOUNT, rules, 1, "third", 120.0),
        ]
        settled, second, third = rate_requests(session, requests)
    assert (settled, second) == (0.0, 0.0) and third > 3000
    with session_scope(engine) as session:
        rows = list(session.exec(select(RateLimitUsage)))
    assert [row.account for row in rows] == [ACCOUNT]
    usage = Usage.from_json(rows[0].usage)
    assert set(usage.pending) == {"second"}  # "third" was over the limit: nothing kept
    assert sum(counts[0] for counts in usage.buckets[3600.0].values()) == 1
