"""Rendering cards to fit a platform: each channel declares what it can do, and a card becomes
text and rows of buttons within those limits. The console's text rendering is the reference:
every channel shows the same lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.handlers.types import Action, Body, Card, Choice, Field, body_of
from bot.i18n import t


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do with a message."""

    #: Buttons work in group chats (not only in private ones).
    buttons_in_groups: bool = True
    #: A message the bot sent can be edited later, in place.
    edit: bool = True
    #: The most buttons one message may carry.
    max_buttons: int = 100
    #: Buttons side by side in one row.
    per_row: int = 3
    #: The longest text of one message.
    text_limit: int = 4096
    #: A press can be answered with a toast or pop-up (otherwise: a message).
    toast: bool = True
    #: The most labelled fields a card shows as such (WeCom's ``horizontal_content_list``: 6);
    #: the rest are folded into the card's note.
    max_fields: int = 100


def card_lines(card: Card) -> list[str]:
    """The card as lines of text: title, ``label: value`` fields, note, status, then the prompt."""
    lines = [card.title]
    lines += [field_line(f) for f in card.fields]
    if card.note:
        lines.append(card.note)
    if card.status:
        lines.append(card.status)
    if card.choice is not None and card.choice.prompt != card.title:
        lines.append(card.choice.prompt)
    return lines


def field_line(f: Field) -> str:
    """``label: value``, or the label alone when it says it all (``参评党员 12 人``)."""
    return f"{f.label}: {f.value}" if f.value != "" else f.label


def text_of(body: Body, limit: int | None = None) -> str:
    text = "\n".join(card_lines(body)) if isinstance(body, Card) else body
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def actions_of(body: Body) -> list[Action]:
    if not isinstance(body, Card):
        return []
    return [*body.actions, *(body.choice.options if body.choice is not None else ())]


def fit_fields(card: Card, caps: Capabilities) -> Card:
    """The card with at most ``caps.max_fields`` fields; the others become lines of its note."""
    if len(card.fields) <= caps.max_fields:
        return card
    kept, rest = card.fields[: caps.max_fields], card.fields[caps.max_fields :]
    note = "\n".join([*(field_line(f) for f in rest), *([card.note] if card.note else [])])
    return Card(card.title, kept, note, card.status, card.actions, card.choice, card.key)


def pages(body: Body, caps: Capabilities) -> list[Body]:
    """The body split so that each part carries at most ``caps.max_buttons`` buttons: a choice
    with more options than that continues on further messages (the first part has the card)."""
    if not isinstance(body, Card) or len(actions_of(body)) <= caps.max_buttons:
        return [body]
    room = max(1, caps.max_buttons - len(body.actions))
    options = body.choice.options if body.choice is not None else ()
    chunks = [options[i : i + room] for i in range(0, len(options), room)] or [()]
    prompt = body.choice.prompt if body.choice is not None else ""
    first = Card(
        body.title, body.fields, body.note, body.status, body.actions, Choice(prompt, chunks[0]), body.key
    )
    more = t("render.more")
    rest: list[Body] = [Card(more, choice=Choice(more, chunk)) for chunk in chunks[1:]]
    return [first, *rest]


def rows(body: Body, caps: Capabilities, *, group: bool = False) -> list[list[Action]]:
    """The buttons of a body in rows: actions side by side, a choice's options two to a row (one
    when labels are long). None in a group where the platform has no buttons in groups."""
    if not isinstance(body, Card) or (group and not caps.buttons_in_groups):
        return []
    out = [list(body.actions[i : i + caps.per_row]) for i in range(0, len(body.actions), caps.per_row)]
    if body.choice is not None:
        options = list(body.choice.options)
        per = 1 if any(len(o.label) > 10 for o in options) else 2
        out += [options[i : i + per] for i in range(0, len(options), per)]
    return out


def follow_ups(kind: str, payload: dict[str, Any], pressed: str | None = None) -> list[tuple[str, Body]]:
    """What a platform that cannot edit a sent message (or answer a press with a toast) sends
    instead: (chat, body) messages. A card's new state goes once to each chat holding a copy
    (the pressed copy excepted when the platform updates it in reply to the press); an answer
    becomes a short message to the chat pressed in."""
    if kind == "refresh":
        chats = [str(c) for c, m in payload.get("copies", ()) if str(m) != pressed]
        body = body_of(payload)
        if isinstance(body, Card):  # a follow-up cannot be pressed again: the state, without buttons
            body = Card(body.title, body.fields, body.note, body.status)
        return [(c, body) for c in dict.fromkeys(chats)]
    if kind == "answer" and payload.get("text"):
        return [("", str(payload["text"]))]
    return []
