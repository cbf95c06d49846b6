"""申报 and its approval card: claim, photo, item pick, approve, reject, adjust, withdraw, second press.

Every flow here runs for every driver (see ``conftest.py``)."""

from __future__ import annotations

from hashlib import sha256

from contract.driver import ALICE, BOB, GROUP, RECORDER, SECRETARY, STRANGER, Driver, Toast
from contract.flows import claim, claim_number, status


async def test_a_claim_posts_the_approval_card_in_the_group(driver: Driver) -> None:
    card = await claim(driver)
    assert card.lines == [
        f"📝 积分申报 #{claim_number(card)}", "申报人: 张三", "事项: 志愿服务 (1 分)", "日期: 2026-03-05",
        "说明: 社区清扫", "依据: 二(二)2(2) 每次加1分", "状态: 待审核",
    ]  # fmt: skip
    assert driver.chat(ALICE) == [] and driver.chat(SECRETARY) == []
    assert await driver.world.status(claim_number(card)) == "pending"


async def test_the_secretary_approves_every_copy_shows_it_and_the_member_is_told(driver: Driver) -> None:
    card = await claim(driver)
    toast = await driver.press(SECRETARY, "通过", on=card)
    assert toast == Toast(f"已通过申报 {claim_number(card)}")
    assert status(card) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" and card.buttons == []
    [told] = driver.chat(ALICE)
    assert status(told) == status(card) and told.buttons == []
    assert await driver.world.ledger() == [(driver.world.ids["200"], "volunteer", 1.0)]


async def test_a_second_press_is_already_decided_and_changes_nothing(driver: Driver) -> None:
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    shown, told = card.text, len(driver.chat(ALICE))
    for who, button in ((RECORDER, "a"), (SECRETARY, "r"), (SECRETARY, "j")):
        toast = await driver.press(who, f"{button}:{claim_number(card)}", on=card)  # the old card's buttons
        assert toast == Toast("已处理: 这条申报已通过, 没有任何改动。", alert=True)
    assert card.text == shown and card.buttons == [] and len(driver.chat(ALICE)) == told
    assert len(await driver.world.ledger()) == 1


async def test_reject_with_a_preset_reason(driver: Driver) -> None:
    card = await claim(driver)
    assert await driver.press(RECORDER, "驳回", on=card) == Toast("")
    assert card.lines[-1] == f"请选择驳回原因, 或发送: 驳回 {claim_number(card)} 原因"
    assert card.labels == ["证明材料不足", "不符合该积分项", "日期或内容有误", "其他原因, 请当面说明", "返回"]
    await driver.press(RECORDER, "返回", on=card)
    assert card.labels == ["通过", "驳回"]
    await driver.press(RECORDER, "驳回", on=card)
    toast = await driver.press(RECORDER, "证明材料不足", on=card)
    assert toast == Toast(f"已驳回申报 {claim_number(card)}")
    assert status(card) == "状态: ❌ 已驳回 (审核人: 赵积分员, 原因: 证明材料不足)" and card.buttons == []
    [told] = driver.chat(ALICE)
    assert status(told) == status(card)
    assert await driver.world.ledger() == []


async def test_reject_by_command_with_a_reason_in_own_words(driver: Driver) -> None:
    card = await claim(driver)
    done, told = await driver.say(SECRETARY, f"驳回 {claim_number(card)} 照片看不清")
    assert done.where == GROUP and done.text == f"已驳回申报 {claim_number(card)}"
    assert status(card) == "状态: ❌ 已驳回 (审核人: 王书记, 原因: 照片看不清)"
    assert told.where == ALICE and status(told) == status(card)
    [usage] = await driver.say(SECRETARY, "驳回 照片看不清")
    assert usage.text == "用法: 驳回 申报编号 原因, 例如: 驳回 12 照片看不清"
    [again] = await driver.say(SECRETARY, f"/reject {claim_number(card)} 再驳回一次")
    assert again.text == "已处理: 这条申报已驳回, 没有任何改动。"
    assert "原因: 照片看不清" in status(card)


async def test_adjust_points_of_a_ranged_item(driver: Driver) -> None:
    card = await claim(driver, "申报 乡村振兴 3月6日 产业帮扶")
    assert "事项: 重点工作 (1 分)" in card.lines
    await driver.press(SECRETARY, "调整分值", on=card)
    assert card.lines[-1] == "请选择分值 (1 到 3 分):" and card.labels == ["1", "2", "3", "返回"]
    toast = await driver.press(SECRETARY, "3", on=card)
    assert toast == Toast(f"已通过申报 {claim_number(card)}")
    assert status(card) == "状态: ✅ 已通过 (审核人: 王书记, 计 3 分)"
    assert await driver.world.ledger() == [(driver.world.ids["200"], "key_work", 3.0)]


