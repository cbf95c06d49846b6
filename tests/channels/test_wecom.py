"""WeCom's intelligent robot against the fake WeCom on loopback (long connection) and the fake
client posting callbacks encrypted with wechatpy's real crypto (callback URL): authentication,
heartbeats, error codes, a dropped or replaced connection, redeliveries, images, bad input."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from contract.driver import ALICE, GROUP, SECRETARY
from contract.wecom_driver import (
    AES_KEY,
    PATH,
    TOKEN,
    USERS,
    CallbackDriver,
    LongConnectionDriver,
    message_body,
)
from handlers.chatworld import make_chat_world
from sqlalchemy import func, select

from bot.channels.wecom import protocol as p
from bot.channels.wecom.connection import AuthFailed, LongConnection
from bot.channels.wecom.longconn import Downloader
from bot.cli.wecom import serve
from bot.config import Config
from bot.delivery import Sender
from bot.handlers.types import Action, Card, Field, Media
from bot.i18n import t
from bot.media import MediaStore
from bot.reports.xlsx import XLSX
from bot.storage import Database
from bot.storage.schema import ClaimEvidence, ClaimRow
from channels.wecom_fake import BOT_ID, CORP, SECRET, CallbackClient, FakeWecom


@pytest.fixture
async def fake() -> AsyncIterator[FakeWecom]:
    server = await FakeWecom().start()
    try:
        yield server
    finally:
        await server.close()


async def _driven(
    kind: type[LongConnectionDriver] | type[CallbackDriver], db: Database, tmp_path: Path
) -> AsyncIterator[Any]:
    driver = await kind.start(
        await make_chat_world(db, platforms=("wecom",), media=MediaStore(tmp_path / "media"))
    )
    try:
        yield driver
    finally:
        await driver.close()


@pytest.fixture
async def wecom(db: Database, tmp_path: Path) -> AsyncIterator[LongConnectionDriver]:
    async for driver in _driven(LongConnectionDriver, db, tmp_path):
        yield driver


@pytest.fixture
async def callback(db: Database, tmp_path: Path) -> AsyncIterator[CallbackDriver]:
    async for driver in _driven(CallbackDriver, db, tmp_path):
        yield driver


async def claims(db: Database) -> int:
    async with db.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(ClaimRow))).scalar_one())


async def nothing(_frame: object) -> None:
    return None


# -- the long connection -------------------------------------------------------------------------


async def test_a_wrong_secret_is_refused_at_subscription(fake: FakeWecom) -> None:
    connection = LongConnection(BOT_ID, "guessed", nothing, url=fake.url)
    with pytest.raises(AuthFailed) as refused:
        await connection.open()
    assert refused.value.errcode == 40001 and fake.refused == 1 and fake.subscribed == 0
    assert fake.frames[0]["cmd"] == "aibot_subscribe" and fake.frames[0]["body"] == {
        "bot_id": BOT_ID,
        "secret": "guessed",
    }


async def test_partybot_wecom_stops_with_a_chinese_message_on_a_wrong_secret(
    fake: FakeWecom, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
            "wecom": {"corp_id": CORP, "bot_id": BOT_ID, "secret": "wrong", "url": fake.url},
            "media": {"dir": str(tmp_path / "media")},
        }
    )
    assert await serve(config, asyncio.Event()) == 2
    err = capsys.readouterr().err
    assert "企业微信拒绝了机器人的连接 (errcode=40001: invalid secret)" in err and "bot_id 和 secret" in err


async def test_partybot_wecom_runs_on_the_right_secret_until_stopped(fake: FakeWecom, tmp_path: Path) -> None:
    config = Config.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
            "wecom": {
                "corp_id": CORP,
                "bot_id": BOT_ID,
                "secret": SECRET,
                "url": fake.url,
                "heartbeat": 0.05,
            },
            "server": {"port": 18931},
            "media": {"dir": str(tmp_path / "media")},
        }
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop))
    await fake.wait_connected()
    while not any(f["cmd"] == "ping" for f in fake.frames):
        await asyncio.sleep(0.01)
    stop.set()
    assert await running == 0


def test_partybot_wecom_without_credentials_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[wecom]\ncorp_id = "{CORP}"\n', encoding="utf-8")
    assert main(["--config", str(config), "wecom"]) == 1
    assert "请在配置文件 [wecom] 中填写 bot_id 和 secret" in capsys.readouterr().err
    config.write_text('[wecom]\nbot_id = "x"\nsecret = "y"\n', encoding="utf-8")
    assert main(["--config", str(config), "wecom"]) == 1
    assert "corp_id" in capsys.readouterr().err
    config.write_text(f'[wecom]\nmode = "callback"\ncorp_id = "{CORP}"\ntoken = "t"\n', encoding="utf-8")
    assert main(["--config", str(config), "wecom"]) == 1
    assert "encoding_aes_key" in capsys.readouterr().err


async def test_a_secret_revoked_while_running_stops_partybot_wecom(
    fake: FakeWecom, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
            "wecom": {"corp_id": CORP, "bot_id": BOT_ID, "secret": SECRET, "url": fake.url},
            "server": {"port": 18932},
            "media": {"dir": str(tmp_path / "media")},
        }
    )
    running = asyncio.create_task(serve(config, asyncio.Event()))
    await fake.wait_connected()
    fake.secret = "reset-in-the-console"
    await fake.drop()  # the reconnect's subscription is refused
    assert await asyncio.wait_for(running, 10) == 2
    assert "企业微信拒绝了机器人的连接" in capsys.readouterr().err and fake.refused == 1


async def test_heartbeats_and_a_deaf_connection_is_opened_again(fake: FakeWecom) -> None:
    connection = LongConnection(BOT_ID, SECRET, nothing, url=fake.url, heartbeat=0.05, backoff=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(connection.run(stop, await connection.open()))
    while sum(f["cmd"] == "ping" for f in fake.frames) < 3:
        await asyncio.sleep(0.01)
    assert fake.subscribed == 1  # answered pings keep the one connection
    fake.deaf = True
    await fake.wait_connected(count=2)  # two unanswered pings: dead, connected and subscribed again
    fake.deaf = False
    stop.set()
    await running
    pings = [f for f in fake.frames if f["cmd"] == "ping"]
    assert all(f["headers"]["req_id"].startswith("ping_") and "body" not in f for f in pings)


async def test_a_dropped_connection_is_reopened_with_backoff(fake: FakeWecom) -> None:
    connection = LongConnection(BOT_ID, SECRET, nothing, url=fake.url, heartbeat=5, backoff=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(connection.run(stop, await connection.open()))
    await fake.drop()
    await fake.wait_connected(count=2)  # WeCom counts the subscribe before the bot reads its answer
    await asyncio.wait_for(connection.ready.wait(), 5)
    assert connection.connections == 2
    stop.set()
    await running


async def test_a_replacing_connection_stops_this_one_for_good(fake: FakeWecom) -> None:
    connection = LongConnection(BOT_ID, SECRET, nothing, url=fake.url, heartbeat=5, backoff=0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(connection.run(stop, await connection.open()))
    await fake.replace()
    await asyncio.wait_for(running, 5)  # run() ends by itself: no reconnect to push the other out
    assert connection.replaced and fake.subscribed == 1


async def test_a_claim_over_the_long_connection_is_one_send_msg_with_a_template_card(
    wecom: LongConnectionDriver,
) -> None:
    [card] = await wecom.say(ALICE, "申报 志愿服务 3月5日")
    [frame] = wecom.fake.sent("aibot_send_msg")
    body = frame["body"]
    assert body["chatid"] == "wrGROUPchat1" and body["msgtype"] == "template_card"
    template = body["template_card"]
    assert template["card_type"] == "button_interaction" and template["task_id"] == card.id
    assert [b["text"] for b in template["button_list"]] == [
        "通过",
        "驳回",
    ]  # a fixed-point item has nothing to adjust
    assert len(template["horizontal_content_list"]) <= 6 and template["main_title"]["title"].startswith(
        "📝 积分申报 #"
    )


async def test_the_pressed_card_is_updated_in_reply_to_its_event(wecom: LongConnectionDriver) -> None:
    [card] = await wecom.say(ALICE, "申报 志愿服务 3月5日")
    await wecom.press(SECRETARY, "通过", on=card)
    [update] = wecom.fake.sent("aibot_respond_update_msg")
    assert update["body"]["response_type"] == "update_template_card"
    assert update["body"]["template_card"]["task_id"] == card.id
    assert update["headers"]["req_id"].startswith("aibot_event_callback_")  # the event's own req_id


async def test_a_late_update_becomes_a_new_message(wecom: LongConnectionDriver) -> None:
    wecom.presses.window = 0.0  # every event is already older than WeCom's 5 s
    [card] = await wecom.say(ALICE, "申报 志愿服务 3月5日")
    await wecom.press(SECRETARY, "通过", on=card)
    assert wecom.fake.sent("aibot_respond_update_msg") == []
    state = wecom.chat(GROUP)[-1]
    assert (
        state is not card
        and "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in state.lines
        and state.buttons == []
    )


async def test_the_same_msgid_twice_is_handled_once(wecom: LongConnectionDriver) -> None:
    body = message_body(USERS[ALICE], "申报 志愿服务 3月5日", chat="wrGROUPchat1")
    await wecom._deliver(body)
    await wecom._deliver(body)
    assert await claims(wecom.world.db) == 1 and len(wecom.fake.sent("aibot_send_msg")) == 1


async def test_garbage_frames_and_bodies_do_not_stop_the_connection(
    wecom: LongConnectionDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert wecom.fake.live is not None
    await wecom.fake.live.send("this is not JSON")
    await wecom.fake.live.send("[1, 2, 3]")
    await wecom._deliver({"msgid": "m-odd", "msgtype": "text"})  # no sender: not acted on
    await wecom._deliver(
        {"msgid": "m-video", "from": {"userid": USERS[ALICE]}, "msgtype": "video", "video": {}}
    )
    # a file without its key: cannot be decrypted, and its sender is told so
    await wecom._deliver(
        {"msgid": "m-file", "from": {"userid": USERS[ALICE]}, "msgtype": "file", "file": {"url": "x"}}
    )
    assert "a frame that is not JSON was ignored" in caplog.text
    assert [m.text for m in wecom._collect()] == [t("sheets.chat_file_failed")]
    [card] = await wecom.say(ALICE, "申报 志愿服务 3月5日")
    assert card.labels == ["通过", "驳回"] and wecom.connection.connections == 1


async def test_an_image_that_cannot_be_fetched_is_said_and_nothing_is_lost(
    wecom: LongConnectionDriver,
) -> None:
    body = message_body(
        USERS[ALICE], "申报 志愿服务 3月5日", chat="wrGROUPchat1", image=("http://127.0.0.1:1/gone", "a" * 43)
    )
    await wecom._deliver(body)
    [told] = wecom.chat(GROUP)
    assert told.text == t("chat.photo_failed") and await claims(wecom.world.db) == 0


async def test_an_image_is_downloaded_decrypted_and_kept_by_its_hash(wecom: LongConnectionDriver) -> None:
    photo = b"\xff\xd8JPEG of the clean-up"
    await wecom.say(ALICE, "申报 志愿服务 3月5日", photo=photo)
    sha = hashlib.sha256(photo).hexdigest()
    assert wecom.world.app.media.read(sha) == photo
    async with wecom.world.db.uow() as uow:
        [file_id] = (await uow.session.scalars(select(ClaimEvidence.file_id))).all()
    assert file_id == sha


async def test_a_file_is_downloaded_decrypted_and_named_by_its_download(
    wecom: LongConnectionDriver, tmp_path: Path
) -> None:
    data = b"PK\x03\x04 the filled sheet"
    body = message_body(USERS[SECRETARY], "", chat=None, file=wecom.fake.media(data, "三月 评分.xlsx"))
    assert body["msgtype"] == "file" and set(body["file"]) == {"url", "aeskey"}
    media = MediaStore(tmp_path / "files")
    inc = await p.incoming(body, CORP, Downloader(media, wecom.http))
    assert inc is not None and inc.private and inc.photo is None and not inc.photo_failed
    sha = hashlib.sha256(data).hexdigest()
    assert inc.document == Media(sha, len(data), XLSX, "三月 评分.xlsx") and media.read(sha) == data
    # a picture sent as a file is a photo, as on Telegram
    image = message_body(USERS[ALICE], "", chat=None, file=wecom.fake.media(b"\xff\xd8JPEG", "现场.jpg"))
    shown = await p.incoming(image, CORP, Downloader(media, wecom.http))
    assert (
        shown is not None
        and shown.document is None
        and shown.photo is not None
        and shown.photo.mime == "image/jpeg"
    )


async def test_a_file_that_cannot_be_fetched_is_said_and_nothing_is_imported(
    wecom: LongConnectionDriver,
) -> None:
    body = message_body(USERS[SECRETARY], "", chat=None, file=("http://127.0.0.1:1/gone", "a" * 43))
    await wecom._deliver(body)
    [told] = wecom.chat(SECRETARY)
    assert told.text == t("sheets.chat_file_failed")


def test_a_downloads_file_name_is_read_from_its_content_disposition() -> None:
    assert p.file_name("attachment; filename*=UTF-8''%E4%B8%89%E6%9C%88.xlsx") == "三月.xlsx"
    assert (
        p.file_name('attachment; filename="%E6%B5%8B%E8%AF%84.xlsx"') == "测评.xlsx"
    )  # percent-encoded, plain
    assert p.file_name("attachment; filename=\"x.xlsx\"; filename*=UTF-8''%E4%B8%89.xlsx") == "三.xlsx"
    assert p.file_name('attachment; filename="../../etc/评分.xlsx"') == "评分.xlsx"  # never a path
    assert p.file_name("attachment") == p.file_name("") == ""
    assert p.file_mime("评分.xlsx", "application/octet-stream") == XLSX
    assert p.file_mime("", "application/octet-stream") == "application/octet-stream"


async def test_a_file_in_callback_mode_is_decrypted_with_the_encoding_aes_key(
    callback: CallbackDriver,
) -> None:
    [reply] = await callback.say(SECRETARY, "", private=True, file=("通知.pdf", b"%PDF-1.4 a notice"))
    assert reply.where == SECRETARY and reply.text == t("sheets.chat_not_sheet")
    assert (
        callback.world.app.media.read(hashlib.sha256(b"%PDF-1.4 a notice").hexdigest())
        == b"%PDF-1.4 a notice"
    )


async def test_a_transient_errcode_is_retried_and_a_permanent_one_refused(
    wecom: LongConnectionDriver, caplog: pytest.LogCaptureFixture
) -> None:
    wecom.fake.fail["aibot_send_msg"] = [(45009, "api freq out of limit")]
    caplog.set_level(logging.WARNING)
    await wecom.say(ALICE, "申报 志愿服务 3月5日")
    assert wecom.fake.sent("aibot_send_msg") == []
    assert "errcode=45009 errmsg=api freq out of limit" in caplog.text
    async with wecom.world.db.uow() as uow:
        [(state, error)] = (await uow.session.execute(select_outbox())).tuples().all()
    assert state == "pending" and error == "errcode=45009 errmsg=api freq out of limit"  # to be tried again
    wecom.fake.fail["aibot_send_msg"] = [(93006, "invalid chatid")]
    await wecom.say(ALICE, "申报 志愿服务 3月6日")
    async with wecom.world.db.uow() as uow:
        states = sorted((await uow.session.execute(select_outbox())).tuples().all())
    assert ("failed", "errcode=93006 errmsg=invalid chatid") in states


def select_outbox():  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return text("SELECT state, last_error FROM outbox WHERE kind = 'send' ORDER BY id")


async def test_a_connection_dropped_mid_update_loses_nothing_and_doubles_nothing(
    wecom: LongConnectionDriver,
) -> None:
    wecom.connection.backoff = 0.01
    wecom.fake.drop_on.append("aibot_send_msg")  # the card's frame arrives as the connection breaks
    await wecom.say(ALICE, "申报 志愿服务 3月5日")
    assert wecom.fake.sent("aibot_send_msg") == [] and await claims(wecom.world.db) == 1
    await wecom.fake.wait_connected(count=2)
    await asyncio.sleep(2.1)  # the row's first retry is due after 2 s
    [sender] = [s for s in wecom.world.app.delivery.senders.values() if isinstance(s, Sender)]
    assert await sender.poll() == 1
    [card] = wecom.chat(GROUP)
    assert card.labels == ["通过", "驳回"] and await claims(wecom.world.db) == 1
    assert await sender.poll() == 0 and len(wecom.fake.sent("aibot_send_msg")) == 1


# -- the callback URL ----------------------------------------------------------------------------


async def test_url_verification_answers_the_decrypted_echostr(callback: CallbackDriver) -> None:
    ok = await callback.client.verify("echo-12345")
    assert ok.status_code == 200 and ok.text == "echo-12345"
    wrong = await callback.client.verify("echo-12345", signature="0" * 40)
    assert wrong.status_code == 403


async def test_a_wrong_signature_or_receive_id_is_403_and_nothing_is_processed(
    callback: CallbackDriver,
) -> None:
    body = message_body(USERS[ALICE], "申报 志愿服务 3月5日", chat="wrGROUPchat1")
    wrong = await callback.client.post(body, signature="f" * 40)
    other = CallbackClient(callback.client.http, PATH, TOKEN, AES_KEY, receive_id="wwSOMEONEELSE")
    foreign = await other.post(body)
    assert (wrong.status_code, foreign.status_code) == (403, 403)
    assert await claims(callback.world.db) == 0 and callback.shown == []


async def test_a_replayed_callback_is_processed_once(callback: CallbackDriver) -> None:
    body = message_body(USERS[ALICE], "申报 志愿服务 3月5日", chat="wrGROUPchat1")
    first = await callback.client.post(body)
    again = await callback.client.post(body)
    assert first.status_code == again.status_code == 200
    reply = callback.client.decrypt(first.json())
    assert reply["msgtype"] == "template_card" and again.content == b""
    assert await claims(callback.world.db) == 1


async def test_malformed_callbacks_are_400_and_logged(
    callback: CallbackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    http = callback.client.http
    params = {"msg_signature": "x", "timestamp": "1", "nonce": "n"}
    bad_json = await http.post(PATH, params=params, content=b"{not json")
    xml = await http.post(PATH, params=params, content=b"<xml><Encrypt>abc</Encrypt></xml>")
    no_field = await http.post(PATH, params=params, json={"msg": "hi"})
    assert (bad_json.status_code, xml.status_code, no_field.status_code) == (400, 400, 400)
    assert caplog.text.count("not WeCom's encrypted JSON") == 3
    encrypted = callback.client.encrypt("<xml>not json</xml>")
    signed = await callback.client.http.post(
        PATH, params=callback.client._sign(encrypted), json={"encrypt": encrypted}
    )
    assert signed.status_code == 400 and "a decrypted callback is not JSON" in caplog.text
    assert await claims(callback.world.db) == 0


async def test_a_callback_press_updates_the_card_in_the_passive_reply(callback: CallbackDriver) -> None:
    [card] = await callback.say(ALICE, "申报 志愿服务 3月5日")
    toast = await callback.press(SECRETARY, "通过", on=card)
    assert toast.text.startswith("已通过申报 ") and card.edits == 1 and card.buttons == []
    assert "状态: ✅ 已通过 (审核人: 王书记, 计 1 分)" in card.lines


def test_ids_are_keyed_by_corp() -> None:
    assert p.account("wwA", "zhangsan") != p.account("wwB", "zhangsan")
    assert p.split(p.account("wwA", "zhang/san")) == ("wwA", "zhang/san")
    assert p.strip_mention("@积分助手 申报 志愿服务") == "申报 志愿服务"


def test_a_field_whose_label_says_it_all_is_a_line_of_the_card_not_a_row() -> None:
    card = Card(
        "📣 2026年3月 积分公示", (Field("参评党员 12 人", ""), Field("公示期", "至 3月8日")),
        note="对结果有异议请点 异议", actions=(Action("异议", "pb:1"),),
    )  # fmt: skip
    template = p.template_card(card, "t1")
    assert template["horizontal_content_list"] == [{"keyname": "公示期", "value": "至 3月8日"}]
    assert template["sub_title_text"] == "参评党员 12 人\n对结果有异议请点 异议"
