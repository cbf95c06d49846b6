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
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
#: The largest image downloaded as evidence.
MAX_IMAGE = 20 * 1024 * 1024
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
    """A downloaded image: AES-256-CBC (key: the base64 ``aeskey``, IV its first 16 bytes), PKCS#7
    padded to 32 bytes, with wechatpy's cipher. Raises ValueError for a wrong key or torn data."""
    key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    if len(key) != 32 or not data or len(data) % 16:
        raise ValueError("the image or its key is not what WeCom sends")
    plain = WeChatCipher(key).decrypt(data)
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("the image does not decrypt with its key")
    return bytes(PKCS7Encoder.decode(plain))


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    aeskey: str


Fetch = Callable[[Image], Awaitable[Media | None]]


def _text_and_images(body: dict[str, Any]) -> tuple[str, list[Image]]:
    kind = body.get("msgtype")
    if kind == "text":
        return str((body.get("text") or {}).get("content") or ""), []
    if kind == "voice":  # WeCom sends the recognised text
        return str((body.get("voice") or {}).get("content") or ""), []
    if kind == "image":
        image = body.get("image") or {}
        return "", [Image(str(image.get("url") or ""), str(image.get("aeskey") or ""))]
    if kind == "mixed":
        texts, images = [], []
        for item in (body.get("mixed") or {}).get("msg_item") or []:
            if item.get("msgtype") == "text":
                texts.append(str((item.get("text") or {}).get("content") or ""))
            elif item.get("msgtype") == "image":
                image = item.get("image") or {}
                images.append(Image(str(image.get("url") or ""), str(image.get("aeskey") or "")))
        return " ".join(x.strip() for x in texts if x.strip()), images
    return "", []


async def incoming(
    body: dict[str, Any], corp: str, fetch: Fetch, *, press: str | None = None, aeskey: str = ""
) -> Incoming | None:
    """The neutral form of a callback body; None for what the bot does not act on (enter_chat,
    feedback, files, the connection's own events). ``press`` names the event for its answer."""
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
            PLATFORM, user, chat, private, userid, data=key, message=task or None, update=msgid, press=press or msgid
        )
    text, images = _text_and_images(body)
    photo, failed = None, False
    for image in images[:1]:
        try:
            photo = await fetch(Image(image.url, image.aeskey or aeskey))
        except (OSError, ValueError) as exc:  # WeCom or the disk let the download down: say so
            log.warning("wecom: the image of message %s could not be fetched: %s", msgid, exc)
        failed = photo is None
    if not text and not images:
        return None
    return Incoming(
        # WeCom names the writer only by userid (no display name in a callback)
        PLATFORM, user, chat, private, userid, text=strip_mention(text) if not private else text.strip(), photo=photo,
        message=msgid, update=msgid, photo_failed=failed,
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
    card = fit_fields(card, CAPABILITIES)
    below = [x for x in (card.note, card.status) if x]
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
    out["button_list"] = [{"text": b.label, "style": 1, "key": b.data} for b in buttons[: CAPABILITIES.max_buttons]]
    return out
