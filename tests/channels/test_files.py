"""Files the bot sends (``Send.file``) on Telegram: a document with the message as its caption, a
picture as a photo, a long message after the file, and a file gone from the media store said so."""

from __future__ import annotations

from handlers.chatworld import ChatWorld
from telegram.ext import Application

from bot.channels.telegram import TelegramTransport
from bot.storage.outbox import Outgoing
from channels.offline import OfflineRequest


def _row(chat: str, text: str, sha: str, name: str, mime: str) -> Outgoing:
    payload = {
        "text": text,
        "photo": None,
        "quote": None,
        "file": {"sha256": sha, "name": name, "mime": mime},
    }
    return Outgoing(1, "k:0", "telegram", chat, "send", payload, None, None)


async def test_a_document_a_picture_a_long_caption_and_a_file_gone(
    world: ChatWorld,
    app: Application,
    api: OfflineRequest,  # type: ignore[type-arg]
) -> None:
    transport = TelegramTransport(app.bot, world.app.media)
    sheet = world.app.media.put(b"PK sheet", "application/vnd.ms-excel", "台账.xlsx")
    posted = await transport.deliver(_row("42", "台账.xlsx (3 条记录)", sheet.sha256, "台账.xlsx", "x/xlsx"))
    [doc] = api.of("sendDocument")
    assert doc.params["caption"] == "台账.xlsx (3 条记录)" and doc.params["file_names"] == {
        "document": "台账.xlsx"
    }
    assert doc.params["files"] == {"document": b"PK sheet"} and posted == [
        ("42", str(doc.result["message_id"]))
    ]
    assert api.of("sendMessage") == []
    picture = world.app.media.put(b"\x89PNG board", "image/png", "公示栏.png")
    await transport.deliver(_row("42", "公示栏", picture.sha256, "公示栏.png", "image/png"))
    [photo] = api.of("sendPhoto")
    assert photo.params["caption"] == "公示栏" and photo.params["files"] == {"photo": b"\x89PNG board"}
    api.clear()
    await transport.deliver(_row("42", "长" * 1500, sheet.sha256, "台账.xlsx", "x/xlsx"))
    assert [c.method for c in api.calls] == ["sendDocument", "sendMessage"]
    assert "caption" not in api.calls[0].params and api.calls[1].params["text"] == "长" * 1500
    api.clear()
    await transport.deliver(_row("42", "台账", "0" * 64, "台账.xlsx", "x/xlsx"))
    assert [c.params["text"] for c in api.of("sendMessage")] == [
        "[文件 台账.xlsx 已不在媒体库中, 请重新导出]",
        "台账",
    ]
