"""What the branch committee records on sheets rather than members claim (``star-hundred``):

- **Monthly ratings** (支委会逐月逐项评分): a template of the branch's members (exempt members left
  out) × the scheme's rating items for one month; the filled sheet is imported all or nothing.
- **Democratic evaluation results from paper ballots** (民主测评): each member's per-item average and
  the number of raters, from a sheet or one at a time; stored as sums and counts, as ballots cast in
  the chat would be (total = average × raters, count = raters).
- **Stars given directly** to exempt members at year end (年底直接评星定级), superseded, never edited.

A sheet says what it is by its first sheet's name (``月度评分 2026-03``, ``民主测评 2026``); its
``说明`` sheet carries the branch and the item codes. Every error of a file is reported at once,
each naming its row and column (``D5``), and then nothing is imported. A file is imported once per
branch and kind (``imports``, by its sha256): the same file again changes nothing. A rating or an
evaluation result already recorded for the same member, month (year) and item is refused, naming
both the row of the file and the record. An empty row of the ratings sheet means that member was not
rated that month (reported in the summary); a single empty cell in a filled row is an error.

Who may: ratings, the scheme's recorders (``policy.recorders``: its approvers and the 积分员);
evaluation results and direct stars, the scheme's approvers. The command line acts as the operator.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.i18n import t
from bot.scoring.model import RatingItem, Scheme
from bot.services.common import Actor, Context, branch_of, require_role
from bot.services.errors import DomainError, Forbidden, Invalid, NotFound
from bot.services.policy import approvers, recorders
from bot.services.recorded import actor_name, on_roster
from bot.storage.recorded import RecordedQueries
from bot.storage.schema import (
    Branch,
    DirectGrade,
    EvaluationResult,
    EvaluationRow,
    ImportRun,
    MemberRow,
    MonthlyRating,
)
from bot.storage.sheets import SheetQueries
from bot.storage.timeutil import to_local
from bot.storage.uow import UnitOfWork

RATINGS, EVALUATION = "ratings", "evaluation"
#: The first sheet's name starts with these words: they say what the file is.
TITLES = {RATINGS: "月度评分", EVALUATION: "民主测评"}
NOTES = "说明"
NAME, CODE, RATERS = "姓名", "编号", "测评人数"
#: Keys of the 说明 sheet (column A), read back on import.
BRANCH_KEY, KIND_KEY, PERIOD_KEY = "党支部编号", "表格类型", "期间"
#: The largest sheet accepted (a branch's sheet is a few kilobytes).
MAX_BYTES = 5 * 1024 * 1024


class SheetErrors(DomainError):
    """Every problem of a sheet, each naming its row and column; nothing was imported."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        super().__init__("sheets.failed", file=filename, count=len(problems))
        self.problems = problems

    @property
    def message(self) -> str:
        return "\n".join([super().message, *self.problems])


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: ``rows`` written (ratings or evaluation results), ``members`` covered;
    ``already`` when this file had been imported before (nothing written this time)."""

    kind: str
    branch_id: int
    period: str
    filename: str
    sha256: str
    rows: int = 0
    members: int = 0
    #: Members whose row was left empty (not rated this month).
    unrated: tuple[str, ...] = ()
    already: ImportRun | None = None
    #: Who imported it then, by name (``already``'s actor).
    already_by: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    """A sheet to fill in: a suggested file name, the XLSX bytes, how many members and items it lists."""

    filename: str
    data: bytes
    members: int
    items: int


@dataclass(frozen=True, slots=True)
class EvaluationSet:
    member: str
    item: str
    average: float
    raters: int
    evaluation_id: int
    minimum: int


@dataclass(frozen=True, slots=True)
class GradeSet:
    member: str
    year: int
    stars: int
    grade_id: int
    supersedes: int | None


# -- reading a workbook ------------------------------------------------------------------------


@dataclass
class Sheet:
    """A workbook as read: its kind, period, the branch its notes name, the header and the rows."""

    kind: str
    title: str
    year: int | None
    month: int | None
    branch_id: int | None
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_PERIOD = re.compile(r"(\d{4})(?:\s*[-./年]\s*(\d{1,2}))?")


def _period(text: str) -> tuple[int | None, int | None]:
    found = _PERIOD.search(text)
    if found is None:
        return None, None
    return int(found.group(1)), int(found.group(2)) if found.group(2) else None


def read_sheet(data: bytes) -> Sheet:
    """The sheet of ratings or evaluation results in an XLSX file; Invalid when it is neither."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile, InvalidFileException):
        raise Invalid("sheets.unreadable") from None
    try:
        notes: dict[str, str] = {}
        if NOTES in book.sheetnames:
            for row in book[NOTES].iter_rows(values_only=True):
                if len(row) >= 2 and _text(row[0]):
                    notes[_text(row[0])] = _text(row[1])
        for sheet in book.worksheets:
            kind = next((k for k, word in TITLES.items() if sheet.title.startswith(word)), None)
            if kind is None:
                continue
            year, month = _period(sheet.title.removeprefix(TITLES[kind]))
            if year is None:
                year, month = _period(notes.get(PERIOD_KEY, ""))
            table = [list(r) for r in sheet.iter_rows(values_only=True)]
            header = [_text(c) for c in table[0]] if table else []
            branch = notes.get(BRANCH_KEY, "")
            return Sheet(
                kind, sheet.title, year, month, int(branch) if branch.isdigit() else None, header, table[1:]
            )
    finally:
        book.close()
    raise Invalid("sheets.unknown_kind", titles="、".join(f"“{w} …”" for w in TITLES.values()))


