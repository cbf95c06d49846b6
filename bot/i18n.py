"""The message catalog: every user-facing text, zh-CN first, English second.

Code refers to messages by key; ``t(key, **params)`` formats one in the active locale.
Pure data plus one function, so every layer (scoring included) may use it.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "zh-CN"
_active = DEFAULT_LOCALE

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        # scoring input errors
        "input.unknown_member": "{record}: 未知的党员编号 “{member}”",
        "input.unknown_item": "{record}: 方案 {scheme} 中没有积分项 “{item}”",
        "input.not_entry_item": "{record}: 积分项 “{item}” 由{source}产生, 不能直接录入",
        "input.date_outside": "{record}: 日期 {date} 不在 {year} 年内",
        "input.bad_date": "{record}: 日期 “{date}” 格式不对, 应为 YYYY-MM-DD",
        "input.points_range": "{record}: 积分项 “{item}” 的分值应在 {low} 到 {high} 之间, 收到 {points}",
        "input.points_fixed": "{record}: 积分项 “{item}” 的分值固定为 {expected}, 收到 {points}",
        "input.unknown_meeting": "{record}: 未知的会议类型 “{meeting}”",
        "input.bad_status": "{record}: 签到状态应为 present / leave / absent, 收到 “{status}”",
        "input.unknown_rating_item": "{record}: 方案 {scheme} 中没有测评项 “{item}”",
        "input.rating_range": "{record}: 测评项 “{item}” 的分数应在 0 到 {high} 之间, 收到 {score}",
        "input.bad_month": "{record}: 月份应为 1 到 12, 收到 {month}",
        "input.bad_scores": "{record}: scores 应为分数列表",
        "input.unknown_area": "{record}: 方案 {scheme} 中没有考评板块 “{area}”",
        "input.area_range": "{record}: 板块 “{area}” 的得分应在 0 到 {high} 之间, 收到 {score}",
        "input.evaluation_range": "{record}: 述职评议得分应在 0 到 100 之间, 收到 {score}",
        "input.duplicate_id": "{record}: 编号 “{id}” 重复",
        "input.wrong_subject": "方案 {scheme} 为{subject}积分, 输入中缺少 “{field}”",
        "input.wrong_category": "{record}: 积分项 “{item}” 只适用于 {allowed} 类党员, 该党员类别为 {category}",
        "input.errors": "输入有 {count} 处错误, 未计算任何积分:",
        # scheme files
        "scheme.unknown": "没有名为 “{id}” 的积分方案。可用方案: {known}",
        "scheme.extends_loop": "方案继承出现循环: {chain}",
        "scheme.ok": "方案文件有效: {id} {name} ({items} 个积分项)",
        # explanation lines
        "explain.base": "基础分 {points}",
        "explain.item": "{name}({code}) {count} 次, 计 {points} 分",
        "explain.item_capped": "{name}({code}) {count} 次, 原始 {raw} 分, 达到上限 {cap} 分, 计 {points} 分",
        "explain.limit_per": "{name}({code}) 每{period}最多计 {limit} 次, 另有 {dropped} 次未计",
        "explain.lead": "其中 {count} 次带头/组织/主导, 分值加倍",
        "explain.group_capped": "{name}合计 {raw} 分, 按{bound} {cap} 分计",
        "explain.floor": "总分 {raw} 分, 按下限 {floor} 分计 (扣完为止)",
        "explain.ceiling": "总分 {raw} 分, 按上限 {ceiling} 分计",
        "explain.veto": "{name}({code}) 于 {date}: 一票否决, {effect}",
        "explain.veto_grade": "评定为{grade}",
        "explain.veto_score": "全年积分为 {score}",
        "explain.stopped": "{date} 起停止积分, 其后 {count} 条记录不计",
        "explain.exempt": "免于积分",
        "explain.migrant_returns": "流动党员全年回村(居)参加组织生活 {returns} 次, 要求 {required} 次",
        "explain.rating_item": "{name}({code}): 月评合计 {monthly_sum} / {months} 个月 × {mw} + 民主测评 {evaluation} × {ew} = {points}",
        "explain.adjust_reward": "加分只计最高一项: {name}({code}) +{points}",
        "explain.adjust_penalty": "减分只计最重一项: {name}({code}) {points}",
        "explain.adjust_ignored": "{name}({code}) {points} 不累计, 未计入",
        "explain.area": "{name}({code}) {points} / {max}",
        "explain.branch_total": "({base} + {bonus} - {deduction}) × {sw} + 述职评议 {evaluation} × {ew} = {total}",
        "explain.star_capped": "{reason}, 星级最高为 {stars} 星",
        "explain.cap_base_below": "基础分低于 {value}",
        "explain.cap_any_deduction": "有减分项",
        "explain.quota_capped": "五星支部名额已满 (不超过 {share}), 按 {stars} 星计",
        "explain.band": "{score} 分: {label}",
        "alert.absent_streak": "连续 {months} 个月无正当理由不参加组织生活 ({start} 至 {end})",
        "quota.tied": "{label}: {ids} 并列于名额线上, 超出名额, 均未列入, 请支部研究确定",
        "quota.too_few": "党员 {members} 人, 少于 {minimum} 人, 不评选季度之星",
        "quota.quarter_star": "{quarter} 季度之星",
        "quota.year_star": "年度之星",
        "quota.top_stars": "{stars} 星",
        "period.month": "月",
        "period.quarter": "季度",
        "period.half": "半年",
        "period.year": "年",
        "bound.cap": "上限",
        "bound.floor": "底线",
        "subject.member": "党员",
        "subject.branch": "党支部",
        "source.attendance": "签到记录",
        "source.computed": "年终自动计算",
        # config
        "config.missing": "找不到配置文件 {path}。可复制 config.example.toml 为 config.toml 后修改",
        "config.invalid": "配置文件 {path} 有错误:",
        # CLI
        "cli.file_missing": "找不到文件 {path}",
        "cli.bad_json": "{path} 第 {line} 行: JSON 格式错误: {error}",
        "cli.not_object": "最外层应为 JSON 对象",
        "cli.bad_shape": "{path}: 记录缺少必需的字段或类型不对: {error}",
        # storage, ledger, claims, roster and administration
        "store.unknown_branch": "没有编号为 {branch} 的党支部 (用 partybot branch list 查看)",
        "store.unknown_member": "党支部 {branch} 中没有党员 “{member}”",
        "store.unknown_committee": "没有名为 “{name}” 的党委",
        "ledger.unknown_item": "方案 {scheme} 中没有积分项 “{item}”",
        "ledger.item_not_enterable": "积分项 “{name}” ({item}) 不能以这种方式录入",
        "ledger.points_fixed": "积分项 “{item}” 的分值固定为 {expected}, 收到 {points}",
        "ledger.points_range": "积分项 “{item}” 的分值应在 {low} 到 {high} 之间, 收到 {points}",
        "ledger.not_allowed": "只有{roles}可以这样做",
        "ledger.reason_required": "请写明原因",
        "ledger.unknown_entry": "台账中没有编号为 {entry} 的记录",
        "ledger.already_reversed": "台账记录 {entry} 已被冲销 (冲销记录 {earlier}), 不能重复冲销",
        "ledger.reversal_not_reversible": "记录 {entry} 本身是对记录 {original} 的冲销, 不能再冲销; 如需恢复请重新录入",
        "claim.unknown": "没有编号为 {claim} 的申报",
        "claim.duplicate": "重复申报: 已有申报 {earlier} (状态: {status}) 为同一事项、同一日期或同一凭证",
        "claim.member_exempt": "{name} 免于积分, 不能申报",
        "claim.self_approval": "不能审批自己的申报",
        "claim.not_yours": "只能撤回自己的申报 ({claim})",
        "db.upgraded": "数据库已升级到最新版本 {revision}: {url}",
        "admin.branch_added": "已添加党支部 {id}: {name} (方案 {scheme})",
        "admin.member_added": "已添加党员 {id}: {name} (党支部 {branch})",
        "admin.member_exempted": "已将 {name} ({id}) 设为免于积分, 原因: {reason}",
        "admin.no_branches": "还没有党支部。用 partybot branch add 添加",
        "admin.no_members": "党支部 {branch} 还没有党员。用 partybot member add 或 roster import 添加",
        "admin.bad_date": "日期 “{value}” 格式不对, 应为 YYYY-MM-DD",
        "roster.bad_format": "不支持的文件格式 “{suffix}”, 请用 .xlsx 或 .csv",
        "roster.unreadable": "无法读取文件 {path}: {error}",
        "roster.missing_columns": "缺少必需的列: {columns} (请用 partybot roster template 生成模板)",
        "roster.row_error": "第 {row} 行: {reason}",
        "roster.name_required": "姓名不能为空",
        "roster.bad_yes_no": "“{column}” 应填 是 或 否, 收到 “{value}”",
        "roster.bad_date": "“{column}” 日期格式不对, 应为 YYYY-MM-DD, 收到 “{value}”",
        "roster.bad_category": "类别 “{value}” 不在方案的人员类别中 ({known})",
        "roster.duplicate_in_file": "与第 {other} 行重复 ({key})",
        "roster.exists": "党员 “{name}” (编号 {code}) 已在支部中 (党员 {id}), 已跳过, 未做任何修改",
        "roster.failed": "名册有 {count} 处错误, 未导入任何党员:",
        "roster.imported": "已导入 {added} 名党员到党支部 {branch}; 跳过已有党员 {skipped} 名",
        "roster.template_written": "已生成名册模板: {path}",
    },
    "en": {
        "input.unknown_member": "{record}: unknown member id \"{member}\"",
        "input.unknown_item": "{record}: scheme {scheme} has no item \"{item}\"",
        "input.not_entry_item": "{record}: item \"{item}\" comes from {source} and cannot be entered directly",
        "input.date_outside": "{record}: date {date} is outside {year}",
        "input.bad_date": "{record}: date \"{date}\" is not YYYY-MM-DD",
        "input.points_range": "{record}: points for \"{item}\" must be between {low} and {high}, got {points}",
        "input.points_fixed": "{record}: points for \"{item}\" are fixed at {expected}, got {points}",
        "input.unknown_meeting": "{record}: unknown meeting type \"{meeting}\"",
        "input.bad_status": "{record}: status must be present / leave / absent, got \"{status}\"",
        "input.unknown_rating_item": "{record}: scheme {scheme} has no rating item \"{item}\"",
        "input.rating_range": "{record}: score for \"{item}\" must be between 0 and {high}, got {score}",
        "input.bad_month": "{record}: month must be 1 to 12, got {month}",
        "input.bad_scores": "{record}: scores must be a list of numbers",
        "input.unknown_area": "{record}: scheme {scheme} has no area \"{area}\"",
        "input.area_range": "{record}: score for area \"{area}\" must be between 0 and {high}, got {score}",
        "input.evaluation_range": "{record}: evaluation score must be between 0 and 100, got {score}",
        "input.duplicate_id": "{record}: duplicate id \"{id}\"",
        "input.wrong_subject": "scheme {scheme} scores {subject}; the input lacks \"{field}\"",
        "input.wrong_category": "{record}: item \"{item}\" applies only to {allowed} members; this member is {category}",
        "input.errors": "the input has {count} error(s); nothing was scored:",
        "scheme.unknown": "no scheme named \"{id}\". Available: {known}",
        "scheme.extends_loop": "scheme inheritance loops: {chain}",
        "scheme.ok": "scheme file is valid: {id} {name} ({items} items)",
        "explain.base": "base {points}",
        "explain.item": "{name} ({code}) x{count}: {points}",
        "explain.item_capped": "{name} ({code}) x{count}: raw {raw}, capped at {cap}: {points}",
        "explain.limit_per": "{name} ({code}) counts at most {limit} per {period}; {dropped} not counted",
        "explain.lead": "{count} with a leading role, points doubled",
        "explain.group_capped": "{name} totals {raw}, {bound} {cap} applies",
        "explain.floor": "total {raw}, floor {floor} applies",
        "explain.ceiling": "total {raw}, ceiling {ceiling} applies",
        "explain.veto": "{name} ({code}) on {date}: veto, {effect}",
        "explain.veto_grade": "graded {grade}",
        "explain.veto_score": "the year's score is {score}",
        "explain.stopped": "scoring stopped on {date}; {count} later record(s) not counted",
        "explain.exempt": "exempt from scoring",
        "explain.migrant_returns": "migrant member returned {returns} time(s) this year, {required} required",
        "explain.rating_item": "{name} ({code}): monthly {monthly_sum} / {months} months x {mw} + evaluation {evaluation} x {ew} = {points}",
        "explain.adjust_reward": "only the highest reward counts: {name} ({code}) +{points}",
        "explain.adjust_penalty": "only the heaviest penalty counts: {name} ({code}) {points}",
        "explain.adjust_ignored": "{name} ({code}) {points} is not cumulative and does not count",
        "explain.area": "{name} ({code}) {points} / {max}",
        "explain.branch_total": "({base} + {bonus} - {deduction}) x {sw} + evaluation {evaluation} x {ew} = {total}",
        "explain.star_capped": "{reason}, at most {stars} stars",
        "explain.cap_base_below": "base below {value}",
        "explain.cap_any_deduction": "a deduction item applies",
        "explain.quota_capped": "five-star quota ({share}) is full; counted as {stars} stars",
        "explain.band": "{score}: {label}",
        "alert.absent_streak": "absent from organizational life without reason for {months} months in a row ({start} to {end})",
        "quota.tied": "{label}: {ids} tie at the quota line and would exceed it; none of them is listed, the branch decides",
        "quota.too_few": "{members} members, fewer than {minimum}: no star of the quarter",
        "quota.quarter_star": "{quarter} star of the quarter",
        "quota.year_star": "star of the year",
        "quota.top_stars": "{stars} stars",
        "period.month": "month",
        "period.quarter": "quarter",
        "period.half": "half-year",
        "period.year": "year",
        "bound.cap": "cap",
        "bound.floor": "floor",
        "subject.member": "members",
        "subject.branch": "branches",
        "source.attendance": "attendance records",
        "source.computed": "the year-end computation",
        "config.missing": "config file {path} not found. Copy config.example.toml to config.toml and edit it",
        "config.invalid": "config file {path} has errors:",
        "cli.file_missing": "file not found: {path}",
        "cli.bad_json": "{path} line {line}: invalid JSON: {error}",
        "cli.not_object": "the top level must be a JSON object",
        "cli.bad_shape": "{path}: a record lacks a required field or has a wrong type: {error}",
        # storage, ledger, claims, roster and administration
        "store.unknown_branch": "no branch with id {branch} (see partybot branch list)",
        "store.unknown_member": "branch {branch} has no member “{member}”",
        "store.unknown_committee": "no committee named “{name}”",
        "ledger.unknown_item": "scheme {scheme} has no item “{item}”",
        "ledger.item_not_enterable": "item “{name}” ({item}) cannot be entered this way",
        "ledger.points_fixed": "item “{item}” is worth exactly {expected}, got {points}",
        "ledger.points_range": "item “{item}” takes points from {low} to {high}, got {points}",
        "ledger.not_allowed": "only {roles} may do this",
        "ledger.reason_required": "a reason is required",
        "ledger.unknown_entry": "the ledger has no entry {entry}",
        "ledger.already_reversed": (
            "entry {entry} is already reversed (by entry {earlier}); it"
            " cannot be reversed twice"
        ),
        "ledger.reversal_not_reversible": (
            "entry {entry} reverses entry {original} and cannot be"
            " reversed; record the entry again instead"
        ),
        "claim.unknown": "no claim {claim}",
        "claim.duplicate": (
            "duplicate claim: claim {earlier} ({status}) has the same"
            " item and date or the same evidence"
        ),
        "claim.member_exempt": "{name} is exempt from scoring and cannot claim",
        "claim.self_approval": "you cannot approve your own claim",
        "claim.not_yours": "you can only withdraw your own claim ({claim})",
        "db.upgraded": "database is at the newest revision {revision}: {url}",
        "admin.branch_added": "added branch {id}: {name} (scheme {scheme})",
        "admin.member_added": "added member {id}: {name} (branch {branch})",
        "admin.member_exempted": "{name} ({id}) is now exempt from scoring; reason: {reason}",
        "admin.no_branches": "no branches yet. Add one with partybot branch add",
        "admin.no_members": (
            "branch {branch} has no members yet. Add them with partybot"
            " member add or roster import"
        ),
        "admin.bad_date": "date “{value}” must be YYYY-MM-DD",
        "roster.bad_format": "unsupported file type “{suffix}”: use .xlsx or .csv",
        "roster.unreadable": "cannot read {path}: {error}",
        "roster.missing_columns": "missing required columns: {columns} (see partybot roster template)",
        "roster.row_error": "row {row}: {reason}",
        "roster.name_required": "name (姓名) is empty",
        "roster.bad_yes_no": "“{column}” must be 是 or 否, got “{value}”",
        "roster.bad_date": "“{column}” must be a date YYYY-MM-DD, got “{value}”",
        "roster.bad_category": "category “{value}” is not one of the scheme's categories ({known})",
        "roster.duplicate_in_file": "duplicates row {other} ({key})",
        "roster.exists": (
            "member “{name}” (number {code}) is already in the branch"
            " (member {id}); skipped, nothing changed"
        ),
        "roster.failed": "the roster has {count} errors; no member was imported:",
        "roster.imported": (
            "imported {added} members into branch {branch}; skipped"
            " {skipped} existing members"
        ),
        "roster.template_written": "roster template written: {path}",
    },
}


def set_locale(locale: str) -> None:
    """Choose the active locale for ``t``; unknown locales fall back to zh-CN."""
    global _active
    _active = locale if locale in MESSAGES else DEFAULT_LOCALE


def t(key: str, locale: str | None = None, /, **params: Any) -> str:
    """Format the message ``key`` in ``locale`` (default: the active one)."""
    table = MESSAGES.get(locale or _active, MESSAGES[DEFAULT_LOCALE])
    template = table.get(key) or MESSAGES[DEFAULT_LOCALE][key]
    return template.format(**params)
