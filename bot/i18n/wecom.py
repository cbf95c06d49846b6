"""Messages of the WeCom channel and ``partybot wecom``."""

MESSAGES = {
    "zh-CN": {
        "wecom.pick": "确定",
        "wecom.photo_elsewhere": "📷 申报 #{id} 附有凭证照片 (企业微信回调模式不能发送图片, 请在审核列表中查看)",
        "wecom.no_credentials": "未配置企业微信机器人: 请在配置文件 [wecom] 中填写 bot_id 和 secret (长连接模式), 见 config.example.toml。",
        "wecom.callback_incomplete": "企业微信回调模式需要 [wecom] 中的 token、encoding_aes_key 和 callback_path, 见 config.example.toml。",
        "wecom.no_corp": "请在配置文件 [wecom] 中填写 corp_id (企业ID, 管理后台「我的企业」页最下方), 用于区分不同企业的成员。",
        "wecom.auth_failed": "企业微信拒绝了机器人的连接 (errcode={code}: {msg})。请核对 [wecom] 中的 bot_id 和 secret 是否与管理后台「智能机器人 → API 模式 → 长连接」中显示的一致, 修改后重新启动。",
        "wecom.unreachable": "连接不上企业微信 ({error})。请检查网络, 或稍后再试。",
        "wecom.replaced": "同一个机器人在别处建立了新的长连接, 本进程已停止接收消息。请确认只运行一个 partybot wecom (长连接模式), 或改用回调模式运行多个副本。",
    },
    "en": {
        "wecom.pick": "OK",
        "wecom.photo_elsewhere": "📷 Claim #{id} has an evidence photo (WeCom's callback mode cannot send images; see it in the pending list).",
        "wecom.no_credentials": "No WeCom robot configured: set bot_id and secret in [wecom] of the config file (long connection), see config.example.toml.",
        "wecom.callback_incomplete": "WeCom's callback mode needs token, encoding_aes_key and callback_path in [wecom], see config.example.toml.",
        "wecom.no_corp": "Set corp_id in [wecom] of the config file (the corp ID, at the bottom of 'My company' in the admin console): it keeps members of different corps apart.",
        "wecom.auth_failed": "WeCom refused the robot's connection (errcode={code}: {msg}). Check that bot_id and secret in [wecom] match the admin console (Intelligent robot → API mode → long connection), then start again.",
        "wecom.unreachable": "Cannot reach WeCom ({error}). Check the network, or try again later.",
        "wecom.replaced": "Another long connection for the same robot was opened elsewhere; this process stopped receiving messages. Run one partybot wecom in long-connection mode, or use the callback mode for several replicas.",
    },
}
