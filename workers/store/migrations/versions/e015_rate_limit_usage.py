"""rate_limit_usage: each sending account's rate-limit windows, shared by every sender;
user_mail_settings.rate_recipients_per_day: a card's limit on recipients a day

Revision ID: e015
Revises: c014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e015"
down_revision = "c014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_usage",
        sa.Column("account", sa.String(length=600), nullable=False),
        sa.Column("usage", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    with op.batch_alter_table("user_mail_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_recipients_per_day", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_mail_settings", schema=None) as batch_op:
        batch_op.drop_column("rate_recipients_per_day")
    op.drop_table("rate_limit_usage")
