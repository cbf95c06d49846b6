"""Messages of 记分 (recording for members), 更正 (corrections) and 积分明细 (a member's entries)."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "recording.help.record": "记分 积分项 姓名 日期 原因 — 私聊为一名或多名党员记分, 如 记分 党费 张三 3月",
        "recording.help.correct": "更正 编号 原因 — 私聊更正一条积分记录 (同时改正写 更正 编号 改为 2分 原因)",
        "recording.help.entries": "积分明细 — 本年每条积分记录及编号 (书记、积分员可写 积分明细 姓名)",
        "recording.me_foot": "每条记录及编号: 发送 积分明细",
        "recording.private_only": "记分请私聊机器人发送, 以免在群里公开个人的加减分。",
        "recording.usage": (
            "记分的写法: 记分 积分项 姓名 日期 原因, 例如:\n"
            "记分 党费未按时交纳 张三 3月\n"
            "记分 志愿服务 张三 李四 王五 3月12日 清理河道\n"
            "分值有范围的积分项请写明分值, 如: 记分 酗酒 张三 扣4分 3月5日 酒后滋事\n"
            "不写姓名时, 会列出名册供你勾选。"
        ),
        "recording.bad_date": "“{date}” 不是一个确切的日子, 请写明哪一天 (如 3月12日) 或哪个月 (如 3月) 再发送。",
        "recording.pick_item": "没有完全对上积分项, 请选择要记的积分项:",
        "recording.which_item": "请选择要记的积分项:",
        "recording.cancel": "取消",
        "recording.cancelled": "已取消, 没有记分。",
        "recording.confirm": "确认记分 ({count} 人)",
        "recording.nobody": "(尚未选择)",
        "recording.pick_members": "请勾选要记分的党员, 选好后按 确认记分。已选: {names}",
        "recording.same_name": "名册中有不止一位 {names}, 请在下面选择是哪一位。",
        "recording.twin": "{name} (编号 {id})",
        "recording.not_yours": "这张记分卡片是别人发起的, 你不能操作。",
        "recording.no_members": "还没有选择党员, 请至少勾选一人再确认。",
        "recording.who": "{name} (#{id})",
        "recording.points": "{points} 分",
        "recording.veto": "一票否决",
        "recording.done": (
            "已记分: {item} {points}, {date}, 共 {count} 人: {who}。\n原因: {reason}\n"
            "已私信告知每位党员。如有记错, 请支部书记发送 更正 编号 原因。"
        ),
        "recording.pending": (
            "已提交支部核定: {item} {points}, {date}, 共 {count} 人: {who}。\n原因: {reason}\n"
            "书记确认后记入台账 (审核卡片已私信发给书记)。"
        ),
        "recording.rule": "\n依据: {clause}",
        "recording.told": (
            "{by} 为你记录了一条积分: {item} {points} ({date})。\n原因: {reason}{rule}\n"
            "记录编号 #{id}, 发送 积分明细 可查看全部记录。如有异议, 请联系支部书记申请更正。"
        ),
        "recording.unknown": "名册中没有 “{name}”。",
        "recording.unknown_close": "名册中没有 “{name}”, 是不是 “{close}”?",
        "recording.nothing_recorded": "这次什么也没有记, 请改正姓名后重新发送 (姓名须与名册一致)。",
        "recording.points_needed": "“{name}” 的分值在 {low} 到 {high} 之间, 请写明分值, 如 扣4分。什么也没有记。",
        "recording.points_range": "“{name}” 的分值在 {low} 到 {high} 之间, 收到 {points}。什么也没有记。",
        "recording.points_fixed": "“{name}” 的分值固定为 {points} 分, 不用写分值。什么也没有记。",
        "recording.member_refused": "{name}: {reason}。这次什么也没有记。",
        "recording.twice": "{name} 在 {date} 已有一条 “{item}” 记录 (#{entry}), 没有重复记录。如原记录有误, 请用 更正 {entry}。",
        "recording.twice_pending": "{name} 在 {date} 已有一条 “{item}” 等待审核 (#{claim}), 没有重复记录。",
        "recording.claimed": "{name} 这一天的这个积分项已有申报 #{claim}, 没有重复记录。",
        "recording.self_confirmation": "这条是你本人记录的, 须由支部书记核定。",
        "recording.card.recorder": "代记人",
        "recording.unknown_key": "党支部 {branch} 的名册中没有 “{name}” (可写编号、名册编号或姓名, 见 partybot member list --branch {branch})",
        "recording.cli_done": "已记分: {item} {points}, {date}: {who}",
        "recording.cli_pending": "已提交支部核定 (申报 {who}), 书记确认后记入台账",
        "entries.cli_header": "编号|日期|积分项|分值|记录/审核|原因|更正",
        "entries.cli_reversal": "冲正 #{original}",
        "correct.cli_done": "已更正记录 #{entry}: 冲正记录 #{reversal}; 新记录 {new}",
        "correct.private_only": "更正请私聊机器人发送, 以免在群里公开个人的积分记录。",
        "correct.usage": (
            "更正的写法: 更正 记录编号 原因, 例如:\n"
            "更正 12 重复记录\n"
            "更正 12 改为 2分 分值录错\n"
            "更正 12 改为 3月8日 日期录错\n"
            "记录编号可发送 积分明细 姓名 查看。"
        ),
        "correct.reason_required": "请写明更正的原因, 例如: 更正 {entry} 重复记录",
        "correct.what": "请写明改为什么, 例如: 更正 {entry} 改为 2分 分值录错",
        "correct.same": "改后的记录与记录 #{entry} 完全相同, 没有更正。",
        "correct.reason": "更正 #{entry}: {reason}",
        "correct.new": "新记录 {line}",
        "correct.no_new": "没有补记新记录",
        "correct.done": "已更正 {member} 的记录 {line}: 冲正记录 #{reversal}; {new}。\n原因: {reason}",
        "correct.told": "你的积分记录 {line} 已由 {by} 更正; {new}。\n原因: {reason}\n发送 积分明细 可查看。",
        "entries.brief": "#{id} ({date} {name} {points})",
        "entries.unknown": "名册中没有 “{name}”。{hint}",
        "entries.close": "是不是 “{close}”?",
        "entries.twins": "名册中有不止一位 {name}: {ids}。请发送 积分明细 编号, 如 积分明细 #5。",
        "entries.sent": "{name}, 积分明细已私信发给你。",
        "entries.none": "{name} {year} 年还没有积分记录。",
        "entries.head": "{name} {year} 年积分明细 (共 {count} 条):",
        "entries.more": "(只列出最近 {shown} 条)",
        "entries.line": "#{id} {date} {name} {points} ({how}){mark}",
        "entries.approved": "{by} 审核",
        "entries.recorded": "{by} 记录",
        "entries.reversed": " — 已更正, 见 #{reversal}",
        "entries.reversal": "#{id} {date} 冲正 #{original} {points} ({by}: {reason})",
        "entries.foot": "如有异议, 请联系支部书记; 书记可发送 更正 编号 原因。",
    },
    "en": {
        "recording.help.record": "/record ITEM NAMES DATE REASON — record an item for members, privately, e.g. 记分 党费 张三 3月",
        "recording.help.correct": "/correct NUMBER REASON — correct an entry, privately (with the right one: /correct NUMBER 改为 2分 REASON)",
        "recording.help.entries": "/entries — this year's entries with their numbers (the secretary and recorder: /entries NAME)",
        "recording.me_foot": "Each entry with its number: send 积分明细",
        "recording.private_only": "Please record points in a private chat with the bot, so nobody's points are posted in the group.",
        "recording.usage": (
            "To record: 记分 ITEM NAME(S) DATE REASON, e.g.\n"
            "记分 党费未按时交纳 张三 3月\n"
            "记分 志愿服务 张三 李四 王五 3月12日 清理河道\n"
            "For an item with a range give the points, e.g. 记分 酗酒 张三 扣4分 3月5日 酒后滋事\n"
            "Without names, the roster is shown to tick."
        ),
        "recording.bad_date": "“{date}” is not one day; write the day (e.g. 3月12日) or the month (e.g. 3月) and send again.",
        "recording.pick_item": "No item matched exactly; pick the item to record:",
        "recording.which_item": "Pick the item to record:",
        "recording.cancel": "Cancel",
        "recording.cancelled": "Cancelled; nothing was recorded.",
        "recording.confirm": "Record ({count})",
        "recording.nobody": "(none yet)",
        "recording.pick_members": "Tick the members to record for, then press Record. Chosen: {names}",
        "recording.same_name": "The roster has more than one {names}; choose which below.",
        "recording.twin": "{name} (no. {id})",
        "recording.not_yours": "Someone else started this card; you cannot use it.",
        "recording.no_members": "No member chosen yet; tick at least one, then confirm.",
        "recording.who": "{name} (#{id})",
        "recording.points": "{points} points",
        "recording.veto": "veto",
        "recording.done": (
            "Recorded: {item} {points}, {date}, {count} member(s): {who}.\nReason: {reason}\n"
            "Each member has been told privately. If this is wrong, the secretary sends 更正 NUMBER REASON."
        ),
        "recording.pending": (
            "Sent for the branch's confirmation: {item} {points}, {date}, {count} member(s): {who}.\nReason: {reason}\n"
            "It enters the ledger once the secretary confirms (the card was sent to them privately)."
        ),
        "recording.rule": "\nRule: {clause}",
        "recording.told": (
            "{by} recorded for you: {item} {points} ({date}).\nReason: {reason}{rule}\n"
            "Entry #{id}; send 积分明细 to see all your entries. If you disagree, ask the secretary for a correction."
        ),
        "recording.unknown": "“{name}” is not on the roster.",
        "recording.unknown_close": "“{name}” is not on the roster; did you mean “{close}”?",
        "recording.nothing_recorded": "Nothing was recorded; correct the name(s) and send again (as on the roster).",
        "recording.points_needed": "“{name}” takes points from {low} to {high}; please give them, e.g. 扣4分. Nothing was recorded.",
        "recording.points_range": "“{name}” takes points from {low} to {high}, got {points}. Nothing was recorded.",
        "recording.points_fixed": "“{name}” is worth exactly {points}; no points are needed. Nothing was recorded.",
        "recording.member_refused": "{name}: {reason}. Nothing was recorded.",
        "recording.twice": "{name} already has “{item}” on {date} (#{entry}); not recorded twice. If it is wrong, use 更正 {entry}.",
        "recording.twice_pending": "{name} already has “{item}” on {date} waiting for review (#{claim}); not recorded twice.",
        "recording.claimed": "{name} already has claim #{claim} for this item on that day; not recorded twice.",
        "recording.self_confirmation": "You recorded this one yourself; the secretary confirms it.",
        "recording.card.recorder": "Recorded by",
        "recording.unknown_key": "branch {branch} has no “{name}” on its roster (an id, roster number or name; see partybot member list --branch {branch})",
        "recording.cli_done": "Recorded: {item} {points}, {date}: {who}",
        "recording.cli_pending": "Sent for the branch's confirmation (claims {who}); it enters the ledger once the secretary confirms",
        "entries.cli_header": "No.|Date|Item|Points|By|Reason|Correction",
        "entries.cli_reversal": "reverses #{original}",
        "correct.cli_done": "Corrected entry #{entry}: reversal #{reversal}; new entry {new}",
        "correct.private_only": "Please send corrections in a private chat with the bot, so nobody's entries are posted in the group.",
        "correct.usage": (
            "To correct: 更正 ENTRY REASON, e.g.\n"
            "更正 12 重复记录\n"
            "更正 12 改为 2分 分值录错\n"
            "更正 12 改为 3月8日 日期录错\n"
            "Entry numbers: send 积分明细 NAME."
        ),
        "correct.reason_required": "Please give the reason, e.g. 更正 {entry} 重复记录",
        "correct.what": "Please say what it becomes, e.g. 更正 {entry} 改为 2分 分值录错",
        "correct.same": "The corrected entry would be the same as entry #{entry}; nothing was corrected.",
        "correct.reason": "correction of #{entry}: {reason}",
        "correct.new": "new entry {line}",
        "correct.no_new": "no new entry",
        "correct.done": "Corrected {member}'s entry {line}: reversal #{reversal}; {new}.\nReason: {reason}",
        "correct.told": "Your entry {line} was corrected by {by}; {new}.\nReason: {reason}\nSend 积分明细 to see your entries.",
        "entries.brief": "#{id} ({date} {name} {points})",
        "entries.unknown": "“{name}” is not on the roster. {hint}",
        "entries.close": "Did you mean “{close}”?",
        "entries.twins": "The roster has more than one {name}: {ids}. Send 积分明细 #NUMBER, e.g. 积分明细 #5.",
        "entries.sent": "{name}, your entries were sent to you privately.",
        "entries.none": "{name} has no entries in {year} yet.",
        "entries.head": "{name}'s entries in {year} ({count}):",
        "entries.more": "(the latest {shown} only)",
        "entries.line": "#{id} {date} {name} {points} ({how}){mark}",
        "entries.approved": "approved by {by}",
        "entries.recorded": "recorded by {by}",
        "entries.reversed": " — corrected, see #{reversal}",
        "entries.reversal": "#{id} {date} reverses #{original} {points} ({by}: {reason})",
        "entries.foot": "If you disagree, ask the secretary; they send 更正 NUMBER REASON.",
    },
}
