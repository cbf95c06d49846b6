"""/me (我的积分) and /rank (排行): the year so far, explained rule by rule.

A member's own points are told privately: asked in the group, the answer goes to the member's
private chat and the group only hears that it was sent.
"""

from __future__ import annotations

from bot.handlers.context import Deps, located
from bot.handlers.types import ORIGIN, Incoming, Reply, Send, ToMember, ToRoles
from bot.i18n import t
from bot.scoring.result import Result, shown
from bot.services.policy import settings_of

#: How many places ``/rank`` shows.
RANK_TOP = 10


def _total(result: Result) -> str:
    value = shown(result.score)
    return "-" if value is None else str(value)


async def me(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    person, branch = await located(inc, deps)
    today = deps.today()
    report, problems = await deps.chat.year_so_far(branch, today)
    mine = next((r for r in report.members if r.id == str(person.member_id)), None)
    if mine is None:
        return [Send(ORIGIN, t("chat.me.none"))]
    lines = [t("chat.me.head", name=mine.name, year=today.year, date=today.isoformat(), score=_total(mine))]
    if mine.grade:
        lines.append(t("chat.me.grade", grade=mine.grade))
    for line in mine.explanation:
        lines.append(
            t("chat.me.line", text=line.text) + (t("chat.me.rule", rule=line.rule) if line.rule else "")
        )
    lines.append(t("recording.me_foot"))  # where each entry's number is
    text = "\n".join(lines)
    told = (
        [Send(ORIGIN, text)]
        if inc.private
        else [Send(ToMember(person.member_id), text), Send(ORIGIN, t("chat.me.sent", name=person.name))]
    )
    return [*told, *bad_rows(branch.id, problems)]


def bad_rows(branch_id: int, problems: list[str]) -> list[Reply]:
    """Ledger rows left out of the scores, for the secretary to correct (privately)."""
    if not problems:
        return []
    text = "\n".join([t("input.skipped", count=len(problems)), *problems])
    return [Send(ToRoles(branch_id, ("secretary",)), text)]


async def rank(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Off unless the branch turns it on (``partybot branch set ID --rank on``)."""
    _person, branch = await located(inc, deps)
    if not settings_of(branch).rank:
        return [Send(ORIGIN, t("chat.rank.off"))]
    today = deps.today()
    report, problems = await deps.chat.year_so_far(branch, today)
    ranked = sorted((r for r in report.members if r.rank is not None), key=lambda r: r.rank or 0)
    lines = [t("chat.rank.head", year=today.year, date=today.isoformat())]
    lines += [t("chat.rank.line", rank=r.rank, name=r.name, score=_total(r)) for r in ranked[:RANK_TOP]]
    return [Send(ORIGIN, "\n".join(lines)), *bad_rows(branch.id, problems)]
