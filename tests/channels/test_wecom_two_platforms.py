"""One branch on two platforms: its secretary on WeCom (the intelligent robot, over the long
connection to the fake WeCom), its members on Telegram (the offline Bot API). A member claims on
Telegram, the secretary approves on WeCom, the member asks 我的积分 on Telegram."""

from __future__ import annotations

from pathlib import Path

from contract.driver import ALICE, GROUP, SECRETARY, Toast
from contract.flows import claim, claim_number, status
from contract.telegram_driver import TelegramDriver
from contract.wecom_driver import CHATS, USERS, LongConnectionDriver
from handlers import chatworld
from handlers.chatworld import make_chat_world
from sqlalchemy import delete

from bot.channels.wecom import protocol as p
from bot.media import MediaStore
from bot.storage import Database
from bot.storage.schema import Identity
from channels.wecom_fake import CORP


async def test_claim_on_telegram_approved_on_wecom_then_my_points_on_telegram(
    db: Database, tmp_path: Path
) -> None:
    world = await make_chat_world(db, platforms=("telegram", "wecom"), media=MediaStore(tmp_path / "media"))
    secretary = world.ids[chatworld.SECRETARY]
    async with db.uow() as uow:  # the secretary is on WeCom only; the branch has a WeCom group too
        await uow.session.execute(delete(Identity).where(Identity.member_id == secretary))
        await uow.members.link(secretary, p.PLATFORM, p.account(CORP, USERS[SECRETARY]))
        await uow.branches.bind_chat(world.branch_id, p.PLATFORM, p.account(CORP, CHATS[GROUP]))
        await uow.commit()
    telegram = await TelegramDriver.start(world)
    wecom = await LongConnectionDriver.start(world, link=False)
    try:
        card = await claim(telegram)  # 申报 in the Telegram group
        [there] = wecom.chat(GROUP)
        assert there.text == card.text and there.labels == ["通过", "驳回"]
        assert await wecom.press(SECRETARY, "通过", on=there) == Toast(f"已通过申报 {claim_number(card)}")
        assert status(there) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" and there.buttons == []
        telegram.chat(GROUP)  # what Telegram was asked meanwhile
        assert status(card) == status(there) and card.buttons == []
        [told] = telegram.chat(ALICE)
        assert status(told) == status(there)
        [mine] = await telegram.say(ALICE, "我的积分", private=True)
        assert mine.lines[0] == "张三 2026 年积分 (截至 2026-03-10): 13 分"
        assert await world.ledger() == [(world.ids[chatworld.ALICE], "volunteer", 1.0)]
        assert wecom.chat(SECRETARY) == []  # the secretary decided it; nothing else for them
    finally:
        await wecom.close()
        await telegram.close()
