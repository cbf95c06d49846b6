"""Messages of running the bot: secrets in the config, ``config check``, the log, backups and restores."""

MESSAGES = {
    "zh-CN": {
        # secrets from a file or a variable
        "ops.secret_twice": "同一个密钥写了多处 ({keys}): 只保留其中一个 (直接写值, 或 _file 指向文件, 或 _env 指向环境变量)。",
        "ops.secret_not_text": "应为带引号的文字: 文件路径或环境变量名。",
        "ops.secret_file_missing": "读不到密钥文件 {path}: 请确认文件存在且本进程有权读取, 或改写正确的路径。",
        "ops.secret_file_empty": "密钥文件 {path} 是空的: 请把密钥写进去 (一行)。",
        "ops.secret_env_missing": "环境变量 {var} 未设置或为空: 请在启动前设置它 (systemd 的 EnvironmentFile, 或 compose 的 environment)。",
        # config check
        "ops.config_help": "配置文件: 启动前检查",
        "ops.config_description": "检查配置文件。",
        "ops.check_help": "检查配置文件, 列出所选渠道还缺什么 (不显示任何密钥)",
        "ops.check_description": "检查配置文件并列出运行命令读取的每项设置; 密钥只显示是否已设置和来自哪里, 从不显示其值。"
        " 退出状态: 0 可以启动; 1 配置文件本身有错 (指出键和行); 2 所选渠道缺少必需的设置。",
        "ops.channels_help": "要检查的渠道, 逗号分隔: telegram,wecom (默认: 配置文件里已设置的渠道)",
        "ops.bad_channels": "不认识的渠道 {names}: 可选 {known}, 用逗号分隔",
        "ops.check_file": "配置文件: {path}",
        "ops.check_no_file": "配置文件 {path} 不存在: 以下为默认值和环境变量中的设置",
        "ops.secret_set": "已设置 (来自 {source})",
        "ops.secret_unset": "未设置",
        "ops.source_file": "文件 {name}",
        "ops.source_env": "环境变量 {name}",
        "ops.source_config": "配置文件",
        "ops.no_channel": "配置文件里没有设置任何渠道: 请填写 [telegram] token 或 [wecom] corp_id, 或用 --channels {known} 指定要检查的渠道。",
        "ops.channel_lacks": "✗ {channel} 还缺:",
        "ops.channel_ready": "✓ {channel} 可以启动",
        # the log
        "ops.log_format_help": "日志格式: text (每个事件一行文字, 默认) 或 json (每行一个 JSON 对象); 默认取配置 [bot] log_format",
        # migrations before serving
        "ops.schema_behind": "数据库的表结构版本 ({current}) 不是本程序的版本 ({head}), 而配置 [database] migrate = false:"
        " 请先运行一次 partybot db upgrade, 再启动本进程。",
        "ops.empty": "空库",
        # backups and restores
        "ops.db_description": "数据库维护: 升级表结构, 备份与恢复。",
        "ops.backup_help": "备份数据库到文件 (SQLite: 机器人运行时也可以; PostgreSQL: 显示 pg_dump 的用法)",
        "ops.backup_description": "把 SQLite 数据库备份到一个新文件。使用 SQLite 的在线备份: 机器人照常运行,"
        " 备份是开始那一刻的完整数据库。PostgreSQL 请用 pg_dump (本命令会显示用法)。",
        "ops.backup_file_help": "备份文件的路径 (不能是已有的文件)",
        "ops.restore_help": "从备份文件恢复数据库 (先停止机器人)",
        "ops.restore_description": "用备份文件替换配置中的 SQLite 数据库。先检查备份是 partybot 的数据库且版本已知;"
        " 已有数据库时需要 --force, 原数据库会改名保留, 不会删除。恢复前请先停止机器人。",
        "ops.restore_file_help": "partybot db backup 生成的备份文件",
        "ops.restore_force_help": "替换已有的数据库 (原文件改名为 .before-restore-日期 保留)",
        "ops.no_database": "数据库文件 {path} 不存在: 请检查配置 [database] url。",
        "ops.backup_exists": "{file} 已经存在: 请换一个文件名, 备份不会覆盖已有的文件。",
        "ops.backup_failed": "备份没有完成 ({error}), 没有留下不完整的文件。请检查磁盘空间和目录权限后重试。",
        "ops.backup_done": "已备份到 {file} (表结构版本 {revision}, {size} 字节)。",
        "ops.pg_backup": "PostgreSQL 数据库 ({url}) 请用它自带的工具备份, 例如:\n"
        "  pg_dump -Fc --no-owner -d 'postgresql://用户@主机:5432/库名' -f {file}\n"
        "(密码用 PGPASSWORD 或 ~/.pgpass 提供; 机器人运行时也可以备份。)",
        "ops.pg_restore": "PostgreSQL 数据库 ({url}) 请用它自带的工具恢复, 先停止所有副本, 例如:\n"
        "  pg_restore --clean --if-exists --no-owner -d 'postgresql://用户@主机:5432/库名' {file}\n"
        "然后运行一次 partybot db upgrade, 再启动副本。",
        "ops.not_sqlite": "{file} 不是 SQLite 数据库文件 (或已损坏): 请确认是 partybot db backup 生成的备份。",
        "ops.not_partybot": "{file} 不是 partybot 的数据库 (没有台账表或版本表): 请确认文件没有选错。",
        "ops.damaged": "{file} 已损坏 ({check}): 请换一个备份。",
        "ops.unknown_revision": "{file} 的表结构版本 {revision} 本程序不认识 (可能是更新版本的 partybot 生成的):"
        " 请用生成它的版本恢复, 或先升级本程序。",
        "ops.restore_exists": "数据库 {path} 已经存在, 没有替换。确认要用备份替换它, 请加 --force (原文件会改名保留)。",
        "ops.restore_in_use": "数据库 {path} 似乎正在使用 (有 -wal 文件: 机器人还在运行, 或上次没有正常停止), 没有替换。"
        " 请先停止机器人; 确认要替换, 再加 --force (原文件会改名保留)。",
        "ops.restored": "已用 {file} 恢复数据库 {path} (表结构版本 {revision})。",
        "ops.moved_aside": "原数据库已改名保留为 {path}。",
        "ops.restored_behind": "备份的表结构版本 {revision} 早于本程序的 {head}: 机器人启动时会自动升级,"
        " 或运行 partybot db upgrade。",
    },
    "en": {
        "ops.secret_twice": "The same secret is given more than once ({keys}): keep one (the value, or _file naming a file, or _env naming a variable).",
        "ops.secret_not_text": "Expected quoted text: a file path or a variable name.",
        "ops.secret_file_missing": "Cannot read the secret file {path}: check that it exists and this process may read it, or fix the path.",
        "ops.secret_file_empty": "The secret file {path} is empty: write the secret into it (one line).",
        "ops.secret_env_missing": "The environment variable {var} is not set or empty: set it before start (systemd's EnvironmentFile, or compose's environment).",
        "ops.config_help": "The config file: checked before start",
        "ops.config_description": "Check the config file.",
        "ops.check_help": "Check the config file and list what the chosen channels lack (no secret shown)",
        "ops.check_description": "Check the config file and list every setting the run commands read; secrets only as set or not and where from, never their values."
        " Exit status: 0 ready; 1 the file itself is wrong (key and line); 2 the chosen channels lack a setting.",
        "ops.channels_help": "Channels to check, comma-separated: telegram,wecom (default: those the file sets up)",
        "ops.bad_channels": "Unknown channel {names}: choose from {known}, comma-separated",
        "ops.check_file": "Config file: {path}",
        "ops.check_no_file": "The config file {path} does not exist: the defaults and the environment's settings follow",
        "ops.secret_set": "set (from {source})",
        "ops.secret_unset": "not set",
        "ops.source_file": "file {name}",
        "ops.source_env": "environment variable {name}",
        "ops.source_config": "the config file",
        "ops.no_channel": "The config file sets up no channel: fill in [telegram] token or [wecom] corp_id, or name the channels to check with --channels {known}.",
        "ops.channel_lacks": "✗ {channel} lacks:",
        "ops.channel_ready": "✓ {channel} is ready to start",
        "ops.log_format_help": "Log format: text (one line of text per event, default) or json (one JSON object per line); default from [bot] log_format",
        "ops.schema_behind": "The database's schema ({current}) is not this program's ({head}), and [database] migrate = false:"
        " run partybot db upgrade once, then start this process.",
        "ops.empty": "empty",
        "ops.db_description": "Database maintenance: schema upgrades, backups and restores.",
        "ops.backup_help": "Back up the database to a file (SQLite: while the bot runs; PostgreSQL: shows how with pg_dump)",
        "ops.backup_description": "Back up the SQLite database to a new file with SQLite's online backup: the bot goes on,"
        " the backup is the whole database as it was when it began. For PostgreSQL use pg_dump (this command shows how).",
        "ops.backup_file_help": "Path of the backup file (not an existing file)",
        "ops.restore_help": "Restore the database from a backup file (stop the bot first)",
        "ops.restore_description": "Replace the configured SQLite database with a backup. The backup is checked to be a partybot database at a known version;"
        " an existing database needs --force and is kept under another name, never deleted. Stop the bot first.",
        "ops.restore_file_help": "A backup made by partybot db backup",
        "ops.restore_force_help": "Replace an existing database (the old file is kept as .before-restore-<date>)",
        "ops.no_database": "The database file {path} does not exist: check [database] url.",
        "ops.backup_exists": "{file} exists already: choose another name; a backup never overwrites a file.",
        "ops.backup_failed": "The backup did not finish ({error}); no partial file is left. Check the disk space and the folder's permissions and try again.",
        "ops.backup_done": "Backed up to {file} (schema {revision}, {size} bytes).",
        "ops.pg_backup": "Back up the PostgreSQL database ({url}) with its own tools, e.g.:\n"
        "  pg_dump -Fc --no-owner -d 'postgresql://user@host:5432/dbname' -f {file}\n"
        "(the password through PGPASSWORD or ~/.pgpass; the bot may keep running.)",
        "ops.pg_restore": "Restore the PostgreSQL database ({url}) with its own tools, all replicas stopped, e.g.:\n"
        "  pg_restore --clean --if-exists --no-owner -d 'postgresql://user@host:5432/dbname' {file}\n"
        "then run partybot db upgrade once and start the replicas.",
        "ops.not_sqlite": "{file} is not a SQLite database (or is damaged): make sure it was made by partybot db backup.",
        "ops.not_partybot": "{file} is not a partybot database (no ledger or version table): check that it is the right file.",
        "ops.damaged": "{file} is damaged ({check}): use another backup.",
        "ops.unknown_revision": "{file} has schema version {revision}, which this program does not know (made by a newer partybot?):"
        " restore it with the version that made it, or upgrade this program first.",
        "ops.restore_exists": "The database {path} exists; nothing was replaced. To replace it with the backup, add --force (the old file is kept).",
        "ops.restore_in_use": "The database {path} seems in use (it has a -wal file: the bot is running, or was not stopped cleanly); nothing was replaced."
        " Stop the bot first; to replace it anyway, add --force (the old file is kept).",
        "ops.restored": "Restored the database {path} from {file} (schema {revision}).",
        "ops.moved_aside": "The old database is kept as {path}.",
        "ops.restored_behind": "The backup's schema {revision} is older than this program's {head}: the bot upgrades it on start,"
        " or run partybot db upgrade.",
    },
}
