"""What a new member or secretary types on the first day, and what the bot says to do next.

Every flow here runs for every driver (see ``conftest.py``)."""

from __future__ import annotations

import pytest

from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, Driver, Shown, Toast
from contract.flows import claim, claim_number, status
from contract.test_english import english
from contract.test_meetings import ask_leave, open_theme_day

__all__ = ["english"]  # the fixture, for the English flow

# -- dates -------------------------------------------------------------------------------------


async def test_dates_in_chinese_numerals_are_read(driver: Driver) -> None:
    card = await claim(driver, "申报 志愿服务 三月八日 帮老人收麦子")
    assert "日期: 2026-03-08" in card.lines and "说明: 帮老人收麦子" in card.lines
    card = await claim(driver, "申报 受乡级表彰 二〇二六年三月八日")
    assert "日期: 2026-03-08" in card.lines
    [future] = await driver.say(ALICE, "申报 志愿服务 十一月二十五日")
    assert future.text == "日期 2026-11-25 还没到, 不能申报。"  # read as 11-25, not as today


async def test_a_vague_or_unreadable_date_is_asked_never_today(driver: Driver) -> None:
    [vague] = await driver.say(ALICE, "申报 志愿服务 3月初 帮老人收麦子")
    assert vague.text == "“3月初” 不是具体的某一天, 没有提交申报。请写明日期, 例如 3月5日 或 三月五日。"
    [week] = await driver.say(ALICE, "申报 志愿服务 上周三")
    assert week.text.startswith("“上周三” 不是具体的某一天")
    [no_day] = await driver.say(ALICE, "申报 志愿服务 二月三十日")
    assert no_day.text.startswith("日期看不懂或这一天不存在, 没有提交申报。")
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []


# -- acknowledgements repeat what was understood -------------------------------------------------


async def test_a_private_acknowledgement_repeats_item_date_and_points(driver: Driver) -> None:
    await driver.world.set_branch(approvals="private")
    [sent, *_] = await driver.say(ALICE, "申报 志愿服务 三月八日 帮老人收麦子")
    number = claim_number(sent)
    assert (
        sent.where == GROUP and sent.text == f"已收到申报 #{number}: 志愿服务 2026-03-08 1 分, 已发给审核人。"
    )


# -- the words people type -----------------------------------------------------------------------


async def test_words_for_my_points_answer_privately_with_one_line_in_the_group(driver: Driver) -> None:
    for words in ("积分", "我有多少分", "查积分", "我有多少分？"):
        [mine, sent] = await driver.say(ALICE, words)
        assert mine.where == ALICE and mine.lines[0] == "张三 2026 年积分 (截至 2026-03-10): 12 分", words
        assert sent.where == GROUP and sent.text == "已私信发给 张三 (没收到请先私聊机器人发 /start)。"
        assert len(sent.lines) == 1 and "12" not in sent.text


async def test_how_to_claim_and_the_items_with_their_points(driver: Driver) -> None:
    for words in ("我想申报", "申报积分"):
        [how] = await driver.say(ALICE, words)
        assert how.lines[0].startswith("申报方法: 发送 申报 事项 日期 说明, 例如: 申报 志愿服务 3月5日"), (
            words
        )
        assert "· 志愿服务 1 分" in how.lines
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []
    for words in ("积分项目", "/items"):
        [items] = await driver.say(ALICE, words)
        assert items.lines == [
            "可以申报的积分项目 (测试方案):", "· 志愿服务 1 分", "· 重点工作 1 到 3 分 (审核人定分值), 带头/组织/主导 ×2",
            "· 受乡级表彰 2 分", "· 受县级表彰 3 分",
        ], words  # fmt: skip
    assert not any("volunteer" in line for line in items.lines)


