"""公示栏 in the chat and on the clock: the publicity post carries the board's pages as the branch's
``publicity`` setting allows (the full board to the secretary only with ``notice``), and ``公示栏``
answers in the group as that setting shows, privately to the secretary with the full board, and in
text when no Chinese font is found."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.app import App, build
from bot.channels.console import ConsoleTransport
from bot.handlers import board as board_handler
from bot.handlers.router import handle
from bot.handlers.types import Attachment, Card, Incoming, Reply, Send, ToGroup, ToOrigin, ToRoles
from bot.media import MediaStore
from bot.reports import fonts
from bot.services.common import Context
from bot.storage import Database
from bot.storage.timeutil import local_zone, to_local
from bot.storage.uow import UnitOfWork
from integration.publicity_world import Moment, date_branch, schemes, set_branch
from integration.world import World

needs_font = pytest.mark.skipif(
    fonts.find_font() is None,
    reason="no font with Chinese glyphs on this machine (apt-get install fonts-wqy-microhei)",
)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=local_zone()).astimezone(UTC)  # type: ignore[misc]


class Recorded:
    """The app on a moved clock, with the replies each unit of work wrote as outbox rows."""

    def __init__(self, db: Database, moment: Moment, media: Path) -> None:
        self.app: App = build(
            db, ["console"], context=Context(db.uow, schemes), media=MediaStore(media), instance="one",
            today=lambda: to_local(moment.at).date(), now=moment.now,
        )  # fmt: skip
        self.app.add_transport(ConsoleTransport())
        self.replies: list[Reply] = []
        write = self.app.deps.outbox.write

        async def recording(uow: UnitOfWork, cause: str, replies: Sequence[Reply], *rest: Any) -> Any:
            self.replies += replies
            return await write(uow, cause, replies, *rest)

        self.app.deps.outbox.write = recording  # type: ignore[method-assign]
        self.updates = 0

    async def say(self, member_id: int | None, text: str, *, group: int | None = None) -> list[Reply]:
        self.replies, self.updates = [], self.updates + 1
        chat = str(-group) if group is not None else str(member_id)
        inc = Incoming("console", str(member_id), chat, group is None, text=text, update=str(self.updates))
        await handle(inc, self.app.deps)
        return self.replies

    def png(self, file: Attachment) -> Image.Image:
        data = self.app.media.read(file.sha256)
        assert data is not None, "the board is in the media store"
        return Image.open(io.BytesIO(data))


def files(replies: Sequence[Reply]) -> list[Send]:
    return [r for r in replies if isinstance(r, Send) and r.file is not None]


@needs_font
async def test_the_clock_posts_the_board_with_the_results(world: World, tmp_path: Path) -> None:
    await date_branch(world.db, world.branch_id)
    await set_branch(world.db, world.branch_id, publicity="scores", rank=True)
    bot = Recorded(world.db, Moment(local(2026, 2, 1, 10)), tmp_path)
    await bot.app.clock.tick()
    group = [r for r in bot.replies if isinstance(r, Send) and r.to == ToGroup(world.branch_id)]
    assert isinstance(group[0].body, Card) and group[0].body.key and group[0].file is None  # the card first
    page = group[1]  # then the board's page, captioned
    assert page.file is not None and page.file.mime == "image/png" and page.file.name == "公示栏-2026-01.png"
    assert page.body == "2026年1月积分公示栏"
    image = bot.png(page.file)
    assert image.format == "PNG" and image.width >= 1080
    assert not any(isinstance(r.to, ToRoles) for r in files(bot.replies))  # the group has it: no private copy


@needs_font
async def test_with_notice_only_the_secretary_gets_the_board(world: World, tmp_path: Path) -> None:
    await date_branch(world.db, world.branch_id)  # the default setting: notice
    bot = Recorded(world.db, Moment(local(2026, 2, 1, 10)), tmp_path)
    await bot.app.clock.tick()
    sent = files(bot.replies)
    assert sent and all(r.to == ToRoles(world.branch_id, ("secretary",)) for r in sent)
    assert isinstance(sent[0].body, str) and "完整公示栏" in sent[0].body


@needs_font
async def test_board_in_the_group_and_privately(world: World, tmp_path: Path) -> None:
    db, branch = world.db, world.branch_id
    alice, sec = world.alice.member_id, world.secretary.member_id
    await date_branch(db, branch)
    bot = Recorded(db, Moment(local(2026, 2, 1, 10)), tmp_path)
    assert "还没有公示过积分" in str((await bot.say(alice, "公示栏", group=branch))[0].body)
    await bot.app.clock.tick()

    said = await bot.say(alice, "公示栏", group=branch)  # notice: no one's result in the group
    assert [r.body for r in said] == [board_handler.t("board.notice_group")]
    said = await bot.say(alice, "/board")
    assert [r.body for r in said] == [board_handler.t("board.notice_member")]
    said = await bot.say(sec, "公示栏")  # the secretary, privately: the full board
    assert len(files(said)) == 1 and files(said)[0].to == ToOrigin() and "完整公示栏" in str(said[0].body)
    assert bot.png(files(said)[0].file or Attachment("", "", "")).width >= 1080

    await set_branch(db, branch, publicity="grades")
    said = await bot.say(alice, "公示栏 2026-01", group=branch)
    assert len(files(said)) == 1 and said[0].body == "2026年1月积分公示栏"
    said = await bot.say(alice, "公示栏 1月", group=branch)  # as people say it
    assert len(files(said)) == 1 and said[0].body == "2026年1月积分公示栏"

    said = await bot.say(alice, "公示栏 2026-05", group=branch)
    assert "2026-05 没有公示记录" in str(said[0].body) and "公示栏 2026-01" in str(said[0].body)
    said = await bot.say(alice, "公示栏 三月", group=branch)
    assert "用法: 公示栏 [期间]" in str(said[0].body)


async def test_without_a_chinese_font_the_board_is_text(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_handler, "board_font", lambda: None)
    await date_branch(world.db, world.branch_id)
    await set_branch(world.db, world.branch_id, publicity="grades")
    bot = Recorded(world.db, Moment(local(2026, 2, 1, 10)), tmp_path)
    await bot.app.clock.tick()
    assert bot.replies and not files(bot.replies)  # the post goes out as before, text only
    said = await bot.say(world.alice.member_id, "公示栏", group=world.branch_id)
    assert len(said) == 1 and isinstance(said[0].body, Card)
    card = said[0].body
    assert card.title == "第一党支部 2026年1月积分公示"
    assert [f.label for f in card.fields] == ["书记", "积分员", "张三", "李四"]  # roster order
    assert not any("分" in f.value for f in card.fields)  # grades: no one's score in the group
