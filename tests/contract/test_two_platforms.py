"""One branch on two platforms: Telegram, and a second platform (``wecom-test``, an in-memory
transport). The member claims on Telegram; the secretary, linked only on the second platform,
gets the card there and decides it there; the member hears the outcome on Telegram, and every
copy of the card, on both platforms, shows it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers import chatworld
from handlers.chatworld import make_chat_world
from sqlalchemy import delete

from bot.app import App
from bot.channels.render import text_of
from bot.delivery import Bucket
from bot.handlers.router import handle
from bot.handlers.types import Incoming, body_of
from bot.storage import Database
from bot.storage.outbox import Outgoing
from bot.storage.schema import Identity
from contract.driver import ALICE, GROUP, RECORDER, SECRETARY, Toast
from contract.flows import claim, claim_number, status
from contract.telegram_driver import TelegramDriver

OTHER = "wecom-test"
ROOM, ACCOUNT = "room", "acct-secretary"


@dataclass
class MemoryTransport:
    """A platform that keeps what it was asked to show: messages by chat (text as rendered,
    button data), the answers to presses."""

    platform: str = OTHER
    messages: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # id -> (chat, text, data)
    answers: list[tuple[str, str]] = field(default_factory=list)  # (press, text)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def buckets(self, row: Outgoing) -> Sequence[Bucket]:
        return ()

    async def deliver(self, row: Outgoing) -> list[tuple[str, str]]:
        payload = row.payload
        if row.kind == "answer":
            self.answers.append((str(payload["press"]), str(payload.get("text") or "")))
            return []
        body = body_of(payload)
        data = [a.data for a in getattr(body, "actions", ())]
        if row.kind == "refresh":
            for chat, message in payload["copies"]:
                self.messages[str(message)] = (str(chat), text_of(body), data)
            return []
        if row.kind == "show":
            self.messages[str(payload["message"])] = (row.chat, text_of(body), data)
            return [(row.chat, str(payload["message"]))]
        message = f"m{next(self._ids)}"
        self.messages[message] = (row.chat, text_of(body), data)
        return [(row.chat, message)]

    def chat(self, chat: str) -> list[tuple[str, str, list[str]]]:
        return [(m, text, data) for m, (c, text, data) in self.messages.items() if c == chat]


async def two_platforms(db: Database) -> tuple[TelegramDriver, MemoryTransport, App]:
    world = await make_chat_world(db, platforms=("telegram", OTHER))
    async with db.uow() as uow:
        secretary = world.ids[chatworld.SECRETARY]
        await uow.session.execute(delete(Identity).where(Identity.member_id == secretary))
        await uow.members.link(secretary, OTHER, ACCOUNT)
        await uow.branches.bind_chat(world.branch_id, OTHER, ROOM)
        await uow.commit()
    telegram = await TelegramDriver.start(world)
    other = MemoryTransport()
    world.app.add_transport(other)
    return telegram, other, world.app


_updates = itertools.count(1)


async def press_there(app: App, chat: str, data: str, message: str) -> None:
    n = next(_updates)
    inc = Incoming(
        OTHER,
        ACCOUNT,
        chat,
        chat == ACCOUNT,
        "王书记",
        data=data,
        message=message,
        update=f"u{n}",
        press=f"p{n}",
    )
    await handle(inc, app.deps)


async def test_the_card_reaches_the_other_platforms_group_and_is_decided_there(db: Database) -> None:
    telegram, other, app = await two_platforms(db)
    card = await claim(telegram)
    [(message, text, data)] = other.chat(ROOM)
    assert text == card.text and data == [f"a:{claim_number(card)}", f"r:{claim_number(card)}"]
    await press_there(app, ROOM, data[0], message)
    assert other.answers == [(f"p{next(_updates) - 1}", f"已通过申报 {claim_number(card)}")]
    telegram.chat(GROUP)  # read what Telegram was asked meanwhile
    assert status(card) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" and card.buttons == []
    [(_, text, data)] = other.chat(ROOM)
    assert text == card.text and data == []
    [told] = telegram.chat(ALICE)
    assert status(told) == status(card)
    assert other.chat(ACCOUNT) == []  # the secretary decided it; nothing else for them
    await telegram.close()


async def test_private_approvals_reach_the_secretary_on_the_other_platform(db: Database) -> None:
    telegram, other, app = await two_platforms(db)
    await telegram.world.set_branch(approvals="private")
    sent, copy = await telegram.say(ALICE, "申报 志愿服务 3月5日")
    assert sent.where == GROUP and sent.text.startswith("已收到申报 ")
    assert copy.where == RECORDER and copy.labels == ["通过", "驳回"]
    [(message, text, data)] = other.chat(ACCOUNT)
    assert text == copy.text and other.chat(ROOM) == [] and telegram.chat(SECRETARY) == []
    await press_there(app, ACCOUNT, data[0], message)
    assert other.answers[-1][1].startswith("已通过申报 ")
    [(_, text, data)] = other.chat(ACCOUNT)
    assert "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in text.splitlines() and data == []
    telegram.chat(RECORDER)  # read what Telegram was asked meanwhile
    assert status(copy) == "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" and copy.buttons == []
    [told] = telegram.chat(ALICE)
    assert status(told) == status(copy)
    assert await telegram.press(RECORDER, data[0] if data else "a:1", on=copy) == Toast(
        "已处理: 这条申报已通过, 没有任何改动。", alert=True
    )
    await telegram.close()
