"""Messages of ``/healthz``: what is wrong and what to do, for whoever runs the bot."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "health.database": "数据库无法连接 ({error}): 请检查配置文件 [database] url 和数据库服务是否在运行。",
        "health.migrations": "数据库结构不是最新 (当前 {current}, 应为 {head}): 请运行 partybot db upgrade。",
        "health.outbox": (
            "{platform} 有 {rows} 条消息待发, 最早到期的一条已等了 {minutes} 分钟仍未发出:"
            " 请确认运行 {platform} 的进程在线, 并查看它的日志。"
        ),
        "health.unchecked": "未检查 (数据库无法连接)",
    },
    "en": {
        "health.database": "The database cannot be reached ({error}): check [database] url in the config"
        " file and that the database server is running.",
        "health.migrations": "The database schema is not current (at {current}, should be {head}):"
        " run partybot db upgrade.",
        "health.outbox": (
            "{platform} has {rows} messages waiting; the oldest due one has waited {minutes} minutes"
            " unsent: check that the process running {platform} is up, and read its log."
        ),
        "health.unchecked": "not checked (the database cannot be reached)",
    },
}
