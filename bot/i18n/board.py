"""Messages of the publicity board (公示栏): the picture's texts, its captions and /board."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "board.title": "{branch}\n{period}积分公示",
        "board.window": "公示期 {opens} 至 {closes}",
        "board.final": "公示期满, 结果已于 {time} 确定",
        "board.col.no": "序号",
        "board.col.name": "姓名",
        "board.col.score": "本期得分",
        "board.col.year_score": "年度得分",
        "board.col.ytd": "年度累计",
        "board.col.grade": "等次",
        "board.col.stars": "星级",
        "board.col.rank": "名次",
        "board.none_cell": "—",
        "board.stars_quarter": "本季度之星: {names}",
        "board.stars_year": "年度之星: {names}",
        "board.stars_period": "本期之星: {names}",
        "board.object": "对本人结果有异议的, 请于 {time} 前向支部书记提出, 或私聊机器人发送: 异议 原因。",
        "board.object_final": "本期结果已确定; 如需更正, 请与支部书记联系。",
        "board.page": "第 {page}/{pages} 页",
        "board.caption": "{period}积分公示栏",
        "board.caption_page": "{period}积分公示栏 (第 {page}/{pages} 页)",
        "board.caption_full": "{period}完整公示栏 (全体党员的得分和等次), 只发给你, 可打印张贴在支部公开栏。",
        "board.caption_full_page": "{period}完整公示栏 (第 {page}/{pages} 页)",
        "board.notice_group": (
            "本支部的公示方式是「通知」: 群内不公布个人结果, 各人结果已私信告知本人。"
            "书记可私聊机器人发送 公示栏, 取得完整公示栏 (可张贴在支部公开栏)。"
        ),
        "board.notice_member": "本支部不在群内公布个人结果。你本人的结果请发送 我的积分 查看。",
        "board.none": "本支部还没有公示过积分。每期结束后机器人会自动公示; 发送 日程 可查看下一次公示时间。",
        "board.not_posted": "{period} 没有公示记录。已公示的期间: {periods}。例如发送: 公示栏 {example}",
        "board.usage": (
            "用法: 公示栏 [期间]。期间如 11月、2026年第三季度、上半年、2026年、上月、上季度 "
            "(或 2026-11、2026-Q3、2026-H1、2026); 不写期间即最近一期。"
        ),
        "board.help": "公示栏 [期间] — 最近一期 (或某一期) 的积分公示栏图片; 书记私聊时得到完整公示栏",
        "board.bad_font": (
            "没有字体文件 “{font}”: 请写含中文的字体文件的完整路径 (如 /usr/share/fonts/truetype/wqy/wqy-microhei.ttc), "
            "或字体名称 (如 Noto Sans CJK SC), 或留空由系统查找"
        ),
    },
    "en": {
        "board.title": "{branch}\nResults of {period}",
        "board.window": "On publicity {opens} to {closes}",
        "board.final": "Window ended; results final since {time}",
        "board.col.no": "No.",
        "board.col.name": "Name",
        "board.col.score": "Period",
        "board.col.year_score": "Year",
        "board.col.ytd": "Year to date",
        "board.col.grade": "Grade",
        "board.col.stars": "Stars",
        "board.col.rank": "Rank",
        "board.none_cell": "—",
        "board.stars_quarter": "Stars of the quarter: {names}",
        "board.stars_year": "Stars of the year: {names}",
        "board.stars_period": "Stars of the period: {names}",
        "board.object": "To object to your own result, tell the branch secretary before {time}, or send me privately: 异议 reason.",
        "board.object_final": "These results are final; for a correction, speak to the branch secretary.",
        "board.page": "Page {page} of {pages}",
        "board.caption": "Publicity board of {period}",
        "board.caption_page": "Publicity board of {period} (page {page} of {pages})",
        "board.caption_full": "The full board of {period} (every member's score and grade), for you only: print it for the branch's notice board.",
        "board.caption_full_page": "The full board of {period} (page {page} of {pages})",
        "board.notice_group": (
            "This branch posts only a notice: no one's result is shown in the group; each member was told privately. "
            "The secretary gets the full board by sending me 公示栏 privately."
        ),
        "board.notice_member": "This branch does not show results in the group. Send 我的积分 for your own.",
        "board.none": "Nothing has been posted for publicity yet. Each period is posted when it ends; 日程 shows the next.",
        "board.not_posted": "{period} was not posted. Posted periods: {periods}. For example: 公示栏 {example}",
        "board.usage": (
            "Usage: /board [period], the period as 2026-11 (month), 2026-Q3 (quarter), 2026-H1 (half) or 2026 "
            "(year), or in Chinese (11月, 第三季度, 上半年, 上月); none: the latest."
        ),
        "board.help": "/board [PERIOD] — the publicity board picture of the latest (or a given) period",
        "board.bad_font": (
            "no font file “{font}”: give the full path of a font file with Chinese glyphs, a font family name "
            "(such as Noto Sans CJK SC), or leave it empty for the system's"
        ),
    },
}
