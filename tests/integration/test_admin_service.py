"""``AdminService`` directly: the checks the command line cannot reach (its argument choices stop them
first), each refusal writing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.i18n import set_locale
from bot.services.admin import AdminService, NewMember, parse_day
from bot.services.common import Actor, Context
from bot.services.errors import Forbidden, Invalid
from bot.services.policy import settings_of
from bot.storage import Database
from bot.storage.schema import AuditRow, Branch
from integration.world import schemes

OPERATOR = Actor(None, "cli:王书记")


@pytest.fixture
def admin(db: Database) -> AdminService:
    set_locale("zh-CN")
    return AdminService(Context(db.uow, schemes))


async def _audit(db: Database) -> list[str]:
    async with db.uow() as uow:
        return [a.action for a in (await uow.session.scalars(select(AuditRow).order_by(AuditRow.id))).all()]


async def test_an_unknown_setting_value_is_refused_naming_the_setting(
    admin: AdminService, db: Database
) -> None:
    branch = await admin.add_branch(OPERATOR, "第一党支部", "tiny")
    with pytest.raises(Invalid) as exc:
        await admin.settings(OPERATOR, branch.id, {"approvals": "everyone"})
    assert exc.value.message == "支部设置 approvals 的值 “everyone” 无效, 应为 group/private"
    with pytest.raises(Invalid) as exc:
        await admin.settings(OPERATOR, branch.id, {"rank": "maybe"})
    assert exc.value.message == "支部设置 rank 的值 “maybe” 无效, 应为 on/off"
    with pytest.raises(Invalid) as exc:
        await admin.settings(OPERATOR, branch.id, {"colour": "red"})
    assert (
        exc.value.message
        == "没有名为 “colour” 的支部设置。可用设置: approvals/rank/online/confirm_records/publicity/theme_day/dues_day/pending_days/review_alerts/returns_alerts/followup_alerts"
    )
    assert await _audit(db) == ["branch.add"]

    view = await admin.settings(OPERATOR, branch.id, {"rank": "on", "approvals": "private"})
    assert (view.settings.rank, view.settings.approvals, view.changed) == (True, "private", True)
    async with db.uow() as uow:
        stored = await uow.session.get(Branch, branch.id)
        assert stored is not None and settings_of(stored) == view.settings


async def test_a_member_in_a_chat_cannot_administer(admin: AdminService, db: Database) -> None:
    branch = await admin.add_branch(OPERATOR, "第一党支部", "tiny")
    member = Actor(1, "张三")
    for call in (
        admin.add_branch(member, "第二党支部", "tiny"),
        admin.settings(member, branch.id, {"rank": True}),
        admin.add_member(member, branch.id, NewMember("李四")),
        admin.set_role(member, branch.id, "李四", "secretary"),
        admin.set_exempt(member, branch.id, "李四", "年老体弱"),
    ):
        with pytest.raises(Forbidden):
            await call
    assert await _audit(db) == ["branch.add"]


async def test_unknown_roles_and_empty_names_are_refused(admin: AdminService, db: Database) -> None:
    branch = await admin.add_branch(OPERATOR, "第一党支部", "tiny")
    await admin.add_member(OPERATOR, branch.id, NewMember("张三"))
    with pytest.raises(Invalid, match="没有角色 “chairman”"):
        await admin.set_role(OPERATOR, branch.id, "张三", "chairman")
    with pytest.raises(Invalid):
        await admin.add_branch(OPERATOR, "  ", "tiny")
    with pytest.raises(Invalid):
        await admin.add_member(OPERATOR, branch.id, NewMember(" "))
    assert await _audit(db) == ["branch.add", "member.add"]


def test_parse_day() -> None:
    assert parse_day(None) is None and parse_day("") is None
    assert str(parse_day("2020-07-01")) == "2020-07-01"
    with pytest.raises(Invalid):
        parse_day("2020/07/01")
