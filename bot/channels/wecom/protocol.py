"""WeCom's intelligent robot (智能机器人): what its callbacks say and what its messages look like.

Translation only, for both API modes (the long connection's frames and the callback URL's
decrypted JSON carry the same bodies): a message or ``template_card_event`` body becomes an
``Incoming``; a neutral body becomes a ``markdown`` message or a ``template_card`` within WeCom's
limits (``button_interaction``: at most 6 buttons; a ``button_selection`` of at most 10 options;
at most 6 rows of ``horizontal_content_list``; a ``task_id`` unique per bot).

Accounts and chats are keyed by the corp: ``<corp>/<userid>`` and ``<corp>/<chatid>``, so that
the user ids of two corps never collide in the identities or the bound chats.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import PurePosixPath
from typing import Any

from wechatpy.crypto.base import WeChatCipher
from wechatpy.crypto.pkcs7 import PKCS7Encoder

from bot.channels.render import Capabilities, fit_fields, pages, text_of
from bot.handlers.types import Action, Body, Card, Incoming, Media
from bot.i18n import t

log = logging.getLogger(__name__)

PLATFORM = "wecom"
#: What a WeCom card can do: buttons in groups, 6 a card, 6 labelled rows; a sent message cannot
#: be edited later (only the pressed card, in reply to its event, within 5 s), and there is no toast.
CAPABILITIES = Capabilities(
    buttons_in_groups=True, edit=False, max_buttons=6, per_row=3, text_limit=4000, toast=False, max_fields=6
)
#: The most options of one ``button_selection`` (a dropdown confirmed by a button).
MAX_OPTIONS = 10
#: The event key of the button that confirms the dropdown's choice.
PICK = "pick"
#: The question key of the dropdown.
QUESTION = "choice"
#: How long after a card event its card may still be updated in place (WeCom allows 5 s).
UPDATE_WINDOW = 4.5
#: The largest image or file the bot downloads (a larger one is taken as not received).
MAX_DOWNLOAD = 20 * 1024 * 1024
#: An ``alert`` answer is sent as a message beginning with this sign.
ALERT = "⚠️ "
#: An answer to a press (WeCom has no toast) is a short message quoting like this.
NOTICE = "> "

_MENTION = re.compile(r"^\s*@\S+\s*")


def account(corp: str, userid: str) -> str:
    """The identity of a WeCom user (or chat) of a corp, as stored."""
    return f"{corp}/{userid}"


def split(key: str) -> tuple[str, str]:
    """(corp, WeCom id) of a stored account or chat."""
    corp, sep, rest = key.partition("/")
    if not sep:
        raise ValueError(f"not a WeCom account or chat: {key!r}")
    return corp, rest


def task_id() -> str:
    """A card's ``task_id``: unique per bot, of letters and digits (WeCom allows ``_-@`` too), ≤ 128."""
    return f"t{uuid.uuid4().hex}"


def strip_mention(text: str) -> str:
    """The text without the leading ``@机器人`` a group message starts with."""
    return _MENTION.sub("", text, count=1).strip()


def decrypt_media(data: bytes, aeskey: str) -> bytes:
    """A downloaded image or file: AES-256-CBC (key: the base64 ``aeskey``, IV its first 16 bytes),
    PKCS#7 padded to 32 bytes, with wechatpy's cipher. Raises ValueError for a wrong key or torn data."""
    key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    if len(key) != 32 or not data or len(data) % 16:
        raise ValueError("the download or its key is not what WeCom sends")
    plain = WeChatCipher(key).decrypt(data)
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("the download does not decrypt with its key")
    return bytes(PKCS7Encoder.decode(plain))


def file_name(disposition: str) -> str:
    """The file name of a download, from its ``Content-Disposition`` (WeCom's file callback names
    no file: the download does, as ``filename*=UTF-8''...`` or a percent-encoded ``filename``;
    the first preferred); only its last path part, "" when there is none."""
    header = Message()
    header["content-disposition"] = disposition
    params = header.get_params(header="content-disposition") or []
    found = [value for key, value in params if key == "filename" and value]
    encoded = [value for value in found if isinstance(value, tuple)]  # RFC 2231 / 5987
    if encoded:
        name = collapse_rfc2231_value(encoded[0])
    elif found:
        name = urllib.parse.unquote(str(found[0]))
    else:
        return ""
    return PurePosixPath(name.replace("\\", "/")).name.strip()[:255]


