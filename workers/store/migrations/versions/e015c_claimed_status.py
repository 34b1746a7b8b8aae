"""mail_messages.status: 'claimed', a job an attempt took that holds no SMTP connection yet
(only 'sending' may have reached the server)

The column is a VARCHAR(16) without a CHECK constraint (``schemas.tables._enum``), so the new
value needs no DDL. This revision marks the schema whose workers know the state: a worker of
an older revision cannot read a claimed row (its enumeration lacks the value), so going back
turns claimed jobs into queued ones, which they are (nothing of theirs was sent).

Revision ID: e015c
Revises: e015
"""

from __future__ import annotations

from alembic import op

revision = "e015c"
down_revision = "e015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # no DDL: see the module's docstring


def downgrade() -> None:
    op.execute(
        "UPDATE mail_messages SET status = 'queued', sending_started_at = NULL"
        " WHERE status = 'claimed'"
    )