def _workbook(title: str, header: list[str], rows: list[list[Any]], notes: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].number_format = "@"  # 编号 as text: 001 stays 001
    for index in range(2, len(header)):
        sheet.column_dimensions[column_letter(index)].width = max(10, 2 * len(header[index]) + 2)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "C2"
    info = book.create_sheet(NOTES)
    for line in notes:
        info.append(line)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- cells -------------------------------------------------------------------------------------


def _number(value: Any, decimals: int = 2) -> Decimal | None:
    """A cell as a number with at most ``decimals`` places; None when it is not one. A float cell
    such as 8.300000000000001 is 8.3; a value typed with more places is refused."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    rounded = round(number, decimals)
    return rounded if abs(rounded - number) < Decimal("1e-9") else None


def _float(number: Decimal) -> float:
    return float(number)


def _shown(number: Decimal | float) -> str:
    value = float(number)
    return str(int(value)) if value.is_integer() else f"{value:g}"


# -- members and items -------------------------------------------------------------------------


class Roster:
    """A branch's members as a sheet names them: by 编号 when the row has one, else by 姓名."""

    def __init__(self, members: Sequence[MemberRow]) -> None:
        self.members = members
        self.by_code = {m.code: m for m in members if m.code}
        self.by_name: dict[str, list[MemberRow]] = {}
        for m in members:
            self.by_name.setdefault(m.name, []).append(m)

    def find(self, name: str, code: str) -> tuple[MemberRow | None, str | None]:
        """The member, or None and the reason (a message)."""
        if code:
            member = self.by_code.get(code)
            if member is None:
                return None, t("sheets.unknown_code", code=code)
            if name and member.name != name:
                return None, t("sheets.code_name_mismatch", code=code, name=name, roster=member.name)
            return member, None
        if not name:
            return None, t("sheets.name_required")
        found = self.by_name.get(name, [])
        if not found:
            return None, t("sheets.unknown_member", name=name)
        if len(found) > 1:
            return None, t("sheets.namesakes", name=name)
        return found[0], None

    def by_key(self, key: str) -> MemberRow:
        """A member named on the command line: 编号, exact name, or database id."""
        member = self.by_code.get(key)
        if member is None:
            named = self.by_name.get(key, [])
            if len(named) > 1:
                raise Invalid("sheets.namesakes", name=key)
            member = named[0] if named else None
        if member is None and key.isdigit():
            member = next((m for m in self.members if m.id == int(key)), None)
        if member is None:
            raise NotFound("sheets.unknown_member", name=key)
        return member


