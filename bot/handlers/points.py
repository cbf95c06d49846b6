"""/me (我的积分) and /rank (排行): the year so far, explained rule by rule."""

from __future__ import annotations

from bot.handlers.context import Deps, located
from bot.handlers.types import Incoming, Reply, quoting
from bot.i18n import t
from bot.scoring.result import Result, shown

#: How many places ``/rank`` shows.
RANK_TOP = 10


def _total(result: Result) -> str:
    value = shown(result.score)
    return "-" if value is None else str(value)


async def me(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    person, branch = await located(inc, deps)
    today = deps.today()
    report = await deps.chat.year_so_far(branch, today)
    mine = next((r for r in report.members if r.id == str(person.member_id)), None)
    if mine is None:
        return [Reply(t("chat.me.none"), to=quoting(inc.message))]
    lines = [t("chat.me.head", name=mine.name, year=today.year, date=today.isoformat(), score=_total(mine))]
    if mine.grade:
        lines.append(t("chat.me.grade", grade=mine.grade))
    for line in mine.explanation:
        lines.append(
            t("chat.me.line", text=line.text) + (t("chat.me.rule", rule=line.rule) if line.rule else "")
        )
    return [Reply("\n".join(lines), to=quoting(inc.message))]


async def rank(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Off unless the branch turns it on (settings ``rank = true``)."""
    _person, branch = await located(inc, deps)
    if not branch.settings.get("rank", False):
        return [Reply(t("chat.rank.off"), to=quoting(inc.message))]
    today = deps.today()
    report = await deps.chat.year_so_far(branch, today)
    ranked = sorted((r for r in report.members if r.rank is not None), key=lambda r: r.rank or 0)
    lines = [t("chat.rank.head", year=today.year, date=today.isoformat())]
    lines += [t("chat.rank.line", rank=r.rank, name=r.name, score=_total(r)) for r in ranked[:RANK_TOP]]
    return [Reply("\n".join(lines), to=quoting(inc.message))]
