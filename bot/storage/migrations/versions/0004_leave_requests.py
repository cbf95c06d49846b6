"""Leave requests (请假): the reason a member gives and the approver's decision.

Until now 请假 on a sign-in card recorded leave at once, with no reason and nobody deciding,
although the schemes count only approved leave. A request now waits in ``leave_requests``
until an approver decides; only an approved one becomes an ``attendance`` row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leave_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_leave_requests_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_leave_requests_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["members.id"], name=op.f("fk_leave_requests_decided_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_requests")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_leave_requests_meeting_id_member_id")),
    )
    op.create_index(op.f("ix_leave_requests_member_id"), "leave_requests", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_leave_requests_member_id"), table_name="leave_requests")
    op.drop_table("leave_requests")