async def test_typed_sign_in_and_leave_act_like_the_buttons(driver: Driver) -> None:
    [none] = await driver.say(ALICE, "签到")
    assert none.text == "现在没有进行中的签到。签到由支部书记在群里发起。"
    sheet = await open_theme_day(driver)
    [done] = await driver.say(ALICE, "签到")
    assert done.text == "张三: 已签到" and "出席 (1): 张三" in sheet.lines
    [again] = await driver.say(ALICE, "签到")
    assert again.text == "张三: 你已经签到, 没有改动"
    [picker] = await driver.say(BOB, "请假")
    assert picker.text == "李四, 请选择请假原因 (审核人批准后才算请假):"
    assert await driver.press(BOB, "因病", on=picker) == Toast("")
    assert "请假待批准 (1): 李四" in sheet.lines


async def test_an_approver_decides_by_typing(driver: Driver) -> None:
    card = await claim(driver)
    [done, told] = await driver.say(SECRETARY, f"通过 {claim_number(card)}")
    assert done.text == f"已通过申报 {claim_number(card)}" and told.where == ALICE
    assert status(card) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)"
    only = await claim(driver, "申报 受乡级表彰 3月6日")
    [done, _told] = await driver.say(RECORDER, "同意")
    assert done.text == f"已通过申报 {claim_number(only)}"
    first = await claim(driver, "申报 受县级表彰 3月6日")
    second = await claim(driver, "申报 受县级表彰 3月7日", who=BOB)
    [which] = await driver.say(SECRETARY, "同意")
    assert which.lines[0] == f"待审核的申报有 2 条, 请写明通过哪一条, 例如: 通过 {claim_number(first)}"
    assert which.lines[1:] == [
        f"· #{claim_number(first)} 张三 受县级表彰 2026-03-06", f"· #{claim_number(second)} 李四 受县级表彰 2026-03-07",
    ]  # fmt: skip
    [rejected, _told] = await driver.say(SECRETARY, f"驳回 {claim_number(second)} 日期写错了")
    assert rejected.text == f"已驳回申报 {claim_number(second)}"
    assert await driver.say(BOB, "同意") == []  # a member agreeing in the group is chatter
    assert await driver.say(BOB, "通过学习, 我认识到了不足") == []
    assert status(first) == "状态: 待审核"


async def test_a_leading_role_is_marked_seen_and_confirmed(driver: Driver) -> None:
    card = await claim(driver, "申报 乡村振兴 3月6日 带头组织产业帮扶")
    assert "角色: 带头/组织/主导, 分值 ×2 (按 通过 即确认; 不是带头的按 通过(不算带头))" in card.lines
    assert "说明: 带头组织产业帮扶" in card.lines
    assert card.labels == ["通过", "通过(不算带头)", "驳回", "调整分值"]
    await driver.press(SECRETARY, "通过", on=card)
    declined = await claim(driver, "申报 乡村振兴 3月7日 主导村里的产业项目", who=BOB)
    assert await driver.press(SECRETARY, "通过(不算带头)", on=declined) == Toast(
        f"已通过申报 {claim_number(declined)}"
    )
    assert not any(line.startswith("角色:") for line in declined.lines)  # approved as a plain claim
    async with driver.world.db.uow() as uow:
        [entry] = await uow.ledger.of_member(driver.world.ids["200"])
        [plain_entry] = await uow.ledger.of_member(driver.world.ids["201"])
    assert entry.lead is True and plain_entry.lead is False
    [mine, _sent] = await driver.say(ALICE, "我的积分")
    assert "· 重点工作 1 次, 计 2 分; 其中 1 次带头/组织/主导, 分值加倍" in mine.lines  # 1 point, doubled
    plain = await claim(driver, "申报 志愿服务 3月6日 组织大家打扫")  # 志愿服务 does not double
    assert not any(line.startswith("角色:") for line in plain.lines)


