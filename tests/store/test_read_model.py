"""The README's "Reading bounce records": its SQL runs, finds the rows, and uses the indexes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from schemas.tables import MailMessage
from schemas.values import utc_now
from tests.events import hard_bounce
from workers.store import migrate
from workers.store.engine import make_engine, session_scope

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Reading bounce records", 1)[1].split("\n## ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)```", SECTION, re.S)
JOB = "3f2c8a4e-1b7d-4c55-9e0a-6d8f1c2b3a40"


def test_the_readme_shows_the_module_s_queries() -> None:
    assert len(QUERIES) >= 4
    assert "AT TIME ZONE 'UTC'" in SECTION


def test_every_readme_query_runs_finds_its_rows_and_the_first_three_use_an_index(
    postgres_url: str,
) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    now = utc_now()
    with session_scope(engine) as session:
        session.add(MailMessage(job_id=JOB, tenant="acme", user_code="MARI", kind="invoice"))
        for number, (tenant, recipient, days) in enumerate(
            [
                ("acme", "juri@example.ee", 1),
                ("acme", "kati@example.ee", 30),
                ("other", "x@y.ee", 1),
            ]
        ):
            session.add(
                hard_bounce(
                    bounce_key=f"key-{number}",
                    job_id=JOB if tenant == "acme" else None,
                    tenant=tenant,
                    recipient=recipient,
                    received_at=now - timedelta(days=days),
                )
            )
    with engine.connect() as connection:
        found = [connection.execute(text(query)).all() for query in QUERIES]
        connection.execute(text("SET enable_seqscan = off"))  # tiny tables: ask for the index
        plans = [
            "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
            for query in QUERIES[:3]
        ]
    engine.dispose()
    assert [row.recipient for row in found[0]] == ["juri@example.ee"]  # 7 days, acme only
    assert sorted(row.recipient for row in found[1]) == ["juri@example.ee", "kati@example.ee"]
    assert [row.reason for row in found[2]] == ["userunknown"]
    for query, plan in zip(QUERIES, plans, strict=False):
        assert "Index" in plan, f"{query}\n{plan}"
    assert "ix_events_tenant_received_at" in plans[0]
    assert "ix_events_job_id" in plans[1]
    assert "ix_events_tenant_recipient" in plans[2]
