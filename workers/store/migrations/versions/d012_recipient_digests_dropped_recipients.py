"""mail_messages.recipient_digests: keyed digests of a job's recipients;
raw_bounces.dropped_recipients: the recipients a report lists past the parser's limit

Revision ID: d012
Revises: c013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d012"
down_revision = "c013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_digests", sa.Text(), nullable=True))
    with op.batch_alter_table("raw_bounces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dropped_recipients", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("raw_bounces", schema=None) as batch_op:
        batch_op.drop_column("dropped_recipients")
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_column("recipient_digests")
