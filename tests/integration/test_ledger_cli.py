"""``partybot ledger add|correct|list``: recording for members, corrections and a member's entries
from the command line, as a township organizer or a secretary at a computer types them."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import LedgerEntry
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli


def _setup(cli: Cli) -> None:
    assert cli("branch", "add", "第一党支部", "--scheme", "twelve-point")[0] == 0
    for name in ("张三", "李四"):
        assert cli("member", "add", "--branch", "1", name)[0] == 0


async def _entries(uow: UnitOfWork) -> list[tuple[int, int, str, float, int | None, str]]:
    rows = (await uow.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))).all()
    return [(e.id, e.member_id, e.item, e.points, e.reverses_id, e.reason) for e in rows]


def test_a_batch_is_recorded_for_every_member_or_for_none(cli: Cli) -> None:
    _setup(cli)
    code, out, err = cli("ledger", "add", "--branch", "1", "--item", "dues_late", "--member", "张三", "--member", "王五",
                         "--date", "2026-03-01", "--reason", "3月党费未交")  # fmt: skip
    assert code == 1 and "党支部 1 的名册中没有 “王五”" in err and cli.query(_entries) == []
    code, out, err = cli("ledger", "add", "--branch", "1", "--item", "dues_late", "--member", "张三", "--member", "2",
                         "--date", "2026-03-01", "--reason", "3月党费未交")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == "已记分: 不按时足额交纳党费 -3, 2026-03-01: 张三 #1, 李四 #2"
    code, _, err = cli("ledger", "add", "--branch", "1", "--item", "dues_late", "--member", "张三",
                       "--date", "2026-03-01", "--reason", "again")  # fmt: skip
    assert code == 1 and "已有一条 “不按时足额交纳党费” 记录 (#1)" in err
    code, _, err = cli("ledger", "add", "--branch", "1", "--item", "improper_conduct", "--member", "李四",
                       "--points", "20", "--date", "2026-03-02", "--reason", "酗酒")  # fmt: skip
    assert code == 1 and "分值在 -12 到 -2 之间, 收到 -20" in err
    code, _, err = cli("ledger", "add", "--branch", "1", "--item", "absent_org_life", "--member", "李四",
                       "--date", "2026-03-02", "--reason", "缺席")  # fmt: skip
    assert code == 1 and "不能以这种方式录入" in err
    assert [(m, i, p) for _, m, i, p, _, _ in cli.query(_entries)] == [
        (1, "dues_late", -3.0),
        (2, "dues_late", -3.0),
    ]


def test_correct_reverses_and_records_the_right_entry_and_list_shows_both(cli: Cli) -> None:
    _setup(cli)
    cli("ledger", "add", "--branch", "1", "--item", "improper_conduct", "--member", "李四", "--points", "4",
        "--date", "2026-03-02", "--reason", "酗酒")  # fmt: skip
    code, out, err = cli("ledger", "correct", "1", "--points", "-6", "--reason", "情节较重")
    assert (
        (code, err) == (0, "")
        and out.strip()
        == "已更正记录 #1: 冲正记录 #2; 新记录 #3 封建迷信、宗教活动、酗酒、赌博、打架斗殴、大操大办、非法上访、拉票贿选 -6"
    )
    code, _, err = cli("ledger", "correct", "1", "--reason", "再改")
    assert code == 1 and "已被冲销 (冲销记录 2)" in err
    code, _, err = cli("ledger", "correct", "2", "--reason", "恢复")
    assert code == 1 and "本身是对记录 1 的冲销" in err
    assert cli.query(_entries) == [
        (1, 2, "improper_conduct", -4.0, None, "酗酒"),
        (2, 2, "improper_conduct", 4.0, 1, "情节较重"),
        (3, 2, "improper_conduct", -6.0, None, "更正 #1: 情节较重"),
    ]
    code, out, _ = cli("ledger", "list", "--branch", "1", "--member", "李四", "--year", "2026")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["编号", "日期", "积分项", "分值", "记录/审核", "原因", "更正"]
    assert lines[2].split()[:4] == [
        "1",
        "2026-03-02",
        "封建迷信、宗教活动、酗酒、赌博、打架斗殴、大操大办、非法上访、拉票贿选",
        "-4",
    ]
    assert lines[2].split()[-1] == "#2" and lines[3].split()[:4] == ["2", "2026-03-02", "冲正", "#1"]
