"""The config's passbook catalog is loaded when the bot starts (the start every run mode shares,
here through ``partybot console``): all or nothing, refused with the entry named, and loading it
again at the next start changes nothing (the stock stays the database's)."""

from __future__ import annotations

import builtins
import logging

import pytest
from sqlalchemy import func, select

from bot.storage.schema import AuditRow, PassbookGoods
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli

GOODS = '[[passbook.goods]]\nbranch = 1\nname = "{name}"\npoints = {points}\nyuan = {yuan}\nstock = {stock}\n'


def _nobody_types(_prompt: str = "") -> str:
    raise EOFError  # the console's reader at the end of its input: the session ends at once


async def _catalog(uow: UnitOfWork) -> tuple[list[tuple[str, int]], int]:
    goods = (await uow.session.scalars(select(PassbookGoods).order_by(PassbookGoods.id))).all()
    audited = await uow.session.scalar(select(func.count()).select_from(AuditRow))
    return [(g.name, g.stock) for g in goods], int(audited or 0)


def test_the_bot_loads_the_config_catalog_at_start_once_and_refuses_a_bad_entry(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(builtins, "input", _nobody_types)
    assert cli("branch", "add", "第一党支部", "--scheme", "base-incentive")[0] == 0
    assert cli("member", "add", "--branch", "1", "张三")[0] == 0
    config = cli.config.read_text(encoding="utf-8")
    soap, cooker = (
        GOODS.format(name="洗衣液", points=10, yuan=30, stock=20),
        GOODS.format(name="电饭锅", points=10, yuan=200, stock=1),
    )
    cli.config.write_text(config + soap + cooker, encoding="utf-8")
    code, _out, err = cli("console", "--branch", "1", "--as", "张三")
    assert code == 1
    assert err.startswith(
        "配置文件中的 [[passbook.goods]] (branch = 1, name = 电饭锅) 无法载入: 电饭锅: 价值 200 元"
    )
    assert "兑换目录一项也没有载入" in err
    assert cli.query(_catalog)[0] == []  # all or nothing: 洗衣液 was not loaded either

    cli.config.write_text(config + soap, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="bot.app"):
        code, out, _err = cli("console", "--branch", "1", "--as", "张三")
    assert code == 0 and "张三" in out
    assert (
        "the config's catalog is loaded (1 goods of 1 branches: 1 added, 0 updated, 0 unchanged)"
        in caplog.text
    )
    loaded, audited = cli.query(_catalog)
    assert loaded == [("洗衣液", 20)]
    assert cli("passbook", "catalog", "set", "--branch", "1", "洗衣液", "--stock", "7")[0] == 0
    audited = cli.query(_catalog)[1]

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.app"):
        assert cli("console", "--branch", "1", "--as", "张三")[0] == 0
    assert "0 added, 0 updated, 1 unchanged" in caplog.text
    assert cli.query(_catalog) == ([("洗衣液", 7)], audited)  # the second start changed nothing
