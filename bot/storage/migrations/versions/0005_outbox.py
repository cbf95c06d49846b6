"""Chat core v2: the outbox, card states, offers, and job runs that remember failures.

- ``outbox``: every outgoing message, written in the transaction of the change that caused it and
  sent until delivered or permanently refused (before, replies were sent once after the commit).
- ``card_states``: the latest state of each card, which every copy of it shows.
- ``offers`` replaces ``claim_drafts``: a choice offered to one member (an item for a claim, a
  reason for leave), usable once and only by that member. Drafts are working state kept for
  at most 7 days; they are carried over as ``claim_item`` offers under the same ids.
- ``rate_windows``: messages sent per rate limit and window, shared by replicas on PostgreSQL.
- ``job_runs`` gains ``state``, ``attempts`` and ``last_error``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_now = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("card_key", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", _now, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("lease_until", _now, nullable=False),
        sa.Column("created_at", _now, nullable=False),
        sa.Column("sent_at", _now, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "platform", "next_at"], unique=False)
    op.create_table(
        "card_states",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _now, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_card_states")),
    )
    op.create_table(
        "rate_windows",
        sa.Column("bucket", sa.String(length=250), nullable=False),
        sa.Column("window", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window", name=op.f("pk_rate_windows")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _now, nullable=False),
        sa.Column("used_at", _now, nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_offers_branch_id_branches")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_offers_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_branch_id"), "offers", ["branch_id"], unique=False)
    op.create_index(op.f("ix_offers_member_id"), "offers", ["member_id"], unique=False)
    drafts = sa.table(
        "claim_drafts",
        *(sa.column(c, sa.Integer()) for c in ("id", "branch_id", "member_id")),
        sa.column("text", sa.Text()),
        sa.column("effective_date", sa.Date()),
        sa.column("evidence", sa.JSON()),
        *(sa.column(c, sa.String()) for c in ("source_platform", "source_chat", "source_message")),
        sa.column("created_at", _now),
    )
    offers = sa.table(
        "offers",
        *(sa.column(c, sa.Integer()) for c in ("id", "branch_id", "member_id")),
        sa.column("kind", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("created_at", _now),
    )
    bind = op.get_bind()
    carried = [
        {
            "id": d.id,
            "kind": "claim_item",
            "branch_id": d.branch_id,
            "member_id": d.member_id,
            "payload": {
                "text": d.text,
                "date": str(d.effective_date),
                "evidence": list(d.evidence or []),
                "platform": d.source_platform,
                "chat": d.source_chat,
                "message": d.source_message,
            },
            "created_at": d.created_at,
        }
        for d in bind.execute(sa.select(drafts)).all()
    ]
    if carried:  # same ids: the item buttons already posted carry them
        op.bulk_insert(offers, carried)
        if bind.dialect.name == "postgresql":
            op.execute("SELECT setval(pg_get_serial_sequence('offers', 'id'), (SELECT max(id) FROM offers))")
    op.drop_index(op.f("ix_claim_drafts_member_id"), table_name="claim_drafts")
    op.drop_index(op.f("ix_claim_drafts_branch_id"), table_name="claim_drafts")
    op.drop_table("claim_drafts")
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("state", sa.String(length=10), nullable=False, server_default="done"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("last_error")
        batch.drop_column("attempts")
        batch.drop_column("state")
    op.create_table(
        "claim_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source_platform", sa.String(length=20), nullable=True),
        sa.Column("source_chat", sa.String(length=200), nullable=False),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("created_at", _now, nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_claim_drafts_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_claim_drafts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_drafts")),
    )
    op.create_index(op.f("ix_claim_drafts_branch_id"), "claim_drafts", ["branch_id"], unique=False)
    op.create_index(op.f("ix_claim_drafts_member_id"), "claim_drafts", ["member_id"], unique=False)
    op.drop_index(op.f("ix_offers_member_id"), table_name="offers")
    op.drop_index(op.f("ix_offers_branch_id"), table_name="offers")
    op.drop_table("offers")
    op.drop_table("card_states")
    op.drop_table("rate_windows")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
