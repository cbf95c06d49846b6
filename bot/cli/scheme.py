"""``partybot scheme list | show ID | check FILE``."""

from __future__ import annotations

import argparse

from bot.cli.db import config_of
from bot.i18n import t
from bot.scoring.loader import load_preset, load_scheme, preset_ids
from bot.scoring.model import Item, Scheme
from bot.scoring.text import table


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "scheme", help="积分方案: 列出、查看、校验", description="积分方案: 列出、查看、校验。"
    )
    sub = parser.add_subparsers(dest="scheme_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="列出内置方案").set_defaults(handler=_list)
    show = sub.add_parser("show", help="以表格查看一个方案的积分项、分值、上限与格次")
    show.add_argument(
        "scheme",
        metavar="ID|FILE",
        help="方案 id (见 scheme list)、方案 TOML 文件或方案目录 ([bot] scheme_dirs) 中的方案名",
    )
    show.set_defaults(handler=_show)
    check = sub.add_parser(
        "check", help="校验支部自定义的方案文件 (或方案目录中的方案名), 错误会指明键名与行号"
    )
    check.add_argument("file", metavar="FILE")
    check.set_defaults(handler=_check)


def _list(args: argparse.Namespace) -> int:
    rows = []
    for scheme_id in preset_ids():
        s = load_preset(scheme_id)
        rows.append(
            [
                s.id,
                s.name,
                t(f"subject.{s.subject}"),
                str(len(s.items) + len(s.rating.items if s.rating else [])),
            ]
        )
    print(table(["id", "名称", "对象", "积分项"], rows))
    return 0


def _points(item: Item) -> str:
    if item.kind == "veto":
        return "一票否决"
    if item.points is not None:
        return f"{item.points:+g}"
    if item.default is None:
        return f"{item.min:+g} ~ {item.max:+g} (须填写分值)"
    return f"{item.min:+g} ~ {item.max:+g} (默认 {item.default_points:+g})"


def _limits(item: Item) -> str:
    parts = []
    if item.per:
        parts.append(f"每{t('period.' + item.per)}{item.per_limit}次")
    if item.cap is not None:
        parts.append(f"上限{item.cap:g}")
    if item.lead_multiplier:
        parts.append(f"带头×{item.lead_multiplier:g}")
    if item.categories:
        parts.append("仅" + "/".join(item.categories))
    return ", ".join(parts)


_SOURCES = {"claim": "申报", "recorder": "积分员录入", "attendance": "签到", "computed": "年终计算"}


def render(s: Scheme) -> str:
    out = [f"{s.id}  {s.name}", s.description.strip()] if s.description else [f"{s.id}  {s.name}"]
    if s.seed:
        out.append(f"依据: {s.seed}")
    if s.base:
        out.append(f"基础分: {s.base:g}")
    if s.floor is not None:
        out.append(f"最低: {s.floor:g}")
    for g in s.groups:
        cap = f" 上限 {g.cap:g}" if g.cap is not None else ""
        out.append(f"分组 {g.code} {g.name}{cap}")
    if s.rating:
        r = s.rating
        out.append(
            f"\n测评项 (每月每项 0-满分; 月评 ×{r.monthly_weight:g} + 民主测评 ×{r.evaluation_weight:g}):"
        )
        out.append(table(["代码", "名称", "满分"], [[i.code, i.name, f"{i.max:g}"] for i in r.items]))
    if s.branch:
        b = s.branch
        out.append(f"\n考评板块 (自评 ×{b.self_weight:g} + 述职评议 ×{b.evaluation_weight:g}):")
        out.append(table(["代码", "名称", "满分"], [[a.code, a.name, f"{a.max:g}"] for a in b.areas]))
    if s.items:
        out.append("\n积分项:")
        rows = [
            [i.code, i.name, _points(i), i.group or "", _SOURCES[i.source], _limits(i), i.clause]
            for i in s.items
        ]
        out.append(table(["代码", "名称", "分值", "分组", "来源", "限制", "条款"], rows))
    if s.bands:
        out.append("\n格次:")
        rows = [
            [
                f">= {b.min:g}" if b.min is not None else "其余",
                b.grade or "",
                "" if b.stars is None else f"{b.stars}",
                b.follow_up or "",
            ]
            for b in s.bands
        ]
        out.append(table(["分数", "格次", "星级", "后续"], rows))
    if s.veto:
        out.append(
            f"\n一票否决: 评定为{s.veto.grade}"
            + (f", 积分为 {s.veto.score:g}" if s.veto.score is not None else "")
        )
    return "\n".join(out)


def _show(args: argparse.Namespace) -> int:
    print(render(load_scheme(args.scheme, config_of(args).bot.scheme_dirs)))
    return 0


def _check(args: argparse.Namespace) -> int:
    s = load_scheme(args.file, config_of(args).bot.scheme_dirs)
    count = len(s.items) + (len(s.rating.items) if s.rating else 0)
    print(t("scheme.ok", id=s.id, name=s.name, items=count))
    return 0
