"""Democratic evaluation in the chat: an evaluation's deadline, opener, items and masses
minimum; one-time codes for masses representatives; ballots being filled in.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as table:
        table.add_column(sa.Column("deadline", sa.Date(), nullable=True))
        table.add_column(sa.Column("opened_by", sa.Integer(), nullable=True))
        table.add_column(sa.Column("items", sa.JSON(), nullable=True))
        table.add_column(sa.Column("min_masses", sa.Integer(), server_default=sa.text("0"), nullable=False))
        table.add_column(
            sa.Column("incomplete", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        table.create_foreign_key(op.f("fk_evaluations_opened_by_members"), "members", ["opened_by"], ["id"])
    op.create_table(
        "evaluation_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_by", sa.String(length=250), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_codes_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_evaluation_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_evaluation_codes_evaluation_id"), "evaluation_codes", ["evaluation_id"], unique=False
    )
    op.create_index(op.f("ix_evaluation_codes_used_by"), "evaluation_codes", ["used_by"], unique=False)
    op.create_table(
        "ballot_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=250), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_ballot_drafts_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_drafts")),
        sa.UniqueConstraint("evaluation_id", "voter", name=op.f("uq_ballot_drafts_evaluation_id_voter")),
    )


def downgrade() -> None:
    op.drop_table("ballot_drafts")
    op.drop_index(op.f("ix_evaluation_codes_used_by"), table_name="evaluation_codes")
    op.drop_index(op.f("ix_evaluation_codes_evaluation_id"), table_name="evaluation_codes")
    op.drop_table("evaluation_codes")
    with op.batch_alter_table("evaluations") as table:
        table.drop_constraint(op.f("fk_evaluations_opened_by_members"), type_="foreignkey")
        for column in ("incomplete", "min_masses", "items", "opened_by", "deadline"):
            table.drop_column(column)