async def test_fixed_points_cannot_be_adjusted(driver: Driver) -> None:
    card = await claim(driver)
    assert card.labels == ["通过", "驳回"]  # nothing to adjust on a fixed-point item: no such button
    toast = await driver.press(SECRETARY, f"j:{claim_number(card)}", on=card)  # an older card's button
    assert toast == Toast("该积分项分值固定为 1 分, 不能调整。", alert=True)
    assert status(card) == "状态: 待审核" and card.labels == ["通过", "驳回"]


async def test_a_member_cannot_approve_nor_an_unlinked_account(driver: Driver) -> None:
    card = await claim(driver)
    assert await driver.press(BOB, "通过", on=card) == Toast("只有支部书记/积分员可以审核。", alert=True)
    assert await driver.press(BOB, "驳回", on=card) == Toast("只有支部书记/积分员可以审核。", alert=True)
    assert await driver.press(STRANGER, "通过", on=card) == Toast(
        "你的账号尚未关联党员名册, 不能审核。", alert=True
    )
    assert status(card) == "状态: 待审核" and card.edits == 0
    assert await driver.world.status(claim_number(card)) == "pending" and await driver.world.ledger() == []


async def test_nobody_approves_their_own_claim(driver: Driver) -> None:
    card = await claim(driver, who=SECRETARY)
    assert await driver.press(SECRETARY, "通过", on=card) == Toast("不能审批自己的申报", alert=True)
    assert status(card) == "状态: 待审核"
    await driver.press(RECORDER, "通过", on=card)
    assert status(card) == "状态: ✅ 已通过 (审核人: 赵积分员, 计 1 分)"


async def test_a_photo_claim_and_the_same_photo_again_is_refused(driver: Driver) -> None:
    card = await claim(driver, "申报 志愿服务 3月5日", photo=b"JPEG: the clean-up")
    assert "凭证: 1 张图片" in card.lines
    [refused] = await driver.say(ALICE, "申报 受乡级表彰 3月6日", photo=b"JPEG: the clean-up")
    assert refused.where == GROUP and refused.buttons == []
    assert (
        refused.text
        == f"重复申报: 已有申报 {claim_number(card)} (状态: 待审核) 为同一事项、同一日期或同一凭证"
    )
    [other] = await driver.say(ALICE, "申报 受乡级表彰 3月6日", photo=b"JPEG: the award")
    assert claim_number(other) == claim_number(card) + 1


async def test_the_same_item_on_the_same_day_is_refused(driver: Driver) -> None:
    card = await claim(driver)
    [refused] = await driver.say(ALICE, "申报 志愿服务 3月5日 又一次")
    assert refused.text.startswith(f"重复申报: 已有申报 {claim_number(card)}")


async def test_an_ambiguous_item_is_picked_by_the_claimant_once(driver: Driver) -> None:
    [picker] = await driver.say(ALICE, "申报 表彰 3月5日")
    assert picker.text == "没有找到唯一对应的积分项, 请选择:"
    assert picker.labels == ["受乡级表彰", "受县级表彰", "取消"]
    toast = await driver.press(BOB, "受县级表彰", on=picker)
    assert toast == Toast("这是别人的申报, 只有申报人可以选择。", alert=True)
    assert picker.labels == ["受乡级表彰", "受县级表彰", "取消"]
    first = picker.data("受县级表彰")
    assert await driver.press(ALICE, "受县级表彰", on=picker) == Toast("")
    assert picker.text.startswith("📝 积分申报 #") and "事项: 受县级表彰 (3 分)" in picker.lines
    assert picker.labels == ["通过", "驳回"]
    toast = await driver.press(ALICE, first, on=picker)  # the picker's button pressed again
    assert toast == Toast("这个选择已经做过了, 没有改动。", alert=True)
    assert len(await driver.world.deps.chat.pending(driver.world.branch_id)) == 1
    await driver.press(SECRETARY, "通过", on=picker)
    assert status(picker) == "状态: ✅ 已通过 (审核人: 王书记, 计 3 分)" and picker.buttons == []
    assert await driver.world.ledger() == [(driver.world.ids["200"], "award_county", 3.0)]