async def test_unrecognized_private_text_gets_the_three_likeliest_commands(driver: Driver) -> None:
    [leave] = await driver.say(ALICE, "我要请个假", private=True)
    assert leave.lines[0] == "没有看懂 “我要请个假”。你可能想:"
    assert leave.lines[1] == "· 签到 / 请假 — 有进行中的签到时, 和签到卡片上的按钮一样"
    assert len(leave.lines) == 5
    [points] = await driver.say(ALICE, "我的分", private=True)
    assert points.lines[1] == "· 我的积分 — 本年积分和每一分的依据 (私信发给你)"
    [review] = await driver.say(SECRETARY, "审核", private=True)
    assert review.lines[1] == "· 待审核 — 待审核的申报和请假"


# -- messages that say what to do next -----------------------------------------------------------


async def test_a_rejected_member_is_told_they_may_claim_again(driver: Driver) -> None:
    card = await claim(driver)
    await driver.press(RECORDER, "驳回", on=card)
    await driver.press(RECORDER, "证明材料不足", on=card)
    [told] = driver.chat(ALICE)
    assert "改正后可以重新申报 (例如补上照片、写对日期或事项): 再发送一次 申报 ... 即可。" in told.lines
    assert "改正后可以重新申报" not in card.text  # the approvers' card says only what happened


async def test_refused_leave_says_the_member_can_still_sign_in(driver: Driver) -> None:
    sheet = await open_theme_day(driver)
    card = await ask_leave(driver, BOB, sheet)
    await driver.press(RECORDER, "不批准", on=card)
    [told] = driver.chat(BOB)
    assert "请假没有批准。签到结束 (10:30) 前仍可以签到, 否则记为缺席。" in told.lines
    assert await driver.press(BOB, "签到", on=sheet) == Toast("已签到")


async def test_reject_without_a_reason_shows_an_example(driver: Driver) -> None:
    card = await claim(driver)
    number = claim_number(card)
    [example] = await driver.say(SECRETARY, f"驳回 {number}")
    assert example.text == f"请写明驳回原因, 例如: 驳回 {number} 照片看不清。申报 #{number} 还没有驳回。"
    assert status(card) == "状态: 待审核"


async def test_a_second_withdraw_press_says_it_is_done(driver: Driver) -> None:
    card = await claim(driver)
    [picker] = await driver.say(ALICE, "撤回")
    label = picker.labels[0]
    data = picker.data(label)
    assert await driver.press(ALICE, label, on=picker) == Toast("")
    toast = await driver.press(ALICE, data, on=picker)
    assert toast == Toast(f"申报 #{claim_number(card)} 已经撤回了, 不用再撤回。")
    assert "不能撤回" not in toast.text


async def test_the_item_picker_can_be_cancelled(driver: Driver) -> None:
    [picker] = await driver.say(ALICE, "申报 表彰 3月5日")
    assert picker.labels[-1] == "取消"
    assert await driver.press(ALICE, "取消", on=picker) == Toast("")
    assert picker.text == "已取消, 没有提交申报。" and picker.buttons == []
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []


async def test_the_withdraw_list_tells_claims_apart(driver: Driver) -> None:
    first = await claim(driver, "申报 志愿服务 3月5日 社区清扫")
    second = await claim(driver, "申报 志愿服务 3月6日 帮老人收麦子和玉米")
    [picker] = await driver.say(ALICE, "撤回")
    assert picker.labels == [
        f"撤回 #{claim_number(first)} 志愿服务 2026-03-05 社区清扫",
        f"撤回 #{claim_number(second)} 志愿服务 2026-03-06 帮老人收麦子和玉米",
    ]


# -- sign-ins ------------------------------------------------------------------------------------


async def test_a_second_sign_in_of_the_same_type_on_one_day_asks_first(driver: Driver) -> None:
    first = await open_theme_day(driver)
    await driver.say(SECRETARY, "结束签到")
    [ask] = await driver.say(SECRETARY, "发起签到 主题党日 30")
    assert ask.text.startswith("今天已经发起过 1 次主题党日签到 (最近一次 #")
    assert ask.labels == ["再发起一次", "取消"]
    assert await driver.press(SECRETARY, "取消", on=ask) == Toast("")
    assert ask.text == "已取消, 没有发起签到。"
    [ask] = await driver.say(SECRETARY, "发起签到 主题党日 30")
    assert await driver.press(ALICE, "再发起一次", on=ask) == Toast(
        "只有支部书记/党委可以这样做。", alert=True
    )
    assert await driver.press(SECRETARY, "再发起一次", on=ask) == Toast("")
    second = driver.chat(GROUP)[-1]
    assert second.labels[:2] == ["签到", "请假"] and second.id != first.id
    [other] = await driver.say(SECRETARY, "发起签到 党课 30")
    assert other.text.startswith("📋 党课 签到")


