"""job_history: every step of every attempt of a job, replays included

Revision ID: c013
Revises: b001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c013"
down_revision = "b001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("replay", sa.Integer(), nullable=False),
        sa.Column("smtp_host", sa.String(length=255), nullable=True),
        sa.Column("config_source", sa.Text(), nullable=True),
        sa.Column("smtp_response", sa.Text(), nullable=True),
        sa.Column("error_class", sa.String(length=64), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
    )
    op.create_index("ix_job_history_job_id_at", "job_history", ["job_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_job_history_job_id_at", table_name="job_history")
    op.drop_table("job_history")
