"""events: indexes for the event module's queries (a tenant's records by time, an address's
history within a tenant)

Revision ID: c014
Revises: d012
"""

from __future__ import annotations

from alembic import op

revision = "c014"
down_revision = "d012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_tenant_received_at", ["tenant", "received_at"])
        batch_op.create_index("ix_events_tenant_recipient", ["tenant", "recipient", "received_at"])


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_tenant_recipient")
        batch_op.drop_index("ix_events_tenant_received_at")
