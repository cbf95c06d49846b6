"""partybot: 党员积分制管理 in the group chats branches already use (WeCom, Telegram)."""

__version__ = "0.1.0"
