"""述职评议 by ballot: an evaluation's subject, ``members`` (民主测评 of the branch's members) or
``report`` (the branch secretary's report, rated by the branch's members and the committee's staff).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as table:
        table.add_column(
            sa.Column("subject", sa.String(length=20), server_default=sa.text("'members'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as table:
        table.drop_column("subject")