def rating_items(scheme: Scheme) -> list[RatingItem]:
    if scheme.rating is None:
        raise Invalid("sheets.not_rating_scheme", scheme=scheme.id)
    return list(scheme.rating.items)


def rating_item(scheme: Scheme, word: str) -> RatingItem | None:
    """A rating item by its code, name or alias (a header may add its maximum in brackets)."""
    word = re.sub(r"[（(].*[)）]\s*$", "", word).strip()
    for item in rating_items(scheme):
        if word in (item.code, item.name, *item.aliases):
            return item
    return None


def minimum_raters(scheme: Scheme) -> int:
    """The fewest raters the scheme asks of an evaluation (``star-hundred``: 10 masses representatives)."""
    return int(getattr(scheme.rating, "min_mass_raters", 0) or 0)


def _managed_in(member: MemberRow, first: date, last: date) -> str | None:
    """Why the member cannot be rated for the period from ``first`` to ``last`` (None: they can,
    being on the roster for some of its days: ``recorded.on_roster``)."""
    if on_roster(member, first, last):
        return None
    if member.joined is not None and member.joined > last:
        return t("sheets.joined_later", name=member.name, joined=member.joined.isoformat())
    assert member.left is not None
    return t("sheets.left_before", name=member.name, left=member.left.isoformat())


