"""What a secretary types after 导出: the kind, a year or a period, a member's name."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handlers.export import Asked, read

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "asked"),
    [
        ("台账 2026", Asked("ledger", 2026)),
        ("台账 2025年", Asked("ledger", 2025)),
        ("积分卡 张三", Asked("card", names=("张三",))),
        ("张三 积分卡 2025", Asked("card", 2025, names=("张三",))),
        ("积分卡 #12", Asked("card", names=("12",))),
        ("公示 2026-11", Asked("publicity", 2026, "2026-11")),
        ("公示 11月", Asked("publicity", 2026, "2026-11")),
        ("公示栏 2025年3月", Asked("publicity", 2025, "2025-03")),
        ("公示 三季度", Asked("publicity", 2026, "2026-Q3")),
        ("公示 2026-Q3", Asked("publicity", 2026, "2026-Q3")),
        ("公示 2025年第四季度", Asked("publicity", 2025, "2025-Q4")),
        ("公示 上半年", Asked("publicity", 2026, "2026-H1")),
        ("年度 2026", Asked("annual", 2026)),
        ("年度综合得分登记表", Asked("annual")),
        ("汇总 2026", Asked("committee", 2026)),
        ("账本", Asked(names=("账本",))),
        ("公示 13月", Asked("publicity", names=("13月",))),
    ],
)
def test_what_is_typed_is_read(typed: str, asked: Asked) -> None:
    assert read(typed, TODAY) == asked
