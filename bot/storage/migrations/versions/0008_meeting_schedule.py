"""A meeting scheduled ahead (日程 会议): ``meetings.scheduled_at``, when it is to begin. A row
with it and no attendance is a meeting still to be held; the group is reminded before it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as table:
        table.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_meetings_scheduled_at", "meetings", ["scheduled_at"])


def downgrade() -> None:
    op.drop_index("ix_meetings_scheduled_at", table_name="meetings")
    with op.batch_alter_table("meetings") as table:
        table.drop_column("scheduled_at")
