"""Initial schema: branches, members, claims, the append-only ledger and the rest.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The ledger is append-only: the database itself refuses UPDATE and DELETE (and TRUNCATE).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END""",
    """CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END""",
]
PG_TRIGGERS = [
    """CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'ledger_entries is append-only'; END $$""",
    """CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
       FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()""",
    """CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()""",
]


def _append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (
        SQLITE_TRIGGERS if dialect == "sqlite" else PG_TRIGGERS if dialect == "postgresql" else []
    ):
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "committees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
        sa.UniqueConstraint("name", name=op.f("uq_committees_name")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "scope", "period", name=op.f("uq_job_runs_job_scope_period")),
    )
    op.create_table(
        "processed_updates",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("update_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name=op.f("pk_processed_updates")),
    )
    op.create_table(
        "branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scheme", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_branches_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
    )
    op.create_index(op.f("ix_branches_committee_id"), "branches", ["committee_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_audit_log_branch_id_branches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_branch_id"), "audit_log", ["branch_id"], unique=False)
    op.create_table(
        "bound_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_bound_chats_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bound_chats")),
        sa.UniqueConstraint("platform", "chat_id", name=op.f("uq_bound_chats_platform_chat_id")),
    )
    op.create_index(op.f("ix_bound_chats_branch_id"), "bound_chats", ["branch_id"], unique=False)
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_evaluations_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index(op.f("ix_evaluations_branch_id"), "evaluations", ["branch_id"], unique=False)
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("migrant", sa.Boolean(), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("probationary", sa.Boolean(), nullable=False),
        sa.Column("joined", sa.Date(), nullable=True),
        sa.Column("left", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_members_branch_id_branches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("branch_id", "code", name=op.f("uq_members_branch_id_code")),
    )
    op.create_index(op.f("ix_members_branch_id"), "members", ["branch_id"], unique=False)
    op.create_table(
        "publicity_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_publicity_windows_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_windows")),
        sa.UniqueConstraint("branch_id", "period", name=op.f("uq_publicity_windows_branch_id_period")),
    )
    op.create_table(
        "ballot_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_ballot_receipts_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_receipts")),
        sa.UniqueConstraint("evaluation_id", "voter", name=op.f("uq_ballot_receipts_evaluation_id_voter")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("points", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("source_platform", sa.String(length=20), nullable=True),
        sa.Column("source_chat", sa.String(length=200), nullable=True),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_claims_branch_id_branches")),
        sa.ForeignKeyConstraint(["decided_by"], ["members.id"], name=op.f("fk_claims_decided_by_members")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_claims_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_branch_id"), "claims", ["branch_id"], unique=False)
    op.create_index(op.f("ix_claims_member_id"), "claims", ["member_id"], unique=False)
    op.create_index(
        "uq_claims_active_dedupe",
        "claims",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status IN ('pending', 'approved')"),
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
    )
    op.create_table(
        "evaluation_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("total", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_results_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_evaluation_results_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_results")),
        sa.UniqueConstraint(
            "evaluation_id",
            "member_id",
            "item",
            name=op.f("uq_evaluation_results_evaluation_id_member_id_item"),
        ),
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_identities_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_identities_platform_external_id")),
    )
    op.create_index(op.f("ix_identities_member_id"), "identities", ["member_id"], unique=False)
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_meetings_branch_id_branches")),
        sa.ForeignKeyConstraint(["opened_by"], ["members.id"], name=op.f("fk_meetings_opened_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_branch_id"), "meetings", ["branch_id"], unique=False)
    op.create_table(
        "monthly_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
        sa.Column("rated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_monthly_ratings_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["rated_by"], ["members.id"], name=op.f("fk_monthly_ratings_rated_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_ratings")),
        sa.UniqueConstraint(
            "member_id", "year", "month", "item", name=op.f("uq_monthly_ratings_member_id_year_month_item")
        ),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_objections_member_id_members")),
        sa.ForeignKeyConstraint(
            ["window_id"], ["publicity_windows.id"], name=op.f("fk_objections_window_id_publicity_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index(op.f("ix_objections_window_id"), "objections", ["window_id"], unique=False)
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
        sa.Column("goods", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_redemptions_actor_id_members")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_redemptions_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    op.create_index(op.f("ix_redemptions_member_id"), "redemptions", ["member_id"], unique=False)
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_roles_branch_id_branches")),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_roles_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_roles_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint(
            "member_id",
            "role",
            "branch_id",
            "committee_id",
            name=op.f("uq_roles_member_id_role_branch_id_committee_id"),
        ),
    )
    op.create_index(op.f("ix_roles_member_id"), "roles", ["member_id"], unique=False)
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_attendance_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_attendance_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_attendance_meeting_id_member_id")),
    )
    op.create_index(op.f("ix_attendance_member_id"), "attendance", ["member_id"], unique=False)
    op.create_table(
        "claim_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_evidence_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_evidence")),
    )
    op.create_index(op.f("ix_claim_evidence_claim_id"), "claim_evidence", ["claim_id"], unique=False)
    op.create_index(op.f("ix_claim_evidence_file_id"), "claim_evidence", ["file_id"], unique=False)
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("points", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("source_platform", sa.String(length=20), nullable=True),
        sa.Column("source_chat", sa.String(length=200), nullable=True),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["members.id"], name=op.f("fk_ledger_entries_actor_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_ledger_entries_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_ledger_entries_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_ledger_entries_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["ledger_entries.id"], name=op.f("fk_ledger_entries_reverses_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_ledger_entries_claim_id")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_entries_reverses_id")),
    )
    op.create_index("ix_ledger_branch_date", "ledger_entries", ["branch_id", "effective_date"], unique=False)
    op.create_index(op.f("ix_ledger_entries_member_id"), "ledger_entries", ["member_id"], unique=False)
    _append_only()


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_entries_member_id"), table_name="ledger_entries")
    op.drop_index("ix_ledger_branch_date", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index(op.f("ix_claim_evidence_file_id"), table_name="claim_evidence")
    op.drop_index(op.f("ix_claim_evidence_claim_id"), table_name="claim_evidence")
    op.drop_table("claim_evidence")
    op.drop_index(op.f("ix_attendance_member_id"), table_name="attendance")
    op.drop_table("attendance")
    op.drop_index(op.f("ix_roles_member_id"), table_name="roles")
    op.drop_table("roles")
    op.drop_index(op.f("ix_redemptions_member_id"), table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_index(op.f("ix_objections_window_id"), table_name="objections")
    op.drop_table("objections")
    op.drop_table("monthly_ratings")
    op.drop_index(op.f("ix_meetings_branch_id"), table_name="meetings")
    op.drop_table("meetings")
    op.drop_index(op.f("ix_identities_member_id"), table_name="identities")
    op.drop_table("identities")
    op.drop_table("evaluation_results")
    op.drop_index(
        "uq_claims_active_dedupe",
        table_name="claims",
        sqlite_where=sa.text("status IN ('pending', 'approved')"),
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
    )
    op.drop_index(op.f("ix_claims_member_id"), table_name="claims")
    op.drop_index(op.f("ix_claims_branch_id"), table_name="claims")
    op.drop_table("claims")
    op.drop_table("ballot_receipts")
    op.drop_table("publicity_windows")
    op.drop_index(op.f("ix_members_branch_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_evaluations_branch_id"), table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_index(op.f("ix_bound_chats_branch_id"), table_name="bound_chats")
    op.drop_table("bound_chats")
    op.drop_index(op.f("ix_audit_log_branch_id"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_branches_committee_id"), table_name="branches")
    op.drop_table("branches")
    op.drop_table("processed_updates")
    op.drop_table("job_runs")
    op.drop_table("committees")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_entries_append_only()")
