"""Chat state gets tables of its own: claim drafts, invite codes, where card copies were posted,
and the sign-in window on the meeting. The audit log keeps history only.

Until now the chat layer kept this live state in ``audit_log`` rows (``claim.unmatched``,
``invite.branch`` / ``invite.member`` with a ``job_runs`` row once used, ``chat.posted``,
``meeting.open``). The upgrade copies that state into the new places; the audit rows stay as
history. Drafts keep their ids, so item buttons already posted in chats go on working.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.storage.timeutil import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The tables as this revision reads and writes them (not the models, which move on).
audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("branch_id", sa.Integer()),
    sa.column("subject", sa.String()),
    sa.column("details", sa.JSON()),
)
job_runs = sa.table(
    "job_runs",
    sa.column("job", sa.String()),
    sa.column("scope", sa.String()),
    sa.column("period", sa.String()),
    sa.column("started_at", UTCDateTime()),
)
members = sa.table("members", sa.column("id", sa.Integer()), sa.column("branch_id", sa.Integer()))
meetings = sa.table(
    "meetings",
    sa.column("id", sa.Integer()),
    sa.column("closes_at", UTCDateTime()),
    sa.column("platform", sa.String()),
    sa.column("chat_id", sa.String()),
)

# The new tables as the copy writes them, timestamps through UTCDateTime as the models do.
drafts = sa.table(
    "claim_drafts",
    *(sa.column(c, sa.Integer()) for c in ("id", "branch_id", "member_id")),
    sa.column("text", sa.Text()),
    sa.column("effective_date", sa.Date()),
    sa.column("evidence", sa.JSON()),
    *(sa.column(c, sa.String()) for c in ("source_platform", "source_chat", "source_message")),
    sa.column("created_at", UTCDateTime()),
)
invites = sa.table(
    "invites",
    *(sa.column(c, sa.Integer()) for c in ("branch_id", "member_id")),
    *(sa.column(c, sa.String()) for c in ("kind", "code_hash", "created_by", "used_by")),
    *(sa.column(c, UTCDateTime()) for c in ("created_at", "expires_at", "used_at")),
)
messages = sa.table(
    "chat_messages",
    *(sa.column(c, sa.String()) for c in ("platform", "key", "chat_id", "message_id")),
    sa.column("created_at", UTCDateTime()),
)


def _create() -> None:
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(length=250), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_invites_branch_id_branches")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_invites_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_index(op.f("ix_invites_branch_id"), "invites", ["branch_id"], unique=False)
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index("ix_chat_messages_platform_key", "chat_messages", ["platform", "key"], unique=False)
    op.add_column("meetings", sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("meetings", sa.Column("platform", sa.String(length=20), nullable=True))
    op.add_column("meetings", sa.Column("chat_id", sa.String(length=200), nullable=True))
    op.create_index(op.f("ix_meetings_closes_at"), "meetings", ["closes_at"], unique=False)


def _rows(conn: sa.Connection, *actions: str) -> list[Any]:
    query = sa.select(audit_log).where(audit_log.c.action.in_(actions)).order_by(audit_log.c.id)
    return list(conn.execute(query).all())


def _copy_drafts(conn: sa.Connection) -> None:
    """``claim.unmatched`` rows, under the same ids (the item buttons carry them)."""
    known = {m: b for m, b in conn.execute(sa.select(members.c.id, members.c.branch_id)).tuples()}
    rows = []
    for row in _rows(conn, "claim.unmatched"):
        d = row.details or {}
        member = d.get("member")
        if row.branch_id is None or member is None or int(member) not in known or "date" not in d:
            continue  # nothing a button could finish
        rows.append({
            "id": row.id, "branch_id": row.branch_id, "member_id": int(member), "text": str(d.get("text", "")),
            "effective_date": datetime.fromisoformat(str(d["date"])).date(),
            "evidence": [str(e) for e in d.get("evidence", [])], "source_platform": None,
            "source_chat": str(d.get("chat", "")), "source_message": d.get("message"), "created_at": row.at,
        })  # fmt: skip
    if rows:
        conn.execute(drafts.insert(), rows)
        if conn.dialect.name == "postgresql":  # explicit ids leave the sequence behind
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('claim_drafts', 'id'), MAX(id)) FROM claim_drafts"
                )
            )


def _copy_invites(conn: sa.Connection) -> None:
    """``invite.*`` rows (subject: the code's digest); used up where a job-run row claimed it."""
    used = {
        scope: at
        for scope, at in conn.execute(
            sa.select(job_runs.c.scope, job_runs.c.started_at).where(
                job_runs.c.job == "invite", job_runs.c.period == "used"
            )
        ).tuples()
    }
    known = {m for (m,) in conn.execute(sa.select(members.c.id)).tuples()}
    rows: dict[str, dict[str, Any]] = {}
    for row in _rows(conn, "invite.branch", "invite.member"):
        d = row.details or {}
        member = d.get("member")
        branch = d.get("branch", row.branch_id)
        if row.subject in rows or branch is None or "expires" not in d:
            continue  # the first row with a digest is the one that was honoured
        if member is not None and int(member) not in known:
            continue
        rows[row.subject] = {
            "kind": "branch" if row.action == "invite.branch" else "member", "branch_id": int(branch),
            "member_id": None if member is None else int(member), "code_hash": row.subject,
            "created_by": row.actor, "created_at": row.at, "expires_at": datetime.fromisoformat(d["expires"]),
            "used_at": used.get(row.subject[:64]), "used_by": None,
        }  # fmt: skip
    if rows:
        conn.execute(invites.insert(), list(rows.values()))


def _copy_windows(conn: sa.Connection) -> None:
    """``meeting.open`` rows (subject ``meeting:<id>``): the window moves onto the meeting."""
    for row in _rows(conn, "meeting.open"):
        d = row.details or {}
        name, _, meeting = row.subject.partition(":")
        if name != "meeting" or not meeting.isdigit() or "closes" not in d:
            continue
        conn.execute(
            meetings.update()
            .where(meetings.c.id == int(meeting))
            .values(
                closes_at=datetime.fromisoformat(d["closes"]),
                platform=d.get("platform"),
                chat_id=None if d.get("chat") is None else str(d["chat"]),
            )
        )


def _copy_messages(conn: sa.Connection) -> None:
    """``chat.posted`` rows (subject ``<platform>:<key>``)."""
    rows = []
    for row in _rows(conn, "chat.posted"):
        d = row.details or {}
        platform, _, key = row.subject.partition(":")
        if not key or "chat" not in d or "message" not in d:
            continue
        rows.append({
            "platform": platform, "key": key, "chat_id": str(d["chat"]), "message_id": str(d["message"]),
            "created_at": row.at,
        })  # fmt: skip
    if rows:
        conn.execute(messages.insert(), rows)


def upgrade() -> None:
    _create()
    conn = op.get_bind()
    _copy_drafts(conn)
    _copy_invites(conn)
    _copy_windows(conn)
    _copy_messages(conn)


def downgrade() -> None:
    """Drops the new tables and columns; the state they hold since the upgrade is lost."""
    op.drop_index(op.f("ix_meetings_closes_at"), table_name="meetings")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("chat_id")
        batch.drop_column("platform")
        batch.drop_column("closes_at")
    op.drop_index("ix_chat_messages_platform_key", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_invites_branch_id"), table_name="invites")
    op.drop_table("invites")
    op.drop_index(op.f("ix_claim_drafts_member_id"), table_name="claim_drafts")
    op.drop_index(op.f("ix_claim_drafts_branch_id"), table_name="claim_drafts")
    op.drop_table("claim_drafts")
