"""card_changes on PostgreSQL: a version spread over slots, so that raising it holds up no
other writer of the cards

g017's triggers raised one row: every transaction that wrote a card held that row's lock
until it committed, so a writer of another user's card waited for it (and a transaction
writing two cards could deadlock with one writing the second). Now a transaction raises a
slot no other transaction holds (``FOR UPDATE SKIP LOCKED``), the same one for all its
writes (remembered in a transaction-local setting), and the version is the sum of the
slots, which only grows. A writer waits only when every slot is held by another
transaction. SQLite, which runs one writer at a time, keeps its one row.

Revision ID: h018
Revises: g017
"""

from __future__ import annotations

from alembic import op

revision = "h018"
down_revision = "g017"
branch_labels = None
depends_on = None

SLOTS = 16
_FIRST = "UPDATE card_changes SET version = version + 1 WHERE id = 1"
_SLOTTED = """
DECLARE
    slot integer := nullif(current_setting('erpmail.card_slot', true), '')::integer;
BEGIN
    IF slot IS NULL THEN
        SELECT id INTO slot FROM card_changes ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1;
        -- every slot held by another transaction: wait for the first
        slot := coalesce(slot, 1);
        PERFORM set_config('erpmail.card_slot', slot::text, true);
    END IF;
    UPDATE card_changes SET version = version + 1 WHERE id = slot;
    RETURN NULL;
END"""


def _function(body: str) -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION erpmail_card_changed() RETURNS trigger LANGUAGE plpgsql"
        f" AS $$ {body} $$"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "INSERT INTO card_changes (id, version)"
        f" SELECT slot, 0 FROM generate_series(2, {SLOTS}) AS slot"
    )
    _function(_SLOTTED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _function(f"BEGIN {_FIRST}; RETURN NULL; END")
    # the one row carries the sum on, so that the version never goes back
    op.execute(
        "UPDATE card_changes SET version = (SELECT sum(version) FROM card_changes) WHERE id = 1"
    )
    op.execute("DELETE FROM card_changes WHERE id > 1")
