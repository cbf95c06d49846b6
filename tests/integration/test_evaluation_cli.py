"""``partybot evaluation open|invite|status|close``: a democratic evaluation held in the chat,
followed from the command line (counts and who has not voted, never a score).

Plain sync tests: every handler runs its own ``asyncio.run``."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.storage.schema import EvaluationCode, EvaluationResult, EvaluationRow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli


def test_open_invite_status_and_close_from_the_command_line(cli: Cli) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "star-hundred")[0] == 0
    for name in ("张三", "李四"):
        assert cli("member", "add", "--branch", "1", name)[0] == 0
    deadline = (date.today() + timedelta(days=10)).isoformat()
    code, out, _ = cli("evaluation", "open", "--branch", "1", "--deadline", deadline)
    assert code == 0 and out.startswith(
        f"已发起第 1 次民主测评: 第一党支部 {date.today().year} 年, {deadline} 截止"
    )
    assert "测评 2 名党员, 至少 10 名群众代表" in out
    code, _out, err = cli("evaluation", "open", "--branch", "1", "--deadline", deadline)
    assert code == 1 and err.startswith("本支部已有一次民主测评在进行 (第 1 次")
    code, out, _ = cli("calendar", "show", "1")
    assert f"{date.today().year} 年民主测评: 进行中, {deadline} 截止 (当天 24 点)" in out
    code, out, _ = cli("evaluation", "invite", "--branch", "1", "--count", "3")
    codes = [line for line in out.splitlines() if re.fullmatch(r"[A-Z2-9]{8}", line)]
    assert code == 0 and len(set(codes)) == 3
    code, out, _ = cli("evaluation", "status", "--branch", "1")
    assert out.splitlines() == [
        f"第 1 次民主测评 (第一党支部 {date.today().year} 年, {deadline} 截止, 进行中): 党员 0/2 人投票, "
        "群众代表 0 人 (至少 10 人; 测评码发出 3 个, 已用 0 个)",
        "未投票的党员: 张三、李四",
    ]
    code, out, _ = cli("evaluation", "close", "--branch", "1")
    assert code == 0 and "已结束, 群众代表不足, 数据不全" in out
    assert "民主测评" not in cli("calendar", "show", "1")[1]
    code, _out, err = cli("evaluation", "status", "--branch", "1")
    assert code == 0
    code, _out, err = cli("evaluation", "open", "--branch", "1", "--deadline", "2020-01-01")
    assert code == 1 and "已经过了" in err

    async def look(uow: UnitOfWork) -> tuple[list[tuple[bool, bool]], int, int]:
        rows = (
            (await uow.session.execute(select(EvaluationRow.closed, EvaluationRow.incomplete))).tuples().all()
        )
        results = len((await uow.session.scalars(select(EvaluationResult))).all())
        codes = len((await uow.session.scalars(select(EvaluationCode))).all())
        return list(rows), results, codes

    assert cli.query(look) == ([(True, True)], 2 * 10, 3)


def test_help_names_every_action(cli: Cli) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("evaluation", "--help")
    assert exit_.value.code == 0
    out = cli.capsys.readouterr().out
    for action in ("open", "invite", "status", "close", "template", "import", "set"):
        assert re.search(rf"^\s+{action}\s+\S", out, re.M), action
