"""``partybot score --scheme ID|FILE --input FILE.json [--format json|table]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.db import config_of
from bot.i18n import t
from bot.scoring.engine import score
from bot.scoring.loader import load_scheme
from bot.scoring.records import InputError, read_json
from bot.scoring.result import Report, Result, shown
from bot.scoring.text import table
from bot.scoring.validate import problem_lines, refuse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "score",
        help="按方案计算一年的积分 (不需要数据库或聊天)",
        description="按方案计算一年的积分, 输出每人(或每个支部)的得分、格次、星级、排名和逐项说明。"
        " 输入格式见 README 的 “partybot score” 一节 (示例: examples/*.json)。输入有误时一次列出全部错误,"
        " 每条指明记录与字段, 不计算任何积分; 缺少数据的党员或支部标为 “数据不全”。",
    )
    parser.add_argument(
        "--scheme", required=True, metavar="ID|FILE", help="方案 id (见 scheme list) 或方案 TOML 文件"
    )
    parser.add_argument("--input", required=True, metavar="FILE.json", help="一年的记录 (JSON)")
    parser.add_argument("--format", choices=["json", "table"], default="json", help="输出格式 (默认 json)")
    parser.set_defaults(handler=_score)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError([t("cli.file_missing", path=path)])
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputError([t("cli.bad_json", path=path, line=exc.lineno, error=exc.msg)]) from exc
    except UnicodeDecodeError as exc:
        raise InputError([t("cli.bad_json", path=path, line=1, error=str(exc))]) from exc
    if not isinstance(data, dict):
        raise InputError([t("cli.bad_json", path=path, line=1, error=t("cli.not_object"))])
    return data


def _score(args: argparse.Namespace) -> int:
    scheme = load_scheme(args.scheme, config_of(args).bot.scheme_dirs)
    data, problems, bad = read_json(_read(Path(args.input)))
    if data.year:  # without the year every date would be outside it: the year is fixed first
        problems += problem_lines(scheme, data, bad)
    refuse(problems)
    report = score(scheme, data)
    if args.format == "json":
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(render_table(report))
    return 0


def _cell(r: Result) -> str:
    """The score column: the score, or why there is none (免于积分, 数据不全, 年底直接评星定级, not under management)."""
    if r.exempt:
        return t("explain.exempt")
    if r.missing:
        return t("rules.incomplete_cell")
    if r.direct:
        return t("rules.direct_cell")
    if r.score is None:
        return t("rules.not_managed_cell")
    return f"{shown(r.score)}"


def _row(r: Result, by_category: bool) -> list[str]:
    score = _cell(r)
    stars = "" if r.stars is None else "★" * r.stars if r.stars <= 10 else str(r.stars)
    row = ["" if r.rank is None else str(r.rank), r.id, r.name, score, r.grade or "", stars]
    if by_category:
        row += [r.category, "" if r.category_rank is None else str(r.category_rank)]
    return row


def render_table(report: Report) -> str:
    results = report.branches or report.members
    ordered = sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.id))
    by_category = any(r.category_rank is not None for r in results)
    header = ["名次", "编号", "姓名", "积分", "格次", "星级", *(["类别", "类别名次"] if by_category else [])]
    out = [f"{report.scheme}  {report.year}", table(header, [_row(r, by_category) for r in ordered])]
    for r in ordered:
        out.append(f"\n{r.name} ({r.id}):")
        out += [f"  - {line.text}" + (f"  〔{line.rule}〕" if line.rule else "") for line in r.explanation]
        out += [f"  ! {a}" for a in r.alerts]
        if r.follow_up:
            out.append(f"  → {r.follow_up}")
    if report.quarter_stars:
        out.append(
            "\n季度之星: "
            + "; ".join(f"{q}: {', '.join(ids) or '无'}" for q, ids in report.quarter_stars.items())
        )
    if report.year_stars:
        out.append("年度之星: " + ", ".join(report.year_stars))
    out += [f"注: {n}" for n in report.notes]
    return "\n".join(out)
