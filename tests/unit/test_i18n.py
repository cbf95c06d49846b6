"""The message catalog: zh-CN and en carry the same keys and the same {placeholders} per key."""

from __future__ import annotations

import string

import pytest

from bot.i18n import MESSAGES, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_same_keys_in_both_locales():
    zh, en = set(MESSAGES["zh-CN"]), set(MESSAGES["en"])
    assert zh - en == set(), "missing in en"
    assert en - zh == set(), "missing in zh-CN"


@pytest.mark.parametrize("key", sorted(MESSAGES["zh-CN"]))
def test_same_placeholders_per_key(key):
    assert placeholders(MESSAGES["zh-CN"][key]) == placeholders(
        MESSAGES["en"].get(key, MESSAGES["zh-CN"][key])
    )


def test_t_formats_in_the_asked_locale():
    assert t("quota.year_star", "en") == "star of the year"
    reason = t("input.bad_month", "zh-CN", month=13)
    assert reason == "月份应为 1 到 12, 收到 13"
    assert (
        t("input.problem", "zh-CN", record="ratings[0]", reason=reason)
        == "ratings[0]: 月份应为 1 到 12, 收到 13"
    )
