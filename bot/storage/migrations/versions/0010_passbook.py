"""The red passbook (红色存折 / 积分兑换): each branch's goods, the members' requests to redeem, and
the append-only passbook entries (refused UPDATE and DELETE by the database, as the ledger is).
Replaces the unused ``redemptions`` table.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_now = sa.DateTime(timezone=True)
_points = sa.Numeric(10, 2)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER passbook_entries_no_update BEFORE UPDATE ON passbook_entries
       BEGIN SELECT RAISE(ABORT, 'passbook_entries is append-only'); END""",
    """CREATE TRIGGER passbook_entries_no_delete BEFORE DELETE ON passbook_entries
       BEGIN SELECT RAISE(ABORT, 'passbook_entries is append-only'); END""",
]
PG_TRIGGERS = [
    """CREATE FUNCTION passbook_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'passbook_entries is append-only'; END $$""",
    """CREATE TRIGGER passbook_entries_no_change BEFORE UPDATE OR DELETE ON passbook_entries
       FOR EACH ROW EXECUTE FUNCTION passbook_entries_append_only()""",
    """CREATE TRIGGER passbook_entries_no_truncate BEFORE TRUNCATE ON passbook_entries
       FOR EACH STATEMENT EXECUTE FUNCTION passbook_entries_append_only()""",
]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.drop_index(op.f("ix_redemptions_member_id"), table_name="redemptions")
    op.drop_table("redemptions")
    op.create_table(
        "passbook_goods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("points", _points, nullable=False),
        sa.Column("yuan", _points, nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _now, nullable=False),
        _fk("passbook_goods", "branch_id", "branches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passbook_goods")),
        sa.UniqueConstraint("branch_id", "name", name=op.f("uq_passbook_goods_branch_id_name")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_passbook_goods_stock_not_negative")),
    )
    op.create_table(
        "passbook_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("goods_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", _points, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_platform", sa.String(length=20), nullable=True),
        sa.Column("source_chat", sa.String(length=200), nullable=True),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.Column("decided_at", _now, nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _fk("passbook_requests", "branch_id", "branches"),
        _fk("passbook_requests", "member_id", "members"),
        _fk("passbook_requests", "goods_id", "passbook_goods"),
        _fk("passbook_requests", "decided_by", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passbook_requests")),
    )
    op.create_index(op.f("ix_passbook_requests_branch_id"), "passbook_requests", ["branch_id"])
    op.create_index(op.f("ix_passbook_requests_member_id"), "passbook_requests", ["member_id"])
    op.create_table(
        "passbook_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", _points, nullable=False),
        sa.Column("goods_id", sa.Integer(), nullable=False),
        sa.Column("goods", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("yuan", _points, nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("source_platform", sa.String(length=20), nullable=True),
        sa.Column("source_chat", sa.String(length=200), nullable=True),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        _fk("passbook_entries", "branch_id", "branches"),
        _fk("passbook_entries", "member_id", "members"),
        _fk("passbook_entries", "goods_id", "passbook_goods"),
        _fk("passbook_entries", "requested_by", "members"),
        _fk("passbook_entries", "confirmed_by", "members"),
        _fk("passbook_entries", "request_id", "passbook_requests"),
        _fk("passbook_entries", "reverses_id", "passbook_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passbook_entries")),
        sa.UniqueConstraint("request_id", name=op.f("uq_passbook_entries_request_id")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_passbook_entries_reverses_id")),
    )
    op.create_index(op.f("ix_passbook_entries_branch_id"), "passbook_entries", ["branch_id"])
    op.create_index(op.f("ix_passbook_entries_member_id"), "passbook_entries", ["member_id"])
    dialect = op.get_bind().dialect.name
    for statement in (
        SQLITE_TRIGGERS if dialect == "sqlite" else PG_TRIGGERS if dialect == "postgresql" else []
    ):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER passbook_entries_no_change ON passbook_entries")
        op.execute("DROP TRIGGER passbook_entries_no_truncate ON passbook_entries")
        op.execute("DROP FUNCTION passbook_entries_append_only()")
    op.drop_table("passbook_entries")
    op.drop_table("passbook_requests")
    op.drop_table("passbook_goods")
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", _points, nullable=False),
        sa.Column("goods", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_redemptions_actor_id_members")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_redemptions_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    op.create_index(op.f("ix_redemptions_member_id"), "redemptions", ["member_id"], unique=False)
