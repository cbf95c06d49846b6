"""Ledger totals: the ledger summed by branch, year, member, item, lead and points, month by month.

``ledger_totals`` is derived data. Each row sums the ledger entries of one branch, year, member,
item, lead flag and original points (a reversal counts under the points of the entry it
reverses): ``entries_01`` .. ``entries_12`` count originals +1 and reversals -1 in each month,
``first_01`` .. ``first_12`` hold each month's earliest effective date (NULL: none that month) and
``total`` is the signed sum of points over the year. A trigger AFTER INSERT on ``ledger_entries``
keeps it in step in the same transaction as every insert, whichever way the row arrives (the ORM,
executemany, COPY); the upgrade fills it from the rows already there. The ledger itself stays
append-only, so the projection only ever changes by inserts into the ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONTHS = range(1, 13)
KEY = "branch_id, year, member_id, item, lead, points"
ENTRIES = [f"entries_{m:02d}" for m in MONTHS]
FIRSTS = [f"first_{m:02d}" for m in MONTHS]
COLUMNS = ", ".join([*KEY.split(", "), "total", *ENTRIES, *FIRSTS])
ORIGINAL = "CASE WHEN reverses_id IS NULL THEN points ELSE -points END"
SIGN = "CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END"


def _sqlite_trigger() -> str:
    """One upsert per inserted row: its month's count and first date, zero and NULL for the other
    months. Dates are ISO text in SQLite; ``substr`` reads the year and month (cheaper than ``strftime``)."""
    month = "substr(NEW.effective_date, 6, 2)"
    sign = "CASE WHEN NEW.reverses_id IS NULL THEN 1 ELSE -1 END"
    counts = ", ".join(f"CASE WHEN {month} = '{m:02d}' THEN {sign} ELSE 0 END" for m in MONTHS)
    firsts = ", ".join(f"CASE WHEN {month} = '{m:02d}' THEN NEW.effective_date END" for m in MONTHS)
    add = ", ".join(f"{n} = {n} + excluded.{n}" for n in ENTRIES)
    earliest = ", ".join(f"{f} = coalesce(min({f}, excluded.{f}), {f}, excluded.{f})" for f in FIRSTS)
    return f"""CREATE TRIGGER ledger_entries_totals AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO ledger_totals ({COLUMNS}) VALUES (
        NEW.branch_id, CAST(substr(NEW.effective_date, 1, 4) AS INTEGER), NEW.member_id, NEW.item, NEW.lead,
        CASE WHEN NEW.reverses_id IS NULL THEN NEW.points ELSE -NEW.points END, NEW.points, {counts}, {firsts})
    ON CONFLICT ({KEY}) DO UPDATE SET total = total + excluded.total, {add}, {earliest};
END"""


def _aggregate(source: str, dialect: str) -> str:
    """The rows of ``source`` (ledger rows) summed into projection rows."""
    if dialect == "sqlite":
        year = "CAST(substr(effective_date, 1, 4) AS INTEGER)"
        month = "CAST(substr(effective_date, 6, 2) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM effective_date) AS INTEGER)"
        month = "CAST(EXTRACT(MONTH FROM effective_date) AS INTEGER)"
    counts = ", ".join(f"SUM(CASE WHEN m = {m} THEN sign ELSE 0 END)" for m in MONTHS)
    firsts = ", ".join(f"MIN(CASE WHEN m = {m} THEN effective_date END)" for m in MONTHS)
    return f"""SELECT branch_id, y, member_id, item, lead, original, SUM(points), {counts}, {firsts}
        FROM (SELECT branch_id, member_id, item, lead, points, effective_date, {year} AS y, {month} AS m,
                {SIGN} AS sign, {ORIGINAL} AS original FROM {source}) AS src
        GROUP BY branch_id, y, member_id, item, lead, original"""


def _pg_function() -> str:
    counts = ", ".join(f"{n} = t.{n} + EXCLUDED.{n}" for n in ENTRIES)
    firsts = ", ".join(f"{f} = LEAST(t.{f}, EXCLUDED.{f})" for f in FIRSTS)
    return f"""CREATE FUNCTION ledger_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_totals AS t ({COLUMNS})
    {_aggregate("new_rows", "postgresql")} ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({KEY}) DO UPDATE SET total = t.total + EXCLUDED.total, {counts}, {firsts};
    RETURN NULL;
END $$"""


# PostgreSQL: one aggregated upsert per statement, over the statement's new rows.
PG_TRIGGER = [
    _pg_function(),
    """CREATE TRIGGER ledger_entries_totals AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_totals_add()""",
]


def upgrade() -> None:
    op.create_table(
        "ledger_totals",
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=50), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        *(sa.Column(n, sa.Integer(), server_default=sa.text("0"), nullable=False) for n in ENTRIES),
        *(sa.Column(f, sa.Date(), nullable=True) for f in FIRSTS),
        sa.PrimaryKeyConstraint(
            "branch_id", "year", "member_id", "item", "lead", "points", name=op.f("pk_ledger_totals")
        ),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"INSERT INTO ledger_totals ({COLUMNS}) {_aggregate('ledger_entries', dialect)}")
        op.execute(_sqlite_trigger())
    elif dialect == "postgresql":
        for statement in PG_TRIGGER:  # first: creating the trigger locks out writers until the commit
            op.execute(statement)
        op.execute(f"INSERT INTO ledger_totals ({COLUMNS}) {_aggregate('ledger_entries', dialect)}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER ledger_entries_totals")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_totals ON ledger_entries")
        op.execute("DROP FUNCTION ledger_totals_add()")
    op.drop_table("ledger_totals")
