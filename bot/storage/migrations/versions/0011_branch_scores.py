"""党支部评星定级: what the township committee gives each branch, and its yearly publicity.

- ``branch_scores``: an area's points, a bonus or deduction item (points and reason) or the
  secretary's report evaluation (述职评议) for a branch and year; who, when, from where. Append-only
  (triggers on SQLite and PostgreSQL): a later score supersedes the earlier (``supersedes_id``).
- ``committee_results``: the result table as published, with its window for objections.
- ``committees.settings``: the committee's settings (the scheme it rates its branches with).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_now = sa.DateTime(timezone=True)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER branch_scores_no_update BEFORE UPDATE ON branch_scores
       BEGIN SELECT RAISE(ABORT, 'branch_scores is append-only'); END""",
    """CREATE TRIGGER branch_scores_no_delete BEFORE DELETE ON branch_scores
       BEGIN SELECT RAISE(ABORT, 'branch_scores is append-only'); END""",
]
PG_TRIGGERS = [
    """CREATE FUNCTION branch_scores_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'branch_scores is append-only'; END $$""",
    """CREATE TRIGGER branch_scores_no_change BEFORE UPDATE OR DELETE ON branch_scores
       FOR EACH ROW EXECUTE FUNCTION branch_scores_append_only()""",
    """CREATE TRIGGER branch_scores_no_truncate BEFORE TRUNCATE ON branch_scores
       FOR EACH STATEMENT EXECUTE FUNCTION branch_scores_append_only()""",
]


def upgrade() -> None:
    with op.batch_alter_table("committees") as table:
        table.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "branch_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("points", sa.Numeric(10, 2, asdecimal=False), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_branch_scores_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_branch_scores_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["members.id"], name=op.f("fk_branch_scores_recorded_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["branch_scores.id"], name=op.f("fk_branch_scores_supersedes_id_branch_scores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_scores")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_branch_scores_supersedes_id")),
    )
    op.create_index(op.f("ix_branch_scores_committee_id"), "branch_scores", ["committee_id"], unique=False)
    op.create_index("ix_branch_scores_branch_year", "branch_scores", ["branch_id", "year"], unique=False)
    op.create_table(
        "committee_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opens_at", _now, nullable=False),
        sa.Column("closes_at", _now, nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_results_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_results")),
        sa.UniqueConstraint("committee_id", "year", name=op.f("uq_committee_results_committee_id_year")),
    )
    dialect = op.get_bind().dialect.name
    for statement in (
        SQLITE_TRIGGERS if dialect == "sqlite" else PG_TRIGGERS if dialect == "postgresql" else []
    ):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER branch_scores_no_truncate ON branch_scores")
        op.execute("DROP TRIGGER branch_scores_no_change ON branch_scores")
        op.execute("DROP FUNCTION branch_scores_append_only()")
    op.drop_table("committee_results")
    op.drop_index("ix_branch_scores_branch_year", table_name="branch_scores")
    op.drop_index(op.f("ix_branch_scores_committee_id"), table_name="branch_scores")
    op.drop_table("branch_scores")
    with op.batch_alter_table("committees") as table:
        table.drop_column("settings")
