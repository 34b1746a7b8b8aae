"""mail_messages.started_at: the start of the row's attempt, kept on the row (the sender wrote
a job_history row per claim) until the job moves on

Going back writes the starts still on rows into job_history, where an older release reads
every start.

Revision ID: f016
Revises: e015c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f016"
down_revision = "e015c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.execute(
        "INSERT INTO job_history (job_id, at, step, attempt, replay, smtp_host, config_source)"
        " SELECT job_id, started_at, 'started', attempts, replayed, smtp_host, config_source"
        " FROM mail_messages WHERE started_at IS NOT NULL ORDER BY started_at, job_id"
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_column("started_at")
