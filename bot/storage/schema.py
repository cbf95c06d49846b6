"""The tables. Alembic migrations in ``migrations/versions`` create them; keep the two in step.

The ledger (``ledger_entries``) is append-only: a correction is a new row whose
``reverses_id`` names the entry it reverses and whose points are the negation of it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.timeutil import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Points: exact decimals in PostgreSQL, returned as float (engine numbers).
Points = Numeric(10, 2, asdecimal=False)

CLAIM_STATES = ("pending", "approved", "rejected", "withdrawn")
#: Claims that block a duplicate of themselves (a rejected or withdrawn claim may be made again),
#: and the same as SQL (the condition of the partial unique index on active dedupe keys).
ACTIVE_STATES = ("pending", "approved")
ACTIVE_CLAIM = "status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_STATES))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Committee(Base):
    __tablename__ = "committees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: The committee's settings, e.g. ``{"scheme": "branch-star"}`` (the scheme it rates its branches with).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = _now()


class Branch(Base):
    __tablename__ = "branches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scheme: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _now()


class BoundChat(Base):
    """A group chat bound to a branch (platform + the platform's chat id)."""

    __tablename__ = "bound_chats"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("branch_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The roster number (编号), unique in the branch when given.
    code: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), default="")
    migrant: Mapped[bool] = mapped_column(Boolean, default=False)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    probationary: Mapped[bool] = mapped_column(Boolean, default=False)
    joined: Mapped[date | None] = mapped_column(Date)
    left: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = _now()