async def test_a_duration_that_is_no_number_is_refused_with_the_range(driver: Driver) -> None:
    [bad] = await driver.say(SECRETARY, "发起签到 主题党日 半小时")
    assert (
        bad.text
        == "签到时长 “半小时” 不是分钟数, 没有发起签到。请写 1 到 1440 之间的数字, 例如: 发起签到 主题党日 30"
    )
    [card] = await driver.say(SECRETARY, "发起签到 主题党日 45分钟")
    assert "截止时间: 10:45" in card.lines


def _help_lines(shown: Shown) -> list[str]:
    return [line for line in shown.lines if line.startswith("· ")]


async def test_help_lines_are_what_the_bot_accepts(driver: Driver) -> None:
    """Every line of 帮助 names what to type before " — "; typed, each is understood."""
    [help_] = await driver.say(SECRETARY, "帮助", private=True)
    typed = [line[2:].split(" — ")[0] for line in _help_lines(help_)]
    assert "申报 事项 日期 说明" in typed and "发起签到 会议类型 分钟数" in typed
    for words in typed:
        for word in words.split(" / "):
            driver.world.clock.advance(3)  # a person types them over a while (WeCom: 20 a minute a chat)
            said = await driver.say(SECRETARY, word.split()[0], private=True)
            assert said, word
            assert not any(s.text.startswith("没有看懂") for s in said), (word, [s.text for s in said])


async def test_no_item_code_reaches_a_member_or_the_secretary(driver: Driver) -> None:
    """Item codes are for files a secretary writes; what people read names items in Chinese."""
    card = await claim(driver, "申报 乡村振兴 3月6日 带头产业帮扶")
    await driver.press(SECRETARY, "调整分值", on=card)
    await driver.press(SECRETARY, "2", on=card)
    sheet = await open_theme_day(driver)
    await driver.say(SECRETARY, "结束签到")
    for who in (ALICE, RECORDER):
        await driver.say(who, "我的积分", private=True)
        await driver.say(who, "积分项目", private=True)
        await driver.say(who, "帮助", private=True)
    await driver.say(ALICE, "撤回", private=True)
    codes = {
        "volunteer",
        "key_work",
        "award_township",
        "award_county",
        "absent_theme_day",
        "dues_late",
        "theme_day",
    }
    seen = [s.text for where in (GROUP, ALICE, RECORDER, SECRETARY) for s in driver.chat(where)]
    assert any("重点工作" in text for text in seen) and sheet.text
    assert [text for text in seen if any(code in text for code in codes)] == []


@pytest.mark.usefixtures("english")
async def test_the_same_words_as_slash_commands_in_english(driver: Driver) -> None:
    [items] = await driver.say(ALICE, "/items")
    assert items.lines[:2] == ["Items you can claim (测试方案):", "· 志愿服务 1 points"]
    [none] = await driver.say(ALICE, "/signin")
    assert none.text == "No sign-in is open now. The secretary opens one in the group."
    [card] = await driver.say(ALICE, "/claim volunteer 2026-03-05")
    [done, told] = await driver.say(SECRETARY, f"/approve {claim_number(card)}")
    assert done.text == f"Claim {claim_number(card)} approved" and told.where == ALICE
    [unknown] = await driver.say(ALICE, "what now", private=True)
    assert (
        unknown.lines[0] == "I did not understand “what now”. Perhaps you meant:" and len(unknown.lines) == 5
    )