def _last_day(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _source(filename: str, sha256: str) -> str:
    return f"{filename[:200]} sha256:{sha256}"


def _shown_source(source: str | None) -> str:
    """A record's source for people: the file name and the first 12 digits of its sha256."""
    if not source:
        return "-"
    return re.sub(r"(sha256:[0-9a-f]{12})[0-9a-f]{52}", r"\1", source)


# -- the use cases -----------------------------------------------------------------------------


Problems = list[tuple[int, int, str]]  # (row, column, message); row 0 / column -1: the sheet itself


class SheetService:
    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def _branch(
        self,
        uow: UnitOfWork,
        actor: Actor,
        branch_id: int,
        who: Callable[[Scheme], Sequence[str]],
        by: str | None = None,
    ) -> tuple[Branch, Scheme, Actor]:
        """The branch, its (rating) scheme and who acts: the operator (the command line), a member
        holding one of the roles ``who`` names, or the operator for such a member (``by``)."""
        branch = await branch_of(uow, branch_id)
        scheme = self.ctx.schemes(branch.scheme)
        rating_items(scheme)
        if by is not None:
            if actor.member_id is not None:
                raise Forbidden("admin.operator_only")
            member = Roster(await uow.members.list(branch.id)).by_key(by)
            actor = Actor(member.id, f"{actor.label} for member:{member.id}")
        if actor.member_id is not None:
            await require_role(uow, actor, branch, who(scheme))
        return branch, scheme, actor

    async def ratings_template(self, actor: Actor, branch_id: int, year: int, month: int) -> Template:
        """The month's ratings sheet of a branch."""
        _check_month(year, month)
        async with self.ctx.uow(read_only=True) as uow:
            branch, scheme, _ = await self._branch(uow, actor, branch_id, recorders)
            first, last = date(year, month, 1), _last_day(year, month)
            members = [
                m for m in await uow.members.list(branch.id)
                if not m.exempt and _managed_in(m, first, last) is None  # under management that month
            ]  # fmt: skip
        items = rating_items(scheme)
        period = f"{year}-{month:02d}"
        header = [NAME, CODE, *(i.name for i in items)]
        rows: list[list[Any]] = [[m.name, m.code or ""] for m in members]
        notes = _notes(branch, scheme, RATINGS, period, items)
        notes.append([t("sheets.note_how"), t("sheets.note_ratings", month=period)])
        title = f"{TITLES[RATINGS]} {period}"
        data = _workbook(title, header, rows, notes)
        return Template(f"{TITLES[RATINGS]}-{branch.id}-{period}.xlsx", data, len(rows), len(items))

    async def evaluation_template(self, actor: Actor, branch_id: int, year: int) -> Template:
        """The year's sheet of democratic evaluation results."""
        async with self.ctx.uow(read_only=True) as uow:
            branch, scheme, _ = await self._branch(uow, actor, branch_id, approvers)
            members = [m for m in await uow.members.list(branch.id) if not m.exempt]
        items = rating_items(scheme)
        header = [NAME, CODE, RATERS, *(i.name for i in items)]
        rows: list[list[Any]] = [[m.name, m.code or ""] for m in members]
        notes = _notes(branch, scheme, EVALUATION, str(year), items)
        notes.append([t("sheets.note_how"), t("sheets.note_evaluation", minimum=minimum_raters(scheme))])
        title = f"{TITLES[EVALUATION]} {year}"
        data = _workbook(title, header, rows, notes)
        return Template(f"{TITLES[EVALUATION]}-{branch.id}-{year}.xlsx", data, len(rows), len(items))

    async def import_sheet(
        self,
        actor: Actor,
        data: bytes,
        filename: str,
        *,
        branch_id: int | None = None,
        kind: str | None = None,
        by: str | None = None,
    ) -> Imported:
        """Import a filled sheet (ratings or evaluation results) all or nothing; the same file twice
        writes nothing the second time. ``branch_id``: the branch it must be for (the sender's, or
        ``--branch``); None: the branch its notes name. ``kind``: the kind it must be. ``by``: the
        member the operator imports it for (recorded as the rater)."""
        if len(data) > MAX_BYTES:
            raise Invalid("sheets.too_large", size=len(data) // 1024)
        sheet = read_sheet(data)
        if kind is not None and sheet.kind != kind:
            raise Invalid("sheets.wrong_kind", file=filename, kind=TITLES[sheet.kind], expected=TITLES[kind])
        target = branch_id if branch_id is not None else sheet.branch_id
        if target is None:
            raise Invalid("sheets.which_branch", file=filename)
        if branch_id is not None and sheet.branch_id is not None and sheet.branch_id != branch_id:
            raise Invalid("sheets.other_branch", file=filename, theirs=sheet.branch_id, branch=branch_id)
        sha = hashlib.sha256(data).hexdigest()
        who = recorders if sheet.kind == RATINGS else approvers
        async with self.ctx.uow() as uow:
            branch, scheme, actor = await self._branch(uow, actor, target, who, by)
            queries = SheetQueries(uow.session)
            imports = RecordedQueries(uow.session)
            earlier = await imports.imported(branch.id, sheet.kind, sha)
            period = _period_of(sheet)
            if earlier is not None:
                return Imported(
                    sheet.kind,
                    branch.id,
                    str(earlier.summary.get("period", period)),
                    filename,
                    sha,
                    already=earlier,
                    already_by=await actor_name(uow, earlier.actor),
                )
            roster = Roster(await uow.members.list(branch.id))
            if sheet.kind == RATINGS:
                result = await _import_ratings(queries, actor, branch, scheme, roster, sheet, filename, sha)
            else:
                result = await _import_evaluation(
                    queries, actor, branch, scheme, roster, sheet, filename, sha
                )
            summary = {"period": result.period, "rows": result.rows, "members": result.members}
            await imports.add_import(
                ImportRun(
                    branch_id=branch.id,
                    kind=sheet.kind,
                    sha256=sha,
                    filename=filename[:300],
                    actor=actor.label,
                    summary=summary,
                )
            )
            await uow.audit.record(actor.label, f"sheets.import.{sheet.kind}", branch_id=branch.id, subject=filename[:200],
                                   details={**summary, "sha256": sha})  # fmt: skip
            await uow.commit()
            return result

    async def set_evaluation(
        self,
        actor: Actor,
        branch_id: int,
        year: int,
        member_key: str,
        item_key: str,
        average: float,
        raters: int,
        by: str | None = None,
    ) -> EvaluationSet:
        """One member's result on one item of a paper evaluation, entered by hand."""
        async with self.ctx.uow() as uow:
            branch, scheme, actor = await self._branch(uow, actor, branch_id, approvers, by)
            member = Roster(await uow.members.list(branch.id)).by_key(member_key)
            item = rating_item(scheme, item_key)
            if item is None:
                raise Invalid(
                    "sheets.unknown_item",
                    item=item_key,
                    known="、".join(f"{i.code} {i.name}" for i in rating_items(scheme)),
                )
            problems = _evaluation_problems(member, year, average, raters, item, minimum_raters(scheme))
            if problems:
                raise Invalid("sheets.evaluation_refused", name=member.name, reasons="; ".join(problems))
            queries = SheetQueries(uow.session)
            existing = await queries.evaluation_results_of(branch.id, year, [member.id])
            if (member.id, item.code) in existing:
                row, evaluation = existing[(member.id, item.code)]
                raise Invalid("sheets.evaluation_exists", name=member.name, item=item.name, year=year,
                              record=_evaluation_record(row, evaluation))  # fmt: skip
            number = Decimal(str(average))
            evaluation = await queries.add_evaluation(
                EvaluationRow(branch_id=branch.id, year=year, title=t("sheets.paper_title", year=year), closed=True,
                              recorded_by=actor.member_id, source=actor.label[:300]),
                [EvaluationResult(member_id=member.id, item=item.code, total=_float(number * raters), count=raters)],
            )  # fmt: skip
            await uow.audit.record(actor.label, "sheets.evaluation.set", branch_id=branch.id, subject=member.name,
                                   details={"year": year, "item": item.code, "average": average, "raters": raters})  # fmt: skip
            await uow.commit()
            return EvaluationSet(
                member.name, item.name, average, raters, evaluation.id, minimum_raters(scheme)
            )

    async def set_grade(
        self,
        actor: Actor,
        branch_id: int,
        year: int,
        member_key: str,
        stars: int,
        reason: str,
        by: str | None = None,
    ) -> GradeSet:
        """年底直接评星定级: the stars of an exempt member for the year; a later one supersedes it."""
        if not reason.strip():
            raise Invalid("sheets.grade_reason")
        async with self.ctx.uow() as uow:
            branch, scheme, actor = await self._branch(uow, actor, branch_id, approvers, by)
            member = Roster(await uow.members.list(branch.id)).by_key(member_key)
            if not member.exempt:
                raise Invalid("sheets.grade_not_exempt", name=member.name)
            top = max((b.stars for b in scheme.bands if b.stars is not None), default=None)
            if top is None:
                raise Invalid("sheets.grade_no_stars", scheme=scheme.id)
            if not 0 <= stars <= top:
                raise Invalid("sheets.grade_range", top=top, stars=stars)
            queries = SheetQueries(uow.session)
            before = await queries.grade_in_force(member.id, year)
            grade = DirectGrade(
                branch_id=branch.id, member_id=member.id, year=year, stars=stars, reason=reason.strip(),
                recorded_by=actor.member_id, actor=actor.label, source=actor.label[:300],
                supersedes_id=before.id if before is not None else None,
            )  # fmt: skip
            await queries.add_all([grade])
            await uow.audit.record(actor.label, "sheets.grade.set", branch_id=branch.id, subject=member.name,
                                   details={"year": year, "stars": stars, "reason": reason.strip(),
                                            "supersedes": grade.supersedes_id})  # fmt: skip
            await uow.commit()
            return GradeSet(member.name, year, stars, grade.id, grade.supersedes_id)


def _check_month(year: int, month: int) -> None:
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise Invalid("sheets.bad_month", month=f"{year}-{month}")


def _period_of(sheet: Sheet) -> str:
    if sheet.kind == RATINGS:
        return f"{sheet.year}-{sheet.month:02d}" if sheet.year and sheet.month else ""
    return str(sheet.year or "")


def _notes(
    branch: Branch, scheme: Scheme, kind: str, period: str, items: list[RatingItem]
) -> list[list[Any]]:
    lines: list[list[Any]] = [
        [KIND_KEY, TITLES[kind]],
        [BRANCH_KEY, str(branch.id)],
        [t("sheets.note_branch"), branch.name],
        [t("sheets.note_scheme"), f"{scheme.id} {scheme.name}"],
        [PERIOD_KEY, period],
        [],
        [t("sheets.note_item"), t("sheets.note_code_max")],
    ]
    lines += [[i.name, f"{i.code}  0-{_shown(i.max)}"] for i in items]
    lines.append([])
    return lines


def _cell(row: int, column: int, header: list[str]) -> str:
    name = header[column] if 0 <= column < len(header) else ""
    return (
        t("sheets.at_cell", cell=f"{column_letter(column)}{row}", column=name)
        if column >= 0
        else t("sheets.at_row", row=row)
    )


def _raise(filename: str, header: list[str], problems: Problems) -> None:
    if problems:
        ordered = sorted(problems, key=lambda p: (p[0], p[1]))
        lines = [p[2] if p[0] == 0 else f"{_cell(p[0], p[1], header)}: {p[2]}" for p in ordered]
        raise SheetErrors(filename, lines)


def _columns(sheet: Sheet, scheme: Scheme, problems: Problems, *, raters: bool) -> dict[int, RatingItem]:
    """The item of each score column; the missing or unknown columns as problems."""
    header = sheet.header
    if NAME not in header:
        problems.append((0, -1, t("sheets.missing_column", column=NAME)))
    if raters and RATERS not in header:
        problems.append((0, -1, t("sheets.missing_column", column=RATERS)))
    items: dict[int, RatingItem] = {}
    seen: dict[str, int] = {}
    for index, word in enumerate(header):
        if word in (NAME, CODE, RATERS) or not word:
            continue
        item = rating_item(scheme, word)
        if item is None:
            problems.append((1, index, t("sheets.unknown_column", column=word)))
        elif item.code in seen:
            problems.append(
                (1, index, t("sheets.column_twice", item=item.name, other=column_letter(seen[item.code])))
            )
        else:
            seen[item.code] = index
            items[index] = item
    for item in rating_items(scheme):
        if item.code not in seen:
            problems.append((0, -1, t("sheets.missing_column", column=item.name)))
    return items


def _members(
    sheet: Sheet, roster: Roster, problems: Problems, first: date, last: date
) -> list[tuple[int, MemberRow, list[Any]]]:
    """The rows that name a member (row number as in the file), each member once; refusals as problems."""
    header = sheet.header
    name_at = header.index(NAME) if NAME in header else None
    code_at = header.index(CODE) if CODE in header else None
    found: list[tuple[int, MemberRow, list[Any]]] = []
    rows_of: dict[int, int] = {}
    for number, values in enumerate(sheet.rows, start=2):
        if not any(_text(v) for v in values):
            continue
        name = _text(values[name_at]) if name_at is not None and name_at < len(values) else ""
        code = _text(values[code_at]) if code_at is not None and code_at < len(values) else ""
        member, why = roster.find(name, code)
        if member is None:
            problems.append((number, name_at if name_at is not None else -1, why or ""))
            continue
        if member.exempt:
            problems.append((number, name_at or 0, t("sheets.exempt", name=member.name)))
            continue
        if member.id in rows_of:
            problems.append(
                (number, name_at or 0, t("sheets.member_twice", name=member.name, other=rows_of[member.id]))
            )
            continue
        why = _managed_in(member, first, last)
        if why is not None:
            if sum(1 for v in values if _text(v)) > 2:  # more than the name and 编号: a score for them
                problems.append((number, name_at or 0, why))
            continue
        rows_of[member.id] = number
        found.append((number, member, values))
    return found


def _score(value: Any, item: RatingItem) -> tuple[Decimal | None, str | None]:
    if _text(value) == "":
        return None, t("sheets.empty_cell")
    number = _number(value)
    if number is None:
        return None, t("sheets.not_a_score", value=_text(value))
    if not 0 <= number <= Decimal(str(item.max)):
        return None, t("sheets.score_range", high=_shown(item.max), value=_text(value))
    return number, None


async def _import_ratings(
    queries: SheetQueries, actor: Actor, branch: Branch, scheme: Scheme, roster: Roster, sheet: Sheet,
    filename: str, sha: str,
) -> Imported:  # fmt: skip
    problems: Problems = []
    if sheet.year is None or sheet.month is None or not 1 <= sheet.month <= 12:
        raise SheetErrors(filename, [t("sheets.no_month", title=sheet.title)])
    year, month = sheet.year, sheet.month
    items = _columns(sheet, scheme, problems, raters=False)
    rows = _members(sheet, roster, problems, date(year, month, 1), _last_day(year, month))
    existing = await queries.ratings_of((m.id for _, m, _ in rows), year, month)
    new: list[MonthlyRating] = []
    unrated: list[str] = []
    source = _source(filename, sha)
    for number, member, values in rows:
        cells = {index: values[index] if index < len(values) else None for index in items}
        if all(_text(v) == "" for v in cells.values()):
            unrated.append(member.name)
            continue
        for index, item in items.items():
            score, why = _score(cells[index], item)
            if why is not None:
                problems.append((number, index, why))
                continue
            earlier = existing.get((member.id, item.code))
            if earlier is not None:
                problems.append((number, index, t("sheets.rating_exists", name=member.name, month=f"{year}-{month:02d}",
                                                  item=item.name, record=_rating_record(earlier))))  # fmt: skip
                continue
            assert score is not None
            new.append(MonthlyRating(member_id=member.id, year=year, month=month, item=item.code, score=_float(score),
                                     rated_by=actor.member_id, source=source))  # fmt: skip
    _raise(filename, sheet.header, problems)
    if not new:
        raise SheetErrors(filename, [t("sheets.nothing_rated")])
    await queries.add_all(new)
    members = len({r.member_id for r in new})
    return Imported(
        RATINGS, branch.id, f"{year}-{month:02d}", filename, sha, len(new), members, tuple(unrated)
    )


def _rating_record(row: MonthlyRating) -> str:
    return t("sheets.rating_record", id=row.id, score=_shown(row.score), source=_shown_source(row.source))


def _evaluation_record(row: EvaluationResult, evaluation: EvaluationRow) -> str:
    if not evaluation.closed:  # held in the chat: nothing of it is shown before its deadline
        deadline = evaluation.deadline.isoformat() if evaluation.deadline else ""
        return t("evaluation.in_progress_record", id=evaluation.id, deadline=deadline)
    average = _shown(Decimal(str(row.total)) / row.count) if row.count else "-"
    return t("sheets.evaluation_record", id=evaluation.id, average=average, raters=row.count,
             source=_shown_source(evaluation.source or evaluation.title))  # fmt: skip


def _evaluation_problems(
    member: MemberRow, year: int, average: float, raters: int, item: RatingItem, minimum: int
) -> list[str]:
    out = []
    if member.exempt:
        out.append(t("sheets.exempt", name=member.name))
    why = _managed_in(member, date(year, 1, 1), date(year, 12, 31))
    if why is not None:
        out.append(why)
    if raters < 1:
        out.append(t("sheets.bad_raters", value=raters))
    elif raters < minimum:
        out.append(t("sheets.too_few_raters", raters=raters, minimum=minimum))
    number = _number(average)
    if number is None:
        out.append(t("sheets.not_a_score", value=average))
    elif not 0 <= number <= Decimal(str(item.max)):
        out.append(t("sheets.score_range", high=_shown(item.max), value=_shown(average)))
    return out


async def _import_evaluation(
    queries: SheetQueries, actor: Actor, branch: Branch, scheme: Scheme, roster: Roster, sheet: Sheet,
    filename: str, sha: str,
) -> Imported:  # fmt: skip
    problems: Problems = []
    if sheet.year is None:
        raise SheetErrors(filename, [t("sheets.no_year", title=sheet.title)])
    year = sheet.year
    items = _columns(sheet, scheme, problems, raters=True)
    raters_at = sheet.header.index(RATERS) if RATERS in sheet.header else None
    rows = _members(sheet, roster, problems, date(year, 1, 1), date(year, 12, 31))
    existing = await queries.evaluation_results_of(branch.id, year, (m.id for _, m, _ in rows))
    new: list[EvaluationResult] = []
    minimum = minimum_raters(scheme)
    unrated: list[str] = []
    for number, member, values in rows:
        columns = [*items, *([raters_at] if raters_at is not None else [])]
        if all(_text(values[i] if i < len(values) else None) == "" for i in columns):
            unrated.append(member.name)
            continue
        raters = None
        if raters_at is not None:
            raw = values[raters_at] if raters_at < len(values) else None
            count = _number(raw, 0)
            if count is None or count < 1:
                problems.append((number, raters_at, t("sheets.bad_raters", value=_text(raw))))
            else:
                raters = int(count)
                if raters < minimum:  # the engine would refuse the evaluation: refused here, with its cell
                    problems.append(
                        (number, raters_at, t("sheets.too_few_raters", raters=raters, minimum=minimum))
                    )
        for index, item in items.items():
            average, why = _score(values[index] if index < len(values) else None, item)
            if why is not None:
                problems.append((number, index, why))
                continue
            if (member.id, item.code) in existing:
                row, evaluation = existing[(member.id, item.code)]
                problems.append((number, index, t("sheets.evaluation_exists", name=member.name, item=item.name, year=year,
                                                  record=_evaluation_record(row, evaluation))))  # fmt: skip
                continue
            if raters is not None and average is not None:
                new.append(
                    EvaluationResult(
                        member_id=member.id, item=item.code, total=_float(average * raters), count=raters
                    )
                )
    _raise(filename, sheet.header, problems)
    if not new:
        raise SheetErrors(filename, [t("sheets.nothing_rated")])
    await queries.add_evaluation(
        EvaluationRow(branch_id=branch.id, year=year, title=t("sheets.paper_title", year=year), closed=True,
                      recorded_by=actor.member_id, source=_source(filename, sha)),
        new,
    )  # fmt: skip
    members = len({r.member_id for r in new})
    return Imported(
        EVALUATION,
        branch.id,
        str(year),
        filename,
        sha,
        len(new),
        members,
        tuple(unrated),
    )


def describe(result: Imported) -> list[str]:
    """What an import did, as lines for the person who imported it."""
    if result.already is not None:
        run = result.already
        at = to_local(run.created_at).strftime("%Y-%m-%d %H:%M")
        return [
            t(
                "sheets.already",
                file=result.filename,
                at=at,
                actor=result.already_by or run.actor,
                id=run.id,
                rows=run.summary.get("rows", 0),
            )
        ]
    key = "sheets.imported_ratings" if result.kind == RATINGS else "sheets.imported_evaluation"
    lines = [t(key, period=result.period, members=result.members, rows=result.rows, file=result.filename)]
    if result.unrated:
        lines.append(t("sheets.unrated", names="、".join(result.unrated)))
    return lines
