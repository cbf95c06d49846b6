"""``partybot db upgrade``, ``branch add|list|set`` and ``member add|list|exempt|role`` through ``bot.cli.main``,
on a database named only by the config file, as an administrator uses them.

These are plain sync tests: every handler runs its own ``asyncio.run``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import inspect, select

from bot.cli.db import CLI_ACTOR, _operator
from bot.storage.schema import AuditRow, Base, Branch, MemberRow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli

M = TypeVar("M", bound=Base)


def _branch(cli: Cli, name: str = "第一党支部", scheme: str = "pioneer-index") -> int:
    code, out, err = cli("branch", "add", name, "--scheme", scheme)
    assert (code, err) == (0, "")
    branches = cli.query(lambda uow: _all(uow, Branch))
    assert len(branches) == 1
    assert out.strip() == f"已添加党支部 {branches[0].id}: {name} (方案 {scheme})"
    return branches[0].id


async def _all(uow: UnitOfWork, model: type[M]) -> list[M]:
    query = select(model).order_by(*model.__mapper__.primary_key)
    return list((await uow.session.scalars(query)).all())


async def _tables(uow: UnitOfWork) -> set[str]:
    conn = await uow.session.connection()
    return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


def test_db_upgrade_creates_the_schema_and_is_idempotent(cli: Cli) -> None:
    code, first, err = cli("db", "upgrade")
    assert (code, err) == (0, "")
    assert first.startswith("数据库已升级到最新版本 ")
    tables = cli.query(_tables, upgrade=False)
    assert {"branches", "members", "ledger_entries", "audit_log", "alembic_version"} <= tables

    code, again, err = cli("db", "upgrade")
    assert (code, err) == (0, "")
    assert again == first  # same head revision, same (password-free) URL
    assert cli.query(_tables, upgrade=False) == tables


def test_branch_add_then_list(cli: Cli) -> None:
    code, out, _ = cli("branch", "list")
    assert code == 0
    assert "还没有党支部" in out

    branch_id = _branch(cli)
    code, out, err = cli("branch", "list")
    assert (code, err) == (0, "")
    assert "第一党支部" in out and "pioneer-index" in out
    line = next(line for line in out.splitlines() if "第一党支部" in line)
    assert line.split()[0] == str(branch_id)
    audit = cli.query(lambda uow: _all(uow, AuditRow))
    assert [(a.actor, a.action, a.branch_id, a.subject) for a in audit] == [
        (CLI_ACTOR.label, "branch.add", branch_id, "第一党支部")
    ]


def test_branch_add_with_a_committee(cli: Cli) -> None:
    code, _, _ = cli("branch", "add", "第二党支部", "--scheme", "twelve-point", "--committee", "某镇党委")
    assert code == 0
    [branch] = cli.query(lambda uow: _all(uow, Branch))
    assert branch.committee_id is not None


def test_branch_add_with_an_unknown_scheme_is_refused(cli: Cli) -> None:
    code, out, err = cli("branch", "add", "第一党支部", "--scheme", "no-such-scheme")
    assert code == 1
    assert out == ""
    assert "没有名为 “no-such-scheme” 的积分方案" in err
    assert "twelve-point" in err  # the message lists what is available
    assert cli.query(lambda uow: _all(uow, Branch)) == []


def test_member_add_and_list(cli: Cli) -> None:
    branch_id = _branch(cli)
    code, out, _ = cli("member", "list", "--branch", str(branch_id))
    assert code == 0
    assert f"党支部 {branch_id} 还没有党员" in out

    argv = ["member", "add", "--branch", str(branch_id), "张三", "--code", "001", "--category", "rural"]
    code, out, err = cli(*argv, "--migrant", "--joined", "2020-07-01", "--phone", "13800138000")
    assert (code, err) == (0, "")
    assert "张三" in out and f"党支部 {branch_id}" in out
    code, _, _ = cli("member", "add", "--branch", str(branch_id), "李四")
    assert code == 0

    members = cli.query(lambda uow: _all(uow, MemberRow))
    assert [
        (m.branch_id, m.name, m.code, m.category, m.migrant, m.exempt, m.joined, m.phone) for m in members
    ] == [
        (branch_id, "张三", "001", "rural", True, False, date(2020, 7, 1), "13800138000"),
        (branch_id, "李四", None, "", False, False, None, None),
    ]
    code, out, err = cli("member", "list", "--branch", str(branch_id))
    assert (code, err) == (0, "")
    assert "张三" in out and "李四" in out and "2020-07-01" in out
    code, out, _ = cli("branch", "list")
    line = next(line for line in out.splitlines() if "第一党支部" in line)
    assert line.split()[-1] == "2"  # 党员数


def test_member_add_refuses_a_bad_date(cli: Cli) -> None:
    branch_id = _branch(cli)
    code, out, err = cli("member", "add", "--branch", str(branch_id), "张三", "--joined", "2020/13/01")
    assert (code, out) == (1, "")
    assert "日期 “2020/13/01” 格式不对" in err
    assert cli.query(lambda uow: _all(uow, MemberRow)) == []


def test_member_exempt_is_audited_with_who_and_why(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "张三", "--code", "001")
    cli("member", "add", "--branch", str(branch_id), "李四")

    code, out, err = cli("member", "exempt", "--branch", str(branch_id), "张三", "--reason", "年老体弱")
    assert (code, err) == (0, "")
    assert "已将 张三" in out and "年老体弱" in out
    members = {m.name: m for m in cli.query(lambda uow: _all(uow, MemberRow))}
    assert members["张三"].exempt is True
    assert members["李四"].exempt is False
    exempt = [a for a in cli.query(lambda uow: _all(uow, AuditRow)) if a.action == "member.exempt"]
    assert [(a.actor, a.branch_id, a.subject, a.details) for a in exempt] == [
        (CLI_ACTOR.label, branch_id, str(members["张三"].id), {"reason": "年老体弱"})
    ]

    # by roster number too; the listing shows who is exempt
    code, _, _ = cli(
        "member", "exempt", "--branch", str(branch_id), str(members["李四"].id), "--reason", "长期患病"
    )
    assert code == 0
    code, out, _ = cli("member", "list", "--branch", str(branch_id))
    assert sum("免于积分" in line for line in out.splitlines() if "张三" in line or "李四" in line) == 2


def test_member_exempt_of_an_unknown_member_changes_nothing(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "张三")
    code, out, err = cli("member", "exempt", "--branch", str(branch_id), "王五", "--reason", "年老体弱")
    assert code == 1
    assert out == ""
    assert err.strip() == f"党支部 {branch_id} 中没有党员 “王五”"
    assert [m.exempt for m in cli.query(lambda uow: _all(uow, MemberRow))] == [False]
    assert [a.action for a in cli.query(lambda uow: _all(uow, AuditRow))] == ["branch.add", "member.add"]


def test_unknown_branch_is_refused_by_every_member_command(cli: Cli) -> None:
    cli("db", "upgrade")
    for argv in (
        ["member", "add", "--branch", "42", "张三"],
        ["member", "list", "--branch", "42"],
        ["member", "exempt", "--branch", "42", "张三", "--reason", "年老体弱"],
    ):
        code, out, err = cli(*argv)
        assert code == 1, argv
        assert out == ""
        assert err.strip() == "没有编号为 42 的党支部 (用 partybot branch list 查看)"
    assert cli.query(lambda uow: _all(uow, MemberRow)) == []


def test_member_add_refuses_a_taken_code(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "张三", "--code", "001")
    [zhang] = cli.query(lambda uow: _all(uow, MemberRow))
    code, out, err = cli("member", "add", "--branch", str(branch_id), "张三丰", "--code", "001")
    assert (code, out) == (1, "")
    assert err.strip() == f"党员 “张三” (编号 001) 已在支部中 (党员 {zhang.id}), 已跳过, 未做任何修改"
    assert [m.name for m in cli.query(lambda uow: _all(uow, MemberRow))] == ["张三"]
    # namesakes are fine: without a code, or with their own
    assert cli("member", "add", "--branch", str(branch_id), "张三")[0] == 0
    assert cli("member", "add", "--branch", str(branch_id), "张三", "--code", "002")[0] == 0


def test_member_add_refuses_a_category_the_scheme_does_not_have(cli: Cli) -> None:
    branch_id = _branch(cli)  # pioneer-index: rural 农村党员, community 社区党员
    code, out, err = cli("member", "add", "--branch", str(branch_id), "张三", "--category", "worker")
    assert (code, out) == (1, "")
    assert err.strip() == "类别 “worker” 不在方案的人员类别中 (rural/community)"
    assert cli.query(lambda uow: _all(uow, MemberRow)) == []


def test_member_exempt_needs_a_reason(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "张三")
    for reason in ([], ["--reason", "  "]):
        code, out, err = cli("member", "exempt", "--branch", str(branch_id), "张三", *reason)
        assert (code, out) == (1, "")
        assert err.strip() == "请写明原因"
    assert [m.exempt for m in cli.query(lambda uow: _all(uow, MemberRow))] == [False]
    assert [a.action for a in cli.query(lambda uow: _all(uow, AuditRow))] == ["branch.add", "member.add"]


def _roles(cli: Cli) -> list[tuple[int, str, int | None, int | None]]:
    from bot.storage.schema import RoleRow

    return [
        (r.member_id, r.role, r.branch_id, r.committee_id) for r in cli.query(lambda uow: _all(uow, RoleRow))
    ]


def test_member_role_grants_and_revokes_with_an_audit_row(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "王书记")
    member_id = cli.query(lambda uow: _all(uow, MemberRow))[0].id

    code, out, err = cli("member", "role", "--branch", str(branch_id), "王书记", "secretary")
    assert (code, err, out.strip()) == (0, "", "已授予 王书记 支部书记 角色")
    assert _roles(cli) == [(member_id, "secretary", branch_id, None)]

    code, out, _ = cli("member", "role", "--branch", str(branch_id), "王书记", "secretary")
    assert (code, out.strip()) == (0, "王书记 已是支部书记, 未做改动")
    assert len(_roles(cli)) == 1

    code, out, _ = cli("member", "role", "--branch", str(branch_id), "王书记", "secretary", "--revoke")
    assert (code, out.strip()) == (0, "已收回 王书记 的 支部书记 角色")
    assert _roles(cli) == []
    code, out, _ = cli("member", "role", "--branch", str(branch_id), "王书记", "secretary", "--revoke")
    assert (code, out.strip()) == (0, "王书记 并非支部书记, 未做改动")

    audit = [
        (a.action, a.subject, a.details)
        for a in cli.query(lambda uow: _all(uow, AuditRow))
        if "role" in a.action
    ]
    assert audit == [
        ("member.role_granted", str(member_id), {"role": "secretary"}),
        ("member.role_revoked", str(member_id), {"role": "secretary"}),
    ]


def test_member_role_committee_needs_a_committee(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("member", "add", "--branch", str(branch_id), "赵委员")
    code, _, err = cli("member", "role", "--branch", str(branch_id), "赵委员", "committee")
    assert code == 1 and "没有所属党委" in err
    assert _roles(cli) == []

    code, _, _ = cli("branch", "add", "第二党支部", "--scheme", "twelve-point", "--committee", "某镇党委")
    second = max(b.id for b in cli.query(lambda uow: _all(uow, Branch)))
    cli("member", "add", "--branch", str(second), "钱委员")
    code, out, _ = cli("member", "role", "--branch", str(second), "钱委员", "committee")
    committee_id = cli.query(lambda uow: _all(uow, Branch))[-1].committee_id
    assert code == 0 and "党委" in out
    assert [(role, branch, committee) for _, role, branch, committee in _roles(cli)] == [
        ("committee", None, committee_id)
    ]


def test_member_role_of_an_unknown_member_is_refused(cli: Cli) -> None:
    branch_id = _branch(cli)
    code, _, err = cli("member", "role", "--branch", str(branch_id), "无名", "recorder")
    assert code == 1 and "无名" in err
    assert _roles(cli) == []


def test_branch_set_changes_settings_and_shows_them(cli: Cli) -> None:
    branch_id = _branch(cli)
    code, out, _ = cli("branch", "set", str(branch_id))
    assert (code, out.strip()) == (
        0,
        "第一党支部: 审核卡片发到群里; 排行 关; 流动党员线上参加 开; 支部核定 关",
    )

    code, out, _ = cli(
        "branch", "set", str(branch_id), "--approvals", "private", "--rank", "on", "--online", "off"
    )
    assert (code, out.strip()) == (
        0,
        "第一党支部: 审核卡片私信审核人; 排行 开; 流动党员线上参加 关; 支部核定 关",
    )
    [branch] = cli.query(lambda uow: _all(uow, Branch))
    assert branch.settings == {
        "approvals": "private",
        "rank": True,
        "online": False,
        "confirm_records": False,
        "publicity": "notice",
        "theme_day": None,
        "dues_day": None,
        "pending_days": None,
        "review_alerts": True,
        "returns_alerts": True,
        "followup_alerts": True,
    }
    code, out, _ = cli("branch", "set", str(branch_id), "--confirm-records", "on")
    assert (code, out.strip()) == (
        0,
        "第一党支部: 审核卡片私信审核人; 排行 开; 流动党员线上参加 关; 支部核定 开",
    )
    changes = [a.details for a in cli.query(lambda uow: _all(uow, AuditRow)) if a.action == "branch.settings"]
    assert changes == [{"approvals": "private", "rank": True, "online": False}, {"confirm_records": True}]

    code, _, err = cli("branch", "set", "999", "--rank", "on")
    assert code == 1 and "999" in err


def test_the_cli_actor_names_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit rows written from the command line say who ran it, not just "cli"."""
    monkeypatch.setenv("PARTYBOT_OPERATOR", "王书记")
    assert _operator() == "cli:王书记"
    monkeypatch.delenv("PARTYBOT_OPERATOR")
    monkeypatch.setattr("getpass.getuser", lambda: "wang")
    assert _operator() == "cli:wang"

    def nobody() -> str:
        raise KeyError("uid not found")

    monkeypatch.setattr("getpass.getuser", nobody)
    assert _operator() == "cli"


