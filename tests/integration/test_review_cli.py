"""``partybot committee review open | status | close``: 述职评议 by ballot from the command line:
opened for a branch of the committee (its group told through the outbox when a platform is
configured), counts only, closed early with too few raters: no score, and the way to enter one.

Plain sync tests: every handler runs its own ``asyncio.run``."""

from __future__ import annotations

from integration.conftest import Cli
from integration.test_committee_cli import _ok

BASE = ("committee", "review")


def test_opened_followed_and_closed_without_enough_raters(cli: Cli) -> None:
    _ok(cli("branch", "add", "第1党支部", "--scheme", "twelve-point", "--committee", "城关镇党委"))
    for name in ("王书记", "张三", "李四"):
        _ok(cli("member", "add", "--branch", "1", name))
    _ok(cli("member", "role", "--branch", "1", "王书记", "secretary"))
    out = _ok(cli(*BASE, "open", "--committee", "1", "--branch", "第1党支部", "--deadline", "2099-01-15"))
    assert "已发起 第1党支部 书记 王书记 的" in out and "本支部 2 名党员参加, 至少 1 人评议才计分" in out
    code, _out, err = cli(*BASE, "open", "--committee", "1", "--branch", "1", "--deadline", "2099-01-15")
    assert code == 1 and "第1党支部 的书记述职评议已在进行 (截止 2099-01-15)" in err
    out = _ok(cli(*BASE, "status", "--committee", "1", "--branch", "1"))
    assert "· 进行中 (截止 2099-01-15)" in out and "本支部党员: 0/2 人已评" in out
    out = _ok(cli(*BASE, "close", "--committee", "1", "--branch", "1"))
    assert "评议人数不足 (至少 1 人, 实际 0 人): 不计分。" in out and "述职评议 第1党支部 88" in out
    code, _out, err = cli(*BASE, "close", "--committee", "1", "--branch", "1")
    assert code == 1 and "第1党支部 现在没有进行中的书记述职评议" in err
    code, _out, err = cli(*BASE, "open", "--committee", "1", "--branch", "1", "--deadline", "2000-01-01")
    assert code == 1 and "截止日期 2000-01-01 已经过了" in err
