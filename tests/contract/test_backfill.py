"""补录签到: the secretary (or the recorder) records the sheet of a meeting held offline, in a
private chat, as text or on a card of the roster; the records are those of a sign-in and score the
same. Every flow runs for every driver and database (see ``conftest.py``)."""

from __future__ import annotations

from handlers import chatworld
from sqlalchemy import select

from bot.storage.schema import AttendanceRow, Meeting, MemberRow
from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, Driver, Shown, Toast
from contract.test_meetings import make_migrant, open_theme_day


async def sheet_rows(d: Driver) -> list[tuple[str, str, str, str, bool, int | None, str | None]]:
    """(kind, date, member name, status, online, recorded by, source) of every attendance row."""
    async with d.world.db.uow() as uow:
        query = (
            select(Meeting.kind, Meeting.held_on, MemberRow.name, AttendanceRow.status, AttendanceRow.online,
                   AttendanceRow.recorded_by, AttendanceRow.source)
            .join(Meeting, Meeting.id == AttendanceRow.meeting_id)
            .join(MemberRow, MemberRow.id == AttendanceRow.member_id)
            .order_by(AttendanceRow.id)
        )  # fmt: skip
        return [
            (k, str(h), n, s, bool(o), r, src)
            for k, h, n, s, o, r, src in (await uow.session.execute(query)).tuples()
        ]


async def private(d: Driver, who: str, text: str) -> list[Shown]:
    """``who`` writes privately; what the bot answered there (notices to others are read from their chats)."""
    return [m for m in await d.say(who, text, private=True) if m.where == who]


async def add_members(d: Driver, *names: str, code: str | None = None) -> None:
    async with d.world.db.uow() as uow:
        for name in names:
            await uow.members.add(MemberRow(branch_id=d.world.branch_id, name=name, code=code))
        await uow.commit()


async def test_the_text_form_records_the_sheet_and_tells_the_absent_privately(driver: Driver) -> None:
    [done] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四 请假 赵积分员")
    assert done.where == SECRETARY
    assert done.lines == [
        "✅ 已补录 主题党日 (2026-03-05), 会议 #1", "出席 (2): 王书记、张三", "请假 (1): 赵积分员", "缺席 (1): 李四",
        "缺席的党员已分别收到私信通知。",
    ]  # fmt: skip
    [told] = driver.chat(BOB)
    assert told.lines == [
        "2026-03-05 的主题党日, 你被记为缺席 (由 王书记 补录)。",
        "扣分规则: 无故缺席主题党日 -2 分 (依据: 缺席一次减2分)",
        "如有异议, 请私信支部书记或积分员说明; 记错的会被更正 (冲销原记录, 不会改写), 公示期内也可以提出异议。",
    ]
    assert driver.chat(GROUP) == [] and driver.chat(RECORDER) == []
    rows = await sheet_rows(driver)
    secretary = driver.world.ids[chatworld.SECRETARY]
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("王书记", "present", False, secretary), ("赵积分员", "leave", False, secretary),
        ("张三", "present", False, secretary), ("李四", "absent", False, secretary),
    ]  # fmt: skip
    assert {r[0] for r in rows} == {"theme_day"} and {r[1] for r in rows} == {"2026-03-05"}
    assert all(r[6] and r[6].startswith(f"{driver.name}:") for r in rows)  # the message it came from
    [mine] = await private(driver, BOB, "我的积分")
    assert "· 无故缺席主题党日 1 次, 计 -2 分 (依据: 缺席一次减2分)" in mine.lines
    assert mine.lines[0] == "李四 2026 年积分 (截至 2026-03-10): 10 分"


async def test_online_is_for_migrant_members(driver: Driver) -> None:
    [refused] = await private(driver, RECORDER, "补录 党课 3月2日 线上 张三")
    assert refused.lines == ["有 1 处问题, 什么都没有记录:", "张三 不是流动党员, 不能记为线上参加"]
    await make_migrant(driver, chatworld.ALICE)
    [done] = await private(driver, RECORDER, "补录 党课 3月2日 线上 张三")
    assert "出席 (4): 王书记、赵积分员、张三(线上)、李四" in done.lines
    assert [r[3:5] for r in await sheet_rows(driver) if r[2] == "张三"] == [("present", True)]