def file_mime(name: str, content_type: str = "") -> str:
    """A file's type from its name (the download's own type says only that it is encrypted)."""
    guessed = mimetypes.guess_type(name, strict=False)[0] if name else None
    declared = content_type.partition(";")[0].strip().lower()
    return guessed or (
        declared if declared and declared != "application/octet-stream" else "application/octet-stream"
    )


@dataclass(frozen=True, slots=True)
class Attachment:
    """An encrypted image or file WeCom holds for download (for five minutes): its ``url`` and
    ``aeskey`` (in callback mode none is sent: the EncodingAESKey decrypts it)."""

    url: str
    aeskey: str
    file: bool = False


#: Downloads, decrypts and keeps an attachment; a file's ``Media`` carries its name and type.
Fetch = Callable[[Attachment], Awaitable[Media | None]]


def _attachment(item: dict[str, Any], file: bool = False) -> Attachment:
    return Attachment(str(item.get("url") or ""), str(item.get("aeskey") or ""), file)


def _text_and_attachments(body: dict[str, Any]) -> tuple[str, list[Attachment]]:
    kind = body.get("msgtype")
    if kind == "text":
        return str((body.get("text") or {}).get("content") or ""), []
    if kind == "voice":  # WeCom sends the recognised text
        return str((body.get("voice") or {}).get("content") or ""), []
    if kind == "image":
        return "", [_attachment(body.get("image") or {})]
    if kind == "file":  # a file sent on its own (WeCom delivers files from private chats only)
        return "", [_attachment(body.get("file") or {}, file=True)]
    if kind == "mixed":
        texts, images = [], []
        for item in (body.get("mixed") or {}).get("msg_item") or []:
            if item.get("msgtype") == "text":
                texts.append(str((item.get("text") or {}).get("content") or ""))
            elif item.get("msgtype") == "image":
                images.append(_attachment(item.get("image") or {}))
        return " ".join(x.strip() for x in texts if x.strip()), images
    return "", []


async def incoming(
    body: dict[str, Any], corp: str, fetch: Fetch, *, press: str | None = None, aeskey: str = ""
) -> Incoming | None:
    """The neutral form of a callback body; None for what the bot does not act on (enter_chat,
    feedback, video, the connection's own events). ``press`` names the event for its answer. An
    image is the message's ``photo``; a file (other than a picture) its ``document``, with its name."""
    sender = body.get("from") or {}
    userid = str(sender.get("userid") or "")
    msgid = str(body.get("msgid") or "")
    if not userid or not msgid:
        return None
    user = account(str(sender.get("corpid") or corp), userid)
    private = body.get("chattype") != "group"
    chat = user if private else account(corp, str(body.get("chatid") or ""))
    if body.get("msgtype") == "event":
        event = body.get("event") or {}
        if event.get("eventtype") != "template_card_event":
            return None
        card = event.get("template_card_event") or event
        key, task = str(card.get("event_key") or ""), str(card.get("task_id") or "")
        if key == PICK:
            key = _picked(card)
        return Incoming(
            PLATFORM,
            user,
            chat,
            private,
            userid,
            data=key,
            message=task or None,
            update=msgid,
            press=press or msgid,
        )
    text, attachments = _text_and_attachments(body)
    photo = document = None
    failed = False
    for item in attachments[:1]:
        got = None
        try:
            got = await fetch(replace(item, aeskey=item.aeskey or aeskey))
        except (OSError, ValueError) as exc:  # WeCom or the disk let the download down: say so
            log.warning("wecom: the attachment of message %s could not be fetched: %s", msgid, exc)
        failed = got is None
        if got is not None and item.file and not got.mime.startswith("image/"):
            document = got
        else:
            photo = got
    if not text and not attachments:
        return None
    return Incoming(
        # WeCom names the writer only by userid (no display name in a callback)
        PLATFORM, user, chat, private, userid, text=strip_mention(text) if not private else text.strip(), photo=photo,
        message=msgid, update=msgid, photo_failed=failed, document=document,
    )  # fmt: skip


