"""The branch calendar: what a publicity window covers and when it became final, and who decided
an objection.

- ``publicity_windows.kind`` (month / quarter / half / year), ``starts`` / ``ends``: the dates the
  period covers, so that an entry dated inside a final period is refused; ``final_at``: when the
  window ended with every objection decided (NULL while open, and again after a reopening).
- ``objections.decided_by`` and ``entry_id``: the secretary who decided, and the entry corrected.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publicity_windows") as table:
        table.add_column(sa.Column("kind", sa.String(length=10), nullable=False, server_default="year"))
        table.add_column(sa.Column("starts", sa.Date(), nullable=True))
        table.add_column(sa.Column("ends", sa.Date(), nullable=True))
        table.add_column(sa.Column("final_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_publicity_windows_branch_ends", "publicity_windows", ["branch_id", "ends"])
    with op.batch_alter_table("objections") as table:
        table.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        table.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_objections_decided_by_members", "members", ["decided_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("objections") as table:
        table.drop_constraint("fk_objections_decided_by_members", type_="foreignkey")
        table.drop_column("entry_id")
        table.drop_column("decided_by")
    op.drop_index("ix_publicity_windows_branch_ends", table_name="publicity_windows")
    with op.batch_alter_table("publicity_windows") as table:
        table.drop_column("final_at")
        table.drop_column("ends")
        table.drop_column("starts")
        table.drop_column("kind")
