"""A branch bound to a Telegram group, with linked accounts, for the chat tests."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build
from bot.handlers.context import Deps
from bot.media import MediaStore
from bot.scoring.loader import load_scheme_text
from bot.scoring.model import Scheme
from bot.services.common import Context
from bot.storage import Database, open_database
from bot.storage.schema import MemberRow

SCHEME_TOML = """
id = "chat-test"
name = "测试方案"
kind = "additive"
base = 12
approvers = ["secretary", "recorder"]
[[items]]
code = "volunteer"
name = "志愿服务"
kind = "bonus"
points = 1
clause = "二(二)2(2) 每次加1分"
aliases = ["志愿者", "义务劳动"]
[[items]]
code = "key_work"
name = "重点工作"
kind = "bonus"
min = 1
max = 3
aliases = ["乡村振兴"]
lead_multiplier = 2
[[items]]
code = "award_township"
name = "受乡级表彰"
kind = "bonus"
points = 2
aliases = ["表彰"]
[[items]]
code = "award_county"
name = "受县级表彰"
kind = "bonus"
points = 3
aliases = ["表彰"]
[[items]]
code = "absent_theme_day"
name = "无故缺席主题党日"
kind = "deduction"
points = -2
source = "attendance"
status = "absent"
meetings = ["theme_day"]
clause = "缺席一次减2分"
[[items]]
code = "dues_late"
name = "不按时交纳党费"
kind = "deduction"
points = -3
source = "recorder"
clause = "不按时足额交纳党费一次减3分"
aliases = ["党费", "迟交党费"]
"""

TODAY = date(2026, 3, 10)
GROUP = "-1001"
#: Telegram user ids of the people in the branch; STRANGER is linked to nobody.
SECRETARY, RECORDER, ALICE, BOB, STRANGER = "100", "101", "200", "201", "999"


def chat_scheme() -> Scheme:
    return load_scheme_text(SCHEME_TOML, "chat-test.toml")


@dataclass
class Clock:
    """The handlers' clock: 10:00 in Shanghai on TODAY, moved on by the tests."""

    moment: datetime = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, minutes: int) -> None:
        self.moment += timedelta(minutes=minutes)


@dataclass
class ChatWorld:
    db: Database
    app: App
    branch_id: int
    ids: dict[str, int]
    clock: Clock = field(default_factory=Clock)

    @property
    def deps(self) -> Deps:
        return self.app.deps

    async def ledger(self) -> list[tuple[int, str, float]]:
        """(member id, item, points) of every ledger entry."""
        rows = []
        async with self.db.uow() as uow:
            for member_id in self.ids.values():
                rows += [(e.member_id, e.item, e.points) for e in await uow.ledger.of_member(member_id)]
        return sorted(rows)

    async def status(self, claim_id: int) -> str:
        async with self.db.uow() as uow:
            return await uow.claims.status(claim_id)

    async def set_branch(self, **settings: object) -> None:
        async with self.db.uow() as uow:
            branch = await uow.branches.get(self.branch_id)
            assert branch is not None
            branch.settings = {**branch.settings, **settings}
            await uow.commit()


async def make_chat_world(
    db: Database, platforms: tuple[str, ...] = ("telegram",), media: MediaStore | None = None
) -> ChatWorld:
    scheme = chat_scheme()
    async with db.uow() as uow:
        branch = await uow.branches.add("第一党支部", "chat-test")
        await uow.branches.bind_chat(branch.id, "telegram", GROUP)
        ids: dict[str, int] = {}
        for account, name in ((SECRETARY, "王书记"), (RECORDER, "赵积分员"), (ALICE, "张三"), (BOB, "李四")):
            member = await uow.members.add(MemberRow(branch_id=branch.id, name=name))
            await uow.members.link(member.id, "telegram", account)
            ids[account] = member.id
        await uow.members.grant(ids[SECRETARY], "secretary", branch_id=branch.id)
        await uow.members.grant(ids[RECORDER], "recorder", branch_id=branch.id)
        await uow.commit()
    clock = Clock()
    app = build(
        db, platforms, context=Context(db.uow, lambda _id: scheme), media=media or MediaStore(db_folder(db) / "media"),
        instance="test", today=lambda: TODAY, now=clock.now,
    )  # fmt: skip
    return ChatWorld(db, app, branch.id, ids, clock)


def db_folder(db: Database) -> Path:
    """The folder of a SQLite database file (a temporary folder for other databases)."""
    url = db.engine.url
    name = url.database if url.get_backend_name() == "sqlite" else None  # PostgreSQL's is a name, not a path
    return Path(name).parent if name and name != ":memory:" else Path(tempfile.mkdtemp())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite database, migrated to head (shared by the handler and channel suites)."""
    database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(db: Database) -> ChatWorld:
    return await make_chat_world(db)