def _audit(cli: Cli) -> list[AuditRow]:
    return cli.query(lambda uow: _all(uow, AuditRow))


def test_every_admin_change_is_audited_with_the_operator(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """``branch add``, ``branch set``, ``member add``, ``member role`` and ``member exempt`` each write
    one audit row naming who ran the command (PARTYBOT_OPERATOR, read when the command runs)."""
    monkeypatch.setenv("PARTYBOT_OPERATOR", "王书记")
    code, _, err = cli("branch", "add", "第一党支部", "--scheme", "pioneer-index", "--committee", "某镇党委")
    assert (code, err) == (0, "")
    [branch] = cli.query(lambda uow: _all(uow, Branch))
    assert cli("branch", "set", str(branch.id), "--rank", "on")[0] == 0
    code, _, err = cli(
        "member",
        "add",
        "--branch",
        str(branch.id),
        "张三",
        "--code",
        "001",
        "--category",
        "rural",
        "--joined",
        "2020-07-01",
        "--phone",
        "13800138000",
    )
    assert (code, err) == (0, "")
    [member] = cli.query(lambda uow: _all(uow, MemberRow))
    assert cli("member", "role", "--branch", str(branch.id), "张三", "recorder")[0] == 0
    assert cli("member", "exempt", "--branch", str(branch.id), "001", "--reason", "年老体弱")[0] == 0

    rows = [(a.actor, a.action, a.branch_id, a.subject, a.details) for a in _audit(cli)]
    assert rows == [
        (
            "cli:王书记",
            "branch.add",
            branch.id,
            "第一党支部",
            {"scheme": "pioneer-index", "committee": "某镇党委"},
        ),
        ("cli:王书记", "branch.settings", branch.id, "", {"rank": True}),
        (
            "cli:王书记",
            "member.add",
            branch.id,
            str(member.id),
            {"name": "张三", "code": "001", "category": "rural", "migrant": False, "joined": "2020-07-01"},
        ),
        ("cli:王书记", "member.role_granted", branch.id, str(member.id), {"role": "recorder"}),
        ("cli:王书记", "member.exempt", branch.id, str(member.id), {"reason": "年老体弱"}),
    ]


def test_a_refused_member_add_writes_no_audit_row(cli: Cli) -> None:
    branch_id = _branch(cli)
    assert cli("member", "add", "--branch", str(branch_id), "张三", "--category", "worker")[0] == 1
    assert cli("member", "add", "--branch", str(branch_id), "张三", "--joined", "2020/13/01")[0] == 1
    assert [a.action for a in _audit(cli)] == ["branch.add"]


def test_branch_set_keeps_what_it_does_not_change(cli: Cli) -> None:
    branch_id = _branch(cli)
    cli("branch", "set", str(branch_id), "--approvals", "private")
    code, out, _ = cli("branch", "set", str(branch_id), "--online", "off")
    assert (code, out.strip()) == (
        0,
        "第一党支部: 审核卡片私信审核人; 排行 关; 流动党员线上参加 关; 支部核定 关",
    )
    [branch] = cli.query(lambda uow: _all(uow, Branch))
    assert branch.settings == {
        "approvals": "private",
        "rank": False,
        "online": False,
        "confirm_records": False,
        "publicity": "notice",
        "theme_day": None,
        "dues_day": None,
        "pending_days": None,
        "review_alerts": True,
        "returns_alerts": True,
        "followup_alerts": True,
    }
    assert [a.details for a in _audit(cli) if a.action == "branch.settings"] == [
        {"approvals": "private"},
        {"online": False},
    ]


def _add_to_config(cli: Cli, text: str) -> None:
    cli.config.write_text(cli.config.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_branch_add_without_a_scheme_takes_the_configured_default(cli: Cli) -> None:
    code, out, err = cli("branch", "add", "第一党支部")
    assert (code, err) == (0, "")
    assert "(方案 twelve-point)" in out  # the default of [bot] default_scheme

    _add_to_config(cli, '\n[bot]\ndefault_scheme = "pioneer-index"\n')
    code, out, err = cli("branch", "add", "第二党支部")
    assert (code, err) == (0, "")
    assert "(方案 pioneer-index)" in out
    assert [b.scheme for b in cli.query(lambda uow: _all(uow, Branch))] == ["twelve-point", "pioneer-index"]


def test_a_scheme_in_the_scheme_dirs_is_found_by_name(cli: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "schemes", tmp_path / "more"
    first.mkdir()
    second.mkdir()
    (second / "village.toml").write_text(
        'extends = "pioneer-index"\nid = "village"\nname = "某村先锋指数"\n\n[categories]\nfarmer = "种植户党员"\n',
        encoding="utf-8",
    )
    _add_to_config(cli, f'\n[bot]\nscheme_dirs = ["{first.as_posix()}", "{second.as_posix()}"]\n')

    code, out, err = cli("branch", "add", "某村党支部", "--scheme", "village")
    assert (code, err) == (0, "")
    assert "(方案 village)" in out
    [branch] = cli.query(lambda uow: _all(uow, Branch))
    assert branch.scheme == "village"  # stored by name: the file may move between the folders
    # the scheme used at run time (the member's category is checked against it)
    code, _, err = cli("member", "add", "--branch", str(branch.id), "张三", "--category", "farmer")
    assert (code, err) == (0, "")

    code, out, err = cli("branch", "add", "某社区党支部", "--scheme", "town")
    assert (code, out) == (1, "")
    assert "没有名为 “town” 的积分方案" in err and str(first) in err and str(second) in err


def test_branch_add_without_any_scheme_says_one_is_needed(cli: Cli) -> None:
    _add_to_config(cli, '\n[bot]\ndefault_scheme = ""\n')
    code, out, err = cli("branch", "add", "第一党支部")
    assert (code, out) == (2, "")
    assert err.strip().startswith("请用 --scheme 指定积分方案 (如 --scheme twelve-point")
    assert cli.query(lambda uow: _all(uow, Branch)) == []