async def test_a_claim_without_an_item_offers_every_item(driver: Driver) -> None:
    [picker] = await driver.say(ALICE, "申报")
    assert picker.text == "请写明申报的事项, 例如: 申报 志愿服务 3月5日 社区清扫。也可以直接选择:"
    assert picker.labels == ["志愿服务", "重点工作", "受乡级表彰", "受县级表彰", "取消"]


async def test_future_bad_and_closed_dates_are_refused(driver: Driver) -> None:
    [future] = await driver.say(ALICE, "申报 志愿服务 3月12日")
    assert future.text == "日期 2026-03-12 还没到, 不能申报。"
    [bad] = await driver.say(ALICE, "申报 志愿服务 2月30日")
    assert bad.text == "日期看不懂或这一天不存在, 没有提交申报。请写成 2026-03-05、3月5日 或 三月五日。"
    [closed] = await driver.say(ALICE, "申报 志愿服务 2025年3月5日")
    assert closed.text == "日期 2025-03-05 不在当前积分周期 (2026 年) 内, 不能申报。"
    assert await driver.world.ledger() == []
    assert await driver.world.deps.chat.pending(driver.world.branch_id) == []


async def test_withdraw_by_number_only_the_claimant(driver: Driver) -> None:
    card = await claim(driver)
    number = claim_number(card)
    [refused] = await driver.say(BOB, f"撤回 {number}")
    assert refused.text == f"只能撤回自己的申报 ({number})"
    assert status(card) == "状态: 待审核"
    [done] = await driver.say(ALICE, f"撤回 {number}")
    assert done.text == f"已撤回申报 #{number}。"
    assert status(card) == "状态: 已撤回" and card.buttons == []
    [again] = await driver.say(ALICE, f"撤回 #{number}")
    assert again.text == f"申报 #{number} 已经撤回了, 不用再撤回。"
    assert await driver.world.status(number) == "withdrawn"


async def test_withdraw_by_button_only_the_claimant(driver: Driver) -> None:
    card = await claim(driver)
    number = claim_number(card)
    [picker] = await driver.say(ALICE, "撤回")
    assert picker.text == "请点选要撤回的申报 (只能撤回还没审核的):"
    assert picker.labels == [f"撤回 #{number} 志愿服务 2026-03-05 社区清扫"]
    assert await driver.press(BOB, picker.labels[0], on=picker) == Toast(
        f"只能撤回自己的申报 ({number})", alert=True
    )
    assert status(card) == "状态: 待审核"
    assert await driver.press(ALICE, picker.labels[0], on=picker) == Toast("")
    assert picker.text == f"已撤回申报 #{number}。" and picker.buttons == []
    assert status(card) == "状态: 已撤回"
    [none] = await driver.say(ALICE, "撤回")
    assert none.text == "你没有待审核的申报, 没有可以撤回的。"


async def test_an_approved_claim_cannot_be_withdrawn(driver: Driver) -> None:
    card = await claim(driver)
    await driver.press(SECRETARY, "通过", on=card)
    [refused] = await driver.say(ALICE, f"撤回 {claim_number(card)}")
    assert refused.text.startswith(f"申报 #{claim_number(card)} 已通过, 不能撤回")
    assert len(await driver.world.ledger()) == 1


async def test_stale_or_forged_button_data_is_refused(driver: Driver) -> None:
    card = await claim(driver)
    for data in ("zz:1", "a:", "a:notanumber", "r:1:99", f"a:{claim_number(card) + 50}"):
        toast = await driver.press(SECRETARY, data, on=card)
        assert toast.alert and toast.text in (
            "这个按钮已失效。",
            f"没有编号为 {claim_number(card) + 50} 的申报",
        ), data
    assert status(card) == "状态: 待审核" and await driver.world.ledger() == []


async def test_private_approvals_send_the_card_to_each_approver(driver: Driver) -> None:
    await driver.world.set_branch(approvals="private")
    sent, *_ = await driver.say(ALICE, "申报 志愿服务 3月5日", photo=b"JPEG: evidence")
    assert (
        sent.where == GROUP and sent.text.startswith("已收到申报 ") and sent.text.endswith("已发给审核人。")
    )
    photo, card = driver.chat(SECRETARY)
    assert photo.photo and sha256(b"JPEG: evidence").hexdigest().startswith(photo.sha) and photo.sha
    assert card.labels == ["通过", "驳回"]
    [photo2, copy] = driver.chat(RECORDER)
    assert photo2.photo and copy.text == card.text
    assert driver.chat(ALICE) == []
    await driver.press(SECRETARY, "通过", on=card)
    assert status(card) == status(copy) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)"
    assert copy.buttons == []
    [told] = driver.chat(ALICE)
    assert status(told) == status(card)
