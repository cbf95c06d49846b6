"""The WeCom (企业微信) channel: the intelligent robot (智能机器人) in branch groups and private chats.

``protocol`` translates bodies and cards; ``connection`` is the long connection (WebSocket);
``longconn`` and ``callback`` are the two API modes; ``transport`` delivers outbox rows."""

from bot.channels.wecom.protocol import CAPABILITIES, PLATFORM

__all__ = ["CAPABILITIES", "PLATFORM"]
