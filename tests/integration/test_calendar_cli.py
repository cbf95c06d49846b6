"""``partybot calendar show|set|reopen``: a branch's publicity calendar from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.storage.schema import AuditRow, PublicityWindow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli


async def _final_window(uow: UnitOfWork) -> None:
    moment = datetime(2026, 11, 2, 1, tzinfo=UTC)
    uow.session.add(PublicityWindow(
        branch_id=1, period="2026-10", kind="month", starts=date(2026, 10, 1), ends=date(2026, 10, 31),
        opens_at=moment, closes_at=moment, report={"members": []}, final_at=moment,
    ))  # fmt: skip
    await uow.commit()


async def _state(uow: UnitOfWork) -> tuple[datetime | None, list[tuple[str, str]]]:
    window = (await uow.session.scalars(select(PublicityWindow))).one()
    audit = (await uow.session.execute(select(AuditRow.action, AuditRow.actor))).tuples().all()
    return window.final_at, [(a, b) for a, b in audit]


def test_the_calendar_is_shown_set_and_a_final_period_reopened(cli: Cli) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "star-hundred")[0] == 0
    code, out, _ = cli("calendar", "show", "1")
    assert code == 0 and "公示: 每月、每季度、每年, 每期 7 天 (工作日)" in out and "(尚无公示)" in out
    code, out, _ = cli(
        "calendar", "set", "1", "--publicity", "grades", "--theme-day", "5", "--dues-day", "10"
    )
    assert (code, out.splitlines()[0]) == (0, "第一党支部: 群内公示 列出每人等次/星级")
    assert "主题党日 每月5日; 党费 每月10日; 待审核超期 关; 自行脱党审查提醒 开" in out
    code, out, _ = cli("calendar", "set", "1", "--theme-day", "0")
    assert code == 0 and "主题党日 关; 党费 每月10日" in out
    code, out, _ = cli("calendar", "set", "1", "--review-alerts", "off")
    assert code == 0 and "自行脱党审查提醒 关" in out
    with pytest.raises(SystemExit):
        cli("calendar", "set", "1", "--dues-day", "31")
    assert "应为 0 到 28 之间的整数" in cli.capsys.readouterr().err
    code, _, err = cli("calendar", "reopen", "1", "2026-10", "--reason", "漏记")
    assert code == 1 and "2026-10 不是已确定的期间" in err
    with pytest.raises(SystemExit):
        cli("calendar", "reopen", "1", "十月", "--reason", "漏记")
    assert "期间应写成 2026-11" in cli.capsys.readouterr().err
    cli.query(_final_window)
    code, out, _ = cli("calendar", "show", "1")
    assert "2026年10月: 已确定 (2026-11-02 09:00)" in out
    code, out, err = cli("calendar", "reopen", "1", "2026-10", "--reason", "漏记一次志愿服务")
    assert code == 0 and "2026年10月 已重新开放" in out
    final_at, audit = cli.query(_state)
    assert final_at is None and next(a for a in audit if a[0] == "publicity.reopened")[1].startswith("cli")


def test_a_meeting_is_scheduled_on_the_command_line_and_listed(cli: Cli) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "star-hundred")[0] == 0
    year = datetime.now(UTC).year + 1
    code, out, _ = cli(
        "calendar", "meeting", "--branch", "1", "--type", "general_meeting", "--at", f"{year}-03-15 19:00"
    )
    assert code == 0 and f"已安排支部党员大会: {year}-03-15 19:00" in out
    code, out, _ = cli("calendar", "show", "1")
    assert code == 0 and f"支部党员大会 {year}-03-15 19:00" in out
    code, _, err = cli(
        "calendar", "meeting", "--branch", "1", "--type", "general_meeting", "--at", f"{year}-03-15 08:00"
    )
    assert code == 1 and f"{year}-03-15 的支部党员大会已经安排过了" in err
    code, _, err = cli(
        "calendar", "meeting", "--branch", "1", "--type", "party_class", "--at", "2020-03-15 19:00"
    )
    assert code == 1 and "2020-03-15 19:00 已经过去" in err
    with pytest.raises(SystemExit):
        cli("calendar", "meeting", "--branch", "1", "--type", "general_meeting", "--at", "3月15日")
    assert "时间应写成" in cli.capsys.readouterr().err