def _picked(card: dict[str, Any]) -> str:
    """The option chosen in the card's dropdown (its id is the button data)."""
    selected = (card.get("selected_items") or {}).get("selected_item") or []
    for item in selected:
        if item.get("question_key") == QUESTION:
            ids = (item.get("option_ids") or {}).get("option_id") or []
            if ids:
                return str(ids[0])
    return ""


# -- outgoing --------------------------------------------------------------------------------


def markdown(text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": text[: CAPABILITIES.text_limit]}}


def answer_text(text: str, alert: bool) -> str:
    """An answer to a press, as the message it becomes."""
    return NOTICE + (ALERT if alert else "") + text


def parts(body: Body) -> list[Body]:
    """The body as WeCom messages: a card's buttons side by side when they fit in 6; otherwise
    its choice as a dropdown of at most 10 options (confirmed by a button), continued on further
    cards. Fields beyond 6 are folded into the note."""
    if not isinstance(body, Card):
        return [body]
    card = fit_fields(body, CAPABILITIES)
    if card.choice is None or len(card.actions) + len(card.choice.options) <= CAPABILITIES.max_buttons:
        return pages(card, CAPABILITIES)
    actions = card.actions[: CAPABILITIES.max_buttons - 1]
    card = Card(card.title, card.fields, card.note, card.status, actions, card.choice, card.key)
    return pages(card, Capabilities(max_buttons=len(actions) + MAX_OPTIONS))


def message(body: Body, task: str) -> dict[str, Any]:
    """One message: ``markdown`` for text or a card without buttons, else a ``template_card``."""
    if not isinstance(body, Card) or not (body.actions or body.choice):
        return markdown(text_of(body, CAPABILITIES.text_limit))
    return {"msgtype": "template_card", "template_card": template_card(body, task)}


def template_card(body: Body, task: str) -> dict[str, Any]:
    """A card as a ``template_card``: ``button_interaction`` when it has buttons, else ``text_notice``."""
    card = body if isinstance(body, Card) else Card(body)
    # A field whose label says it all (参评党员 12 人) is a line of text, not a two-column row: a
    # row's keyname is shown in about five characters.
    said = [f.label for f in card.fields if f.value == ""]
    card = fit_fields(replace(card, fields=tuple(f for f in card.fields if f.value != "")), CAPABILITIES)
    below = [x for x in (*said, card.note, card.status) if x]
    if card.choice is not None and card.choice.prompt != card.title:
        below.append(card.choice.prompt)
    out: dict[str, Any] = {"main_title": {"title": card.title}, "task_id": task}
    if below:
        out["sub_title_text"] = "\n".join(below)
    if card.fields:
        out["horizontal_content_list"] = [{"keyname": f.label, "value": f.value} for f in card.fields]
    buttons: list[Action] = list(card.actions)
    options = list(card.choice.options) if card.choice is not None else []
    if len(buttons) + len(options) <= CAPABILITIES.max_buttons:
        buttons, options = buttons + options, []
    if not buttons and not options:
        return {"card_type": "text_notice", **out, "card_action": {"type": 0}}
    out["card_type"] = "button_interaction"
    if options:
        out["button_selection"] = {
            "question_key": QUESTION, "title": card.choice.prompt[:13] if card.choice else "",
            "option_list": [{"id": o.data, "text": o.label} for o in options[:MAX_OPTIONS]],
        }  # fmt: skip
        buttons = [*buttons[: CAPABILITIES.max_buttons - 1], Action(t("wecom.pick"), PICK)]
    out["button_list"] = [
        {"text": b.label, "style": 1, "key": b.data} for b in buttons[: CAPABILITIES.max_buttons]
    ]
    return out
