"""Messages of the bot's start: what the config brings in when ``partybot telegram``, ``wecom`` or
``console`` starts (the passbook catalog), and why a start is refused."""

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "passbook.config_entry": (
            "配置文件中的 [[passbook.goods]] (branch = {branch}, name = {name}) 无法载入: {error}\n"
            "兑换目录一项也没有载入。请改正配置文件中的这一项: 启动机器人或运行 partybot passbook catalog load 时载入。"
        ),
    },
    "en": {
        "passbook.config_entry": (
            "The config's [[passbook.goods]] (branch = {branch}, name = {name}) cannot be loaded: {error}\n"
            "No goods were loaded. Correct that entry in the config: it is loaded when the bot starts or by"
            " partybot passbook catalog load."
        ),
    },
}
