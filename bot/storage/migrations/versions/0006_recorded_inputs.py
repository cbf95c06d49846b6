"""What the branch records rather than members claim: dues, stars given directly, sheet imports,
and who recorded a sign-in, a rating, an evaluation or a claim made for a member.

- ``dues_payments``: a month's dues per member (paid / late / unpaid), superseded, never edited.
- ``direct_grades``: the stars an exempt member is given directly at year end (年底直接评星定级).
- ``imports``: each imported sheet by content hash, so the same file is imported once.
- ``claims.recorded_by``: a recorder's entry awaiting the secretary's confirmation (支部核定).
- ``attendance.recorded_by`` / ``source``: a sheet recorded after the meeting (补录签到).
- ``monthly_ratings.source``, ``evaluations.recorded_by`` / ``source``: the file or message behind them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_now = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dues_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_dues_payments_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dues_payments_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["members.id"], name=op.f("fk_dues_payments_recorded_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["dues_payments.id"], name=op.f("fk_dues_payments_supersedes_id_dues_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_payments")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_dues_payments_supersedes_id")),
    )
    op.create_index(op.f("ix_dues_payments_branch_id"), "dues_payments", ["branch_id"], unique=False)
    op.create_index("ix_dues_member_month", "dues_payments", ["member_id", "year", "month"], unique=False)
    op.create_table(
        "direct_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_direct_grades_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_direct_grades_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["members.id"], name=op.f("fk_direct_grades_recorded_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["direct_grades.id"], name=op.f("fk_direct_grades_supersedes_id_direct_grades")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_grades")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_direct_grades_supersedes_id")),
    )
    op.create_index(op.f("ix_direct_grades_branch_id"), "direct_grades", ["branch_id"], unique=False)
    op.create_index("ix_direct_grades_member_year", "direct_grades", ["member_id", "year"], unique=False)
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_imports_branch_id_branches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("branch_id", "kind", "sha256", name=op.f("uq_imports_branch_id_kind_sha256")),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_claims_recorded_by_members"), "members", ["recorded_by"], ["id"])
    with op.batch_alter_table("attendance") as batch:
        batch.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=300), nullable=True))
        batch.create_foreign_key(
            op.f("fk_attendance_recorded_by_members"), "members", ["recorded_by"], ["id"]
        )
    with op.batch_alter_table("monthly_ratings") as batch:
        batch.add_column(sa.Column("source", sa.String(length=300), nullable=True))
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("recorded_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=300), nullable=True))
        batch.create_foreign_key(
            op.f("fk_evaluations_recorded_by_members"), "members", ["recorded_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint(op.f("fk_evaluations_recorded_by_members"), type_="foreignkey")
        batch.drop_column("source")
        batch.drop_column("recorded_by")
    with op.batch_alter_table("monthly_ratings") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("attendance") as batch:
        batch.drop_constraint(op.f("fk_attendance_recorded_by_members"), type_="foreignkey")
        batch.drop_column("source")
        batch.drop_column("recorded_by")
    with op.batch_alter_table("claims") as batch:
        batch.drop_constraint(op.f("fk_claims_recorded_by_members"), type_="foreignkey")
        batch.drop_column("recorded_by")
    op.drop_table("imports")
    op.drop_index("ix_direct_grades_member_year", table_name="direct_grades")
    op.drop_index(op.f("ix_direct_grades_branch_id"), table_name="direct_grades")
    op.drop_table("direct_grades")
    op.drop_index("ix_dues_member_month", table_name="dues_payments")
    op.drop_index(op.f("ix_dues_payments_branch_id"), table_name="dues_payments")
    op.drop_table("dues_payments")