async def test_refusals_record_nothing(driver: Driver) -> None:
    [member] = await private(driver, ALICE, "补录 主题党日 3月5日 缺席 李四")
    assert member.text == "只有支部书记/积分员/党委可以这样做。"
    [group] = await driver.say(SECRETARY, "补录 主题党日 3月5日 缺席 李四")
    assert group.text == "补录签到请私聊机器人 (缺席名单不在群里公布)"
    [kind] = await private(driver, SECRETARY, "补录 茶话会 3月5日")
    assert kind.text.startswith("没有会议类型 “茶话会”。可用: 主题党日、")
    [unknown] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四 王五")
    assert unknown.lines == ["有 1 处问题, 什么都没有记录:", "名册里没有 “王五”, 请核对姓名, 或写名册编号"]
    [future] = await private(driver, SECRETARY, "补录 主题党日 3月15日 缺席 李四")
    assert future.text == "日期 2026-03-15 还没到, 不能补录"
    [usage] = await private(driver, SECRETARY, "补录 主题党日")
    assert usage.text.startswith("用法: 补录 会议类型 日期")
    [loose] = await private(driver, SECRETARY, "补录 主题党日 3月5日 李四")
    assert loose.text == "“李四” 前面缺少 缺席/请假/线上/到会, 不知道怎么记"
    [twice] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四 请假 李四")
    assert twice.text == "李四 写在了两个位置, 请只写一次"
    assert await sheet_rows(driver) == [] and driver.chat(BOB) == []


async def test_a_namesake_is_named_by_roster_number(driver: Driver) -> None:
    await add_members(driver, "李四", code="007")
    [ambiguous] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四")
    assert ambiguous.lines[1].startswith("“李四” 有 2 人 (编号 #") and ambiguous.lines[1].endswith(
        "、007), 请写编号代替姓名"
    )
    assert await sheet_rows(driver) == []
    [done] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 007")
    assert "缺席 (1): 李四" in done.lines and "出席 (4): 王书记、赵积分员、张三、李四" in done.lines


async def test_a_meeting_is_recorded_once(driver: Driver) -> None:
    await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四")
    [again] = await private(driver, RECORDER, "补录 theme_day 2026-03-05 请假 李四")
    assert again.text == "2026-03-05 的主题党日已经记录过 (会议 #1), 没有重复记录"
    await open_theme_day(driver)  # today's sign-in is a record of today's theme day too
    [today] = await private(driver, SECRETARY, "补录 主题党日 今天 缺席 李四")
    assert today.text == "2026-03-10 的主题党日已经记录过 (会议 #2), 没有重复记录"
    assert len(await sheet_rows(driver)) == 4


async def card(d: Driver, text: str = "补录 主题党日 3月5日", who: str = SECRETARY) -> Shown:
    [shown] = await private(d, who, text)
    assert shown.where == who and shown.lines[0] == "📝 补录签到: 主题党日 (2026-03-05)", shown.text
    return shown


async def test_the_card_cycles_each_member_and_records_on_confirm(driver: Driver) -> None:
    await make_migrant(driver, chatworld.BOB)
    sheet = await card(driver)
    assert sheet.lines[1:4] == ["到会 (4): 王书记、赵积分员、张三、李四", "请假 (0): 无", "缺席 (0): 无"]
    assert sheet.labels == ["确认", "取消", "王书记: 到会", "赵积分员: 到会", "张三: 到会", "李四: 到会"]
    assert await driver.press(SECRETARY, "李四: 到会", on=sheet) == Toast("")
    assert "李四: 请假" in sheet.labels and "请假 (1): 李四" in sheet.lines
    await driver.press(SECRETARY, "李四: 请假", on=sheet)
    await driver.press(SECRETARY, "李四: 缺席", on=sheet)
    assert (
        "李四: 线上" in sheet.labels and "线上 (1): 李四" in sheet.lines
    )  # a migrant member may join online
    await driver.press(SECRETARY, "李四: 线上", on=sheet)
    await driver.press(SECRETARY, "李四: 到会", on=sheet)
    await driver.press(SECRETARY, "张三: 到会", on=sheet)
    await driver.press(SECRETARY, "张三: 请假", on=sheet)
    assert "缺席 (1): 张三" in sheet.lines and await sheet_rows(driver) == []  # nothing before 确认
    confirm = sheet.data("确认")
    assert await driver.press(SECRETARY, "确认", on=sheet) == Toast("已补录")
    assert sheet.lines[:4] == [
        "✅ 已补录 主题党日 (2026-03-05), 会议 #1",
        "出席 (2): 王书记、赵积分员",
        "请假 (1): 李四",
        "缺席 (1): 张三",
    ]
    assert sheet.buttons == []
    assert [r[2:4] for r in await sheet_rows(driver)] == [
        ("王书记", "present"), ("赵积分员", "present"), ("张三", "absent"), ("李四", "leave"),
    ]  # fmt: skip
    [told] = driver.chat(ALICE)
    assert told.lines[0] == "2026-03-05 的主题党日, 你被记为缺席 (由 王书记 补录)。"
    toast = await driver.press(SECRETARY, confirm, on=sheet)
    assert toast == Toast("这个选择已经做过了, 没有改动。", alert=True)
    assert len(await sheet_rows(driver)) == 4


