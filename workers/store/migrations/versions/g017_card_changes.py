"""card_changes: a version every write to the cards raises (user_mail_settings,
system_settings), kept by triggers, so that the sender knows its cached configurations still
hold without reading the cards of every batch's users

A migration that rebuilds either table on SQLite (alembic's batch mode copies it) drops its
triggers: it must create them again (tests/store/test_migrations.py checks a write to each
table raises the version at head).

Revision ID: g017
Revises: f016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "g017"
down_revision = "f016"
branch_labels = None
depends_on = None

TABLES = ("user_mail_settings", "system_settings")
RAISE = "UPDATE card_changes SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "card_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO card_changes (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION erpmail_card_changed() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN {RAISE}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION erpmail_card_changed()"
            )
        return
    for table in TABLES:
        for change in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{change.lower()}_changed AFTER {change} ON {table}"
                f" BEGIN {RAISE}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION erpmail_card_changed()")
    else:
        for table in TABLES:
            for change in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{change}_changed")
    op.drop_table("card_changes")
