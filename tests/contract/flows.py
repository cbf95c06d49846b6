"""Small steps the flows share."""

from __future__ import annotations

import re

from contract.driver import ALICE, GROUP, Driver, Shown


def claim_number(card: Shown) -> int:
    found = re.search(r"#(\d+)", card.text)
    assert found is not None, card.text
    return int(found.group(1))


async def claim(
    d: Driver, text: str = "申报 志愿服务 3月5日 社区清扫", who: str = ALICE, **kw: object
) -> Shown:
    """``who`` claims in the group; the approval card the group sees."""
    [card] = await d.say(who, text, **kw)  # type: ignore[arg-type]
    assert card.where == GROUP and card.text.startswith("📝 积分申报 #"), card.text
    assert card.labels[0] == "通过" and card.labels[-2:] in (["通过", "驳回"], ["驳回", "调整分值"]), (
        card.labels
    )
    return card


def status(card: Shown) -> str:
    return next(line for line in card.lines if line.startswith("状态:"))