class Identity(Base):
    """A platform account (Telegram user id, WeCom userid) linked to a member."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()


class RoleRow(Base):
    """secretary / recorder of a branch, or committee (township) staff over its branches."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("member_id", "role", "branch_id", "committee_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    created_at: Mapped[datetime] = _now()


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        Index(
            "uq_claims_active_dedupe",
            "dedupe_key",
            unique=True,
            sqlite_where=text(ACTIVE_CLAIM),
            postgresql_where=text(ACTIVE_CLAIM),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    item: Mapped[str] = mapped_column(String(50))
    effective_date: Mapped[date] = mapped_column(Date)
    points: Mapped[float | None] = mapped_column(Points)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: member + item + date: one active claim per key.
    dedupe_key: Mapped[str] = mapped_column(String(200))
    source_platform: Mapped[str | None] = mapped_column(String(20))
    source_chat: Mapped[str | None] = mapped_column(String(200))
    source_message: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    #: A recorder's entry awaiting the secretary's confirmation (支部核定): who recorded it for
    #: the member; None for a member's own claim.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class ClaimEvidence(Base):
    """A photo or file id attached to a claim; the same file may back only one active claim."""

    __tablename__ = "claim_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(300), index=True)


class LedgerEntry(Base):
    """One signed point change (台账). Never updated, never deleted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_branch_date", "branch_id", "effective_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    item: Mapped[str] = mapped_column(String(50))
    points: Mapped[float] = mapped_column(Points)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = _now()
    #: Who: the member acting (approver, recorder), or None for the system; ``actor`` names it.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), unique=True)
    source_platform: Mapped[str | None] = mapped_column(String(20))
    source_chat: Mapped[str | None] = mapped_column(String(200))
    source_message: Mapped[str | None] = mapped_column(String(200))
    #: A reversal names the entry it reverses; an entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)


def _month_count() -> Mapped[int]:
    return mapped_column(Integer, server_default=text("0"))


class LedgerTotal(Base):
    """Derived data, written only by database triggers, never by the Python code: the ledger summed by branch, year, member, item, lead
    and original points, month by month.

    A database trigger AFTER INSERT on ``ledger_entries`` keeps it in step, in the same transaction
    as each insert, whichever way the row arrives (migration 0003). ``entries_MM`` counts month MM's
    originals +1 and reversals -1 (a reversal counts under the points of the entry it reverses, so
    a reversed pair nets out in its month), ``first_MM`` is month MM's earliest effective date
    (reversed entries included; NULL: no entries that month) and ``total`` the signed sum of points
    over the year. It is a ``GROUP BY`` of the ledger kept up to date and can always be rebuilt
    from it. The read path takes whole months from here, one row per member and item for the
    year, instead of scanning the ledger.
    """

    __tablename__ = "ledger_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)
    branch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(50), primary_key=True)
    lead: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    points: Mapped[float] = mapped_column(Points, primary_key=True)
    total: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    entries_01: Mapped[int] = _month_count()
    entries_02: Mapped[int] = _month_count()
    entries_03: Mapped[int] = _month_count()
    entries_04: Mapped[int] = _month_count()
    entries_05: Mapped[int] = _month_count()
    entries_06: Mapped[int] = _month_count()
    entries_07: Mapped[int] = _month_count()
    entries_08: Mapped[int] = _month_count()
    entries_09: Mapped[int] = _month_count()
    entries_10: Mapped[int] = _month_count()
    entries_11: Mapped[int] = _month_count()
    entries_12: Mapped[int] = _month_count()
    first_01: Mapped[date | None] = mapped_column(Date)
    first_02: Mapped[date | None] = mapped_column(Date)
    first_03: Mapped[date | None] = mapped_column(Date)
    first_04: Mapped[date | None] = mapped_column(Date)
    first_05: Mapped[date | None] = mapped_column(Date)
    first_06: Mapped[date | None] = mapped_column(Date)
    first_07: Mapped[date | None] = mapped_column(Date)
    first_08: Mapped[date | None] = mapped_column(Date)
    first_09: Mapped[date | None] = mapped_column(Date)
    first_10: Mapped[date | None] = mapped_column(Date)
    first_11: Mapped[date | None] = mapped_column(Date)
    first_12: Mapped[date | None] = mapped_column(Date)


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300), default="")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = _now()
    #: The sign-in window: when it closes, and the chat it was opened in (None: no sign-in).
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    platform: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(200))
    #: When a meeting scheduled ahead (日程 会议) is to begin; with no attendance it is still to
    #: be held, and the group is reminded before it (``bot/services/reminders.py``).
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class AttendanceRow(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _now()
    #: Who recorded it, where it was not the member signing in (a sheet recorded afterwards,
    #: 补录签到), and the message or file it came from.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str | None] = mapped_column(String(300))


class LeaveRequest(Base):
    """请假: a member asks to be excused from a meeting, with a reason; an approver decides.

    Only an approved request becomes attendance (``leave``). After a refusal the member may still
    sign in while the window is open, and is recorded absent once it has closed; a request still
    undecided when the window closes keeps the member off the absent list until it is decided.
    The decision is taken once (a conditional update from ``pending``), like a claim's.
    """

    __tablename__ = "leave_requests"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: pending / approved / rejected
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _now()


class MonthlyRating(Base):
    __tablename__ = "monthly_ratings"
    __table_args__ = (UniqueConstraint("member_id", "year", "month", "item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(50))
    score: Mapped[float] = mapped_column(Points)
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = _now()
    #: The message or file (name and content hash) the rating came from.
    source: Mapped[str | None] = mapped_column(String(300))


class EvaluationRow(Base):
    """A democratic evaluation (民主测评) of a branch's members for one year."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _now()
    #: Who entered it and the file it came from, for results of paper ballots (None: cast in the chat).
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str | None] = mapped_column(String(300))
    #: An evaluation in the chat (``bot/services/evaluation.py``): the last day of voting, who
    #: opened it, the items rated, the fewest masses representatives the scheme asks for, and
    #: whether it closed with fewer (its results are then 数据不全 and not read by the scorer).
    deadline: Mapped[date | None] = mapped_column(Date)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    items: Mapped[list[str] | None] = mapped_column(JSON)
    min_masses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Who is rated: ``members`` (民主测评 of the branch's members) or ``report`` (述职评议 of the
    #: secretary's report, ``bot/services/review.py``: one result, the secretary's, item ``report``;
    #: ``min_masses`` is then the fewest raters of any kind).
    subject: Mapped[str] = mapped_column(String(20), default="members", server_default=text("'members'"))


class EvaluationCode(Base):
    """A one-time code inviting a masses representative (群众代表) to an evaluation; only its
    digest is kept. ``used_by`` is the platform account that used it: the voter ``mass:<id>``."""

    __tablename__ = "evaluation_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_by: Mapped[str | None] = mapped_column(String(250), index=True)


class BallotDraft(Base):
    """A ballot being filled in: the voter's scores so far, and the member on screen. Deleted
    (with SQLite's ``secure_delete``) when the ballot is submitted or the evaluation closes."""

    __tablename__ = "ballot_drafts"
    __table_args__ = (UniqueConstraint("evaluation_id", "voter"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    voter: Mapped[str] = mapped_column(String(250))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{"<member id>": {"<item>": score}}``
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BallotReceipt(Base):
    """That a voter has voted in an evaluation: stops double voting, holds no score."""

    __tablename__ = "ballot_receipts"
    __table_args__ = (UniqueConstraint("evaluation_id", "voter"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    #: platform:external id of the voter (masses representatives need not be members).
    voter: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[datetime] = _now()


class EvaluationResult(Base):
    """Per member and item: the sum and count of the scores cast; no link to any voter."""

    __tablename__ = "evaluation_results"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", "item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    item: Mapped[str] = mapped_column(String(50))
    total: Mapped[float] = mapped_column(Points, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)


class DuesPayment(Base):
    """党费: one member's dues for one month, as the recorder marked them: ``paid`` (in full, on
    time), ``late`` (paid late or short) or ``unpaid``. The ledger entries a scheme derives from
    them (``dues``, ``dues_late``) are written with them and name them in their reason; a wrong
    mark is corrected by reversing those entries, and the mark is superseded, never edited: the
    newest row of a member and month is the one in force.
    """

    __tablename__ = "dues_payments"
    __table_args__ = (Index("ix_dues_member_month", "member_id", "year", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(300))
    #: The row this one supersedes (a correction of the mark).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payments.id"), unique=True)
    created_at: Mapped[datetime] = _now()


class DirectGrade(Base):
    """年底直接评星定级: the stars a branch gives an exempt member directly at year end, instead of
    monthly ratings (``star-hundred``). Superseded, never edited: the newest row is in force."""

    __tablename__ = "direct_grades"
    __table_args__ = (Index("ix_direct_grades_member_year", "member_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(300))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("direct_grades.id"), unique=True)
    created_at: Mapped[datetime] = _now()


class BranchScore(Base):
    """党支部评星定级: what the township committee gives a branch for a year: an area's points
    (``area``), a bonus or deduction item with its points and reason (``bonus`` / ``deduction``),
    or the secretary's report evaluation (``evaluation``, 述职评议, of 100). Append-only: a later
    score of the same branch, year, kind and code supersedes the earlier one, which is kept."""

    __tablename__ = "branch_scores"
    __table_args__ = (Index("ix_branch_scores_branch_year", "branch_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    year: Mapped[int] = mapped_column(Integer)
    #: area / bonus / deduction / evaluation.
    kind: Mapped[str] = mapped_column(String(20))
    #: The area's or the item's code (``evaluation`` for the evaluation).
    code: Mapped[str] = mapped_column(String(50))
    #: Signed points (a deduction negative); 0 withdraws a bonus or deduction item.
    points: Mapped[float] = mapped_column(Points)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(200))
    #: The chat message or the file (name + sha256) it came from.
    source: Mapped[str | None] = mapped_column(String(300))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("branch_scores.id"), unique=True)
    created_at: Mapped[datetime] = _now()


class CommitteeResult(Base):
    """The committee's yearly branch star rating as published (公示): the frozen result table in
    ``report`` and the window for objections. One per committee and year."""

    __tablename__ = "committee_results"
    __table_args__ = (UniqueConstraint("committee_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"))
    year: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _now()


class ImportRun(Base):
    """A sheet imported into a branch (ratings, evaluation, attendance, dues, roster): the same
    file (by content hash) of the same kind is imported once; a second import changes nothing."""

    __tablename__ = "imports"
    __table_args__ = (UniqueConstraint("branch_id", "kind", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(200))
    #: What the import wrote, e.g. ``{"rows": 120}``.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _now()


class PublicityWindow(Base):
    """A period's results posted for objections (公示): the frozen snapshot in ``report``
    (``posted``; ``final`` once the window ended with every objection decided)."""

    __tablename__ = "publicity_windows"
    __table_args__ = (
        UniqueConstraint("branch_id", "period"),
        Index("ix_publicity_windows_branch_ends", "branch_id", "ends"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    #: e.g. ``2026-11``, ``2026-Q3``, ``2026-H1``, ``2026``.
    period: Mapped[str] = mapped_column(String(20))
    #: month / quarter / half / year.
    kind: Mapped[str] = mapped_column(String(10), default="year", server_default="year")
    #: The dates the period covers.
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: When the period became final (NULL while open, and again once reopened).
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _now()


class Objection(Base):
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("publicity_windows.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    text: Mapped[str] = mapped_column(Text)
    #: open / upheld (维持) / corrected (更正).
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: The entry corrected (更正), when it was.
    entry_id: Mapped[int | None] = mapped_column(Integer)


PASSBOOK_REQUEST_STATES = ("pending", "confirmed", "refused")


class PassbookGoods(Base):
    """A branch's catalog of the red passbook (红色存折): goods, their points, their value in yuan
    and the stock left. Stock is taken by a conditional update (never below 0), so two
    confirmations at once cannot both take the last one."""

    __tablename__ = "passbook_goods"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    name: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(Points)
    yuan: Mapped[float] = mapped_column(Points)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    #: Withdrawn from the catalog (kept: entries name it).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now()


class PassbookRequest(Base):
    """A member's request to redeem (兑换), waiting for the secretary: decided once, by a
    conditional update of ``status`` (a second press changes nothing)."""

    __tablename__ = "passbook_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("passbook_goods.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    #: The points it costs (the goods' points times the quantity when asked).
    points: Mapped[float] = mapped_column(Points)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    source_platform: Mapped[str | None] = mapped_column(String(20))
    source_chat: Mapped[str | None] = mapped_column(String(200))
    source_message: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class PassbookEntry(Base):
    """One change of a member's passbook balance: a redemption (negative points) or the reversal
    of one (``reverses_id``). Never updated, never deleted, and never read by the scorer: the
    assessment score and grade do not depend on it."""

    __tablename__ = "passbook_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    points: Mapped[float] = mapped_column(Points)
    goods_id: Mapped[int] = mapped_column(ForeignKey("passbook_goods.id"))
    #: The goods' name, points and yuan as they were when redeemed.
    goods: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    yuan: Mapped[float] = mapped_column(Points)
    #: Who asked (the member, or the operator at the command line) and who confirmed.
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("passbook_requests.id"), unique=True)
    source_platform: Mapped[str | None] = mapped_column(String(20))
    source_chat: Mapped[str | None] = mapped_column(String(200))
    source_message: Mapped[str | None] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("passbook_entries.id"), unique=True)
    created_at: Mapped[datetime] = _now()


class JobRun(Base):
    """A scheduled job claimed for one scope and period, e.g. publicity / branch-17 / 2026-11."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "scope", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: ``done``, or ``failed`` (tried ``attempts`` times; ``last_error`` says why; tried again
    #: until ``MAX_ATTEMPTS``).
    state: Mapped[str] = mapped_column(String(10), default="done", server_default="done")
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedUpdate(Base):
    """A platform update already handled (idempotency across retries and replicas)."""

    __tablename__ = "processed_updates"
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = _now()


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = _now()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Offer(Base):
    """A choice offered to one member (an item for a claim message, a reason for leave), kept for
    the buttons that make it. Only that member may make it, and only once: ``used_at`` is set by
    a conditional update, so a second press (or another member's) changes nothing.

    ``kind`` is ``claim_item`` (payload: the claim's text, date, evidence and source message)
    or ``leave_reason`` (payload: the meeting).
    """

    __tablename__ = "offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _now()
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


INVITE_KINDS = ("branch", "member")


class Invite(Base):
    """A one-time code: ``branch`` binds a group chat, ``member`` links an account to that member.

    Only the code's SHA-256 digest is kept. ``used_at`` is set once, by a conditional update.
    """

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Who used it: the actor that bound the chat, or the platform account that joined.
    used_by: Mapped[str | None] = mapped_column(String(250))


class ChatMessage(Base):
    """A message the bot posted under a key (``claim:12``, ``meeting:3``): every copy of a card,
    so that all of them can be edited when the card changes."""

    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_platform_key", "platform", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    chat_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _now()


OUTBOX_KINDS = ("send", "refresh", "show", "answer")
OUTBOX_STATES = ("pending", "sent", "failed")


class OutboxRow(Base):
    """One outgoing message for one platform and chat, written in the transaction of the change
    that caused it, and sent until delivered or permanently refused.

    ``key`` is unique (``telegram:update-8812:0``): the same cause never writes a message twice.
    ``kind``: ``send`` a new message to ``chat``; ``refresh`` every copy of card ``card_key``
    (``payload["copies"]`` holds those known when written); ``show`` the pressed message anew;
    ``answer`` a button press. ``owner`` is the process that wrote it and sends it at once;
    another process takes a row over only once ``lease_until`` has passed (a crash).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "platform", "next_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(250), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card_key: Mapped[str | None] = mapped_column(String(200))
    #: The card's version when the row was written (a copy posted later than a change is refreshed).
    version: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = _now()
    last_error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime] = _now()
    created_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CardState(Base):
    """The latest state of a card (``claim:12``), which every copy of it shows."""

    __tablename__ = "card_states"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = _now()


class RateWindow(Base):
    """Messages sent under one rate limit in one window of its period (replicas share limits)."""

    __tablename__ = "rate_windows"
    bucket: Mapped[str] = mapped_column(String(250), primary_key=True)
    #: When the window starts, in seconds since the epoch (a multiple of the limit's period).
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


def held_meetings() -> Any:
    """A condition on ``meetings``: the meeting was held (a sign-in or a sheet), not merely
    scheduled ahead with nobody recorded yet (``scheduled_at``)."""
    return or_(Meeting.scheduled_at.is_(None), Meeting.id.in_(select(AttendanceRow.meeting_id)))
