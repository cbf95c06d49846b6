from datetime import date

from bot.handlers.parse import Command, marks_lead, match_item, note_of, parse_command, parse_date, vague_date
from handlers.chatworld import chat_scheme

TODAY = date(2026, 3, 10)


def test_slash_command_with_and_without_the_bot_name() -> None:
    assert parse_command("/claim 志愿服务", "PartyBot") == Command("claim", "志愿服务")
    assert parse_command("/Claim@partybot  志愿服务 3月5日", "PartyBot") == Command(
        "claim", "志愿服务 3月5日"
    )
    assert parse_command("/pending@PartyBot", "PartyBot") == Command("pending", "")


def test_a_command_for_another_bot_is_not_ours() -> None:
    assert parse_command("/claim@OtherBot 志愿服务", "PartyBot") is None


def test_chinese_keywords() -> None:
    assert parse_command("申报 志愿服务 3月5日", "") == Command("claim", "志愿服务 3月5日")
    assert parse_command("申报：志愿服务", "") == Command("claim", "志愿服务")
    assert parse_command("我的积分", "") == Command("me", "")
    assert parse_command("待审核", "") == Command("pending", "")
    assert parse_command("帮助", "") == Command("help", "")
    assert parse_command("今天天气不错", "") is None


def test_dates() -> None:
    assert parse_date("志愿服务 2026-03-05 清扫", TODAY) == (date(2026, 3, 5), "志愿服务 清扫")
    assert parse_date("志愿服务 3月5日", TODAY)[0] == date(2026, 3, 5)
    assert parse_date("志愿服务 3/5", TODAY)[0] == date(2026, 3, 5)
    assert parse_date("昨天 志愿服务", TODAY)[0] == date(2026, 3, 9)
    assert parse_date("志愿服务", TODAY) == (TODAY, "志愿服务")
    assert parse_date("志愿服务 2月30日", TODAY)[0] is None


def test_item_by_code_name_or_alias() -> None:
    items = chat_scheme().claimable_items()
    assert match_item("volunteer 清扫", items).item.code == "volunteer"  # type: ignore[union-attr]
    assert match_item("参加志愿服务活动", items).item.code == "volunteer"  # type: ignore[union-attr]
    assert match_item("做了义务劳动", items).item.code == "volunteer"  # type: ignore[union-attr]
    assert match_item("受县级表彰", items).item.code == "award_county"  # type: ignore[union-attr]


def test_ambiguous_item_offers_the_candidates_and_unknown_offers_all() -> None:
    items = chat_scheme().claimable_items()
    ambiguous = match_item("获得表彰", items)
    assert ambiguous.item is None
    assert [i.code for i in ambiguous.candidates] == ["award_township", "award_county"]
    unknown = match_item("打扫卫生", items)
    assert unknown.item is None
    assert [i.code for i in unknown.candidates] == ["volunteer", "key_work", "award_township", "award_county"]


def test_dates_in_chinese_numerals() -> None:
    assert parse_date("志愿服务 三月八日", TODAY) == (date(2026, 3, 8), "志愿服务")
    assert parse_date("十一月二十五日 清扫", TODAY)[0] == date(2026, 11, 25)
    assert parse_date("二〇二六年三月八日", TODAY)[0] == date(2026, 3, 8)
    assert parse_date("十月十日", TODAY)[0] == date(2026, 10, 10)
    assert parse_date("三月三十一号", TODAY)[0] == date(2026, 3, 31)
    assert parse_date("大前天 志愿服务", TODAY)[0] == date(2026, 3, 7)
    assert parse_date("昨日 志愿服务", TODAY)[0] == date(2026, 3, 9)


def test_a_date_naming_no_single_day_is_none_never_today() -> None:
    for text in ("志愿服务 3月初", "三月底 清扫", "上周三", "2026年3月", "3月份", "前几天", "三月中旬"):
        assert parse_date(text, TODAY)[0] is None, text
        assert vague_date(text), text
    assert vague_date("志愿服务 3月5日") is None and vague_date("志愿服务") is None


def test_words_people_type() -> None:
    assert parse_command("积分", "") == Command("me", "")
    assert parse_command("我有多少分？", "") == Command("me", "")
    assert parse_command("查积分", "") == Command("me", "")
    assert parse_command("申报积分", "") == Command("howto", "")
    assert parse_command("我想申报", "") == Command("howto", "")
    assert parse_command("积分项目", "") == Command("items", "")
    assert parse_command("签到", "") == Command("signin", "")
    assert parse_command("请假。", "") == Command("leave", "")
    assert parse_command("通过 7", "") == Command("approve", "7")
    assert parse_command("同意", "") == Command("approve", "")
    assert parse_command("发起签到 主题党日", "") == Command("meeting", "主题党日")


def test_a_lead_mark_outside_the_item_name() -> None:
    item = next(i for i in chat_scheme().claimable_items() if i.code == "key_work")
    assert marks_lead("乡村振兴 带头 产业帮扶", item)
    assert marks_lead("主导村里的产业项目", item)
    assert not marks_lead("乡村振兴 参加组织生活会", item)
    assert note_of("乡村振兴 带头 产业帮扶", item) == "带头 产业帮扶"
