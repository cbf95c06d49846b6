"""Test helpers for the storage suite: a tiny scheme and a branch with people in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.scoring.loader import load_scheme_text
from bot.scoring.model import Scheme
from bot.services.claims import ClaimService
from bot.services.common import Actor, Context
from bot.services.ledger import LedgerService
from bot.storage import Database
from bot.storage.schema import MemberRow

SCHEME_TOML = """
id = "tiny"
name = "测试方案"
kind = "additive"
base = 12
approvers = ["secretary", "committee"]
[categories]
rural = "农村"
community = "社区"
[veto]
grade = "不合格"
[[items]]
code = "volunteer"
name = "志愿服务"
kind = "bonus"
points = 1
per = "month"
[[items]]
code = "key_work"
name = "重点工作"
kind = "bonus"
min = 1
max = 3
[[items]]
code = "dues_late"
name = "不按时交纳党费"
kind = "deduction"
points = -3
source = "recorder"
[[items]]
code = "absent"
name = "缺席"
kind = "deduction"
points = -2
source = "attendance"
status = "absent"
meetings = ["theme_day"]
"""


def tiny_scheme() -> Scheme:
    return load_scheme_text(SCHEME_TOML, "tiny.toml")


def schemes(_scheme_id: str) -> Scheme:
    return tiny_scheme()


@dataclass
class Target:
    """Where a test's database lives: the URL and the connect arguments (PG: the schema)."""

    url: str
    connect_args: dict[str, object]


@dataclass
class World:
    """A branch with a secretary, a recorder and two members, and the services on top."""

    db: Database
    branch_id: int
    secretary: Actor
    recorder: Actor
    alice: Actor
    bob: Actor
    claims: ClaimService
    ledger: LedgerService


async def add_member(db: Database, branch_id: int, name: str, **fields: object) -> Actor:
    async with db.uow() as uow:
        row = await uow.members.add(MemberRow(branch_id=branch_id, name=name, **fields))
        await uow.commit()
        return Actor(row.id, f"member:{row.id}")


async def make_world(db: Database) -> World:
    async with db.uow() as uow:
        committee = await uow.branches.committee("某镇党委", create=True)
        assert committee is not None
        branch = await uow.branches.add("第一党支部", "tiny", committee.id)
        await uow.commit()
    sec, rec = await add_member(db, branch.id, "书记"), await add_member(db, branch.id, "积分员")
    alice, bob = await add_member(db, branch.id, "张三", code="001"), await add_member(db, branch.id, "李四")
    async with db.uow() as uow:
        await uow.members.grant(sec.member_id or 0, "secretary", branch_id=branch.id)
        await uow.members.grant(rec.member_id or 0, "recorder", branch_id=branch.id)
        await uow.commit()
    ctx = Context(db.uow, schemes)
    return World(db, branch.id, sec, rec, alice, bob, ClaimService(ctx), LedgerService(ctx))


DAY = date(2026, 3, 5)