async def test_the_card_pages_through_a_large_roster(driver: Driver) -> None:
    await add_members(driver, *(f"党员{n:02d}" for n in range(1, 11)))
    sheet = await card(driver)
    assert sheet.labels[:3] == ["下一页 ▶", "确认", "取消"] and len(sheet.labels) == 3 + 8
    assert "第 1/2 页" in sheet.lines
    await driver.press(SECRETARY, "下一页 ▶", on=sheet)
    assert "第 2/2 页" in sheet.lines and sheet.labels[0] == "◀ 上一页"
    assert sheet.labels[3:] == [f"党员{n:02d}: 到会" for n in range(5, 11)]
    await driver.press(SECRETARY, "党员10: 到会", on=sheet)
    await driver.press(SECRETARY, "党员10: 请假", on=sheet)
    await driver.press(SECRETARY, "◀ 上一页", on=sheet)
    assert "第 1/2 页" in sheet.lines and "缺席 (1): 党员10" in sheet.lines
    await driver.press(SECRETARY, "确认", on=sheet)
    assert [r[2] for r in await sheet_rows(driver) if r[3] == "absent"] == ["党员10"]


async def test_the_card_is_only_for_who_started_it_and_may_be_cancelled(driver: Driver) -> None:
    sheet = await card(driver)
    toast = await driver.press(RECORDER, sheet.data("李四: 到会"), on=sheet)
    assert toast == Toast("这张补录表是别人发起的, 只有发起人可以操作。", alert=True)
    [member] = await private(driver, ALICE, "补录 主题党日 3月5日")
    assert member.text == "只有支部书记/积分员/党委可以这样做。"
    assert await driver.press(SECRETARY, "取消", on=sheet) == Toast("")
    assert sheet.text == "已取消补录, 没有记录任何内容。"
    assert await sheet_rows(driver) == []
    # the meeting is still free to record, and a second card is refused once the first is confirmed
    first, second = await card(driver), await card(driver)
    await driver.press(SECRETARY, "确认", on=first)
    toast = await driver.press(SECRETARY, "确认", on=second)
    assert toast == Toast("2026-03-05 的主题党日已经记录过 (会议 #1), 没有重复记录", alert=True)
    assert len(await sheet_rows(driver)) == 4


async def test_an_exempt_member_is_not_on_the_sheet(driver: Driver) -> None:
    async with driver.world.db.uow() as uow:
        await uow.members.set_exempt(driver.world.ids[chatworld.ALICE], True)
        await uow.commit()
    [refused] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 张三")
    assert refused.lines[1] == "张三 不在 2026-03-05 的应到名单中 (免于积分、尚未转入或已转出)"
    [done] = await private(driver, SECRETARY, "补录 主题党日 3月5日 缺席 李四")
    assert done.lines[1] == "出席 (2): 王书记、赵积分员" and [r[2] for r in await sheet_rows(driver)] == [
        "王书记",
        "赵积分员",
        "李四",
    ]


async def test_help_tells_the_recorder_how_to_record(driver: Driver) -> None:
    [recorder] = await private(driver, RECORDER, "帮助")
    assert "积分员还可以:" in recorder.lines and any(
        line.startswith("· 补录 会议类型 日期") for line in recorder.lines
    )
    [member] = await private(driver, ALICE, "帮助")
    assert "积分员还可以:" not in member.lines
