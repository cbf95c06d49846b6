"""The approval card: one claim as a card (fields, status, buttons), the same on every channel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from bot.handlers.types import Action, Card, Choice, Field
from bot.i18n import t
from bot.scoring.model import Item
from bot.services.chat import ClaimView
from bot.services.errors import DomainError, Forbidden

#: Preset reasons offered when an approver presses 驳回 (catalog keys, in button order).
REJECT_REASONS = ("chat.reason.evidence", "chat.reason.item", "chat.reason.date", "chat.reason.other")


def number(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def card_key(claim_id: int) -> str:
    """The key every copy of a claim's card is posted under."""
    return f"claim:{claim_id}"


def short_name(item: Item) -> str:
    """A label that fits a button: the name, or its first alias when the name is long."""
    return item.name if len(item.name) <= 16 or not item.aliases else item.aliases[0]


def claim_card(view: ClaimView, *, buttons: bool = True) -> Card:
    """The claim's card; ``buttons`` False for the copy a member is told with (not kept in step)."""
    name = view.item.name if view.item else view.item_code
    fields = [
        Field(t("chat.card.member"), view.member),
        *([Field(t("recording.card.recorder"), view.recorder)] if view.recorder else []),
        Field(t("chat.card.item"), t("chat.card.item_value", name=name, points=number(view.points))),
        Field(t("chat.card.date"), view.day.isoformat()),
    ]
    if view.lead and view.item is not None and view.item.lead_multiplier is not None:
        times = number(view.item.lead_multiplier)
        fields.append(Field(t("newuser.card.lead"), t("newuser.card.lead_value", times=times)))
    if view.note:
        fields.append(Field(t("chat.card.note"), view.note))
    if view.evidence:
        fields.append(Field(t("chat.card.evidence"), t("chat.card.evidence_value", count=view.evidence)))
    if view.item is not None and view.item.clause:
        fields.append(Field(t("chat.card.rule"), view.item.clause))
    actions = claim_actions(view) if buttons else ()
    # the member's own copy of a rejected claim says what to do next
    note = t("newuser.rejected_next") if not buttons and view.status == "rejected" else ""
    return Card(
        t("chat.card.title", id=view.id), tuple(fields), note, status=status_line(view), actions=actions,
        key=card_key(view.id) if buttons else None,
    )  # fmt: skip


def status_line(view: ClaimView) -> str:
    key = f"chat.status.{view.status}"
    return t(key, by=view.decider or "", reason=view.reason or "", points=number(view.granted))


def claim_actions(view: ClaimView) -> tuple[Action, ...]:
    if view.status != "pending":
        return ()
    decide: tuple[Action, ...] = (Action(t("chat.button.approve"), f"a:{view.id}"),)
    if view.lead and view.item is not None and view.item.lead_multiplier is not None:
        decide += (Action(t("newuser.button.no_lead"), f"a:{view.id}:0"),)  # the role not confirmed
    decide += (Action(t("chat.button.reject"), f"r:{view.id}"),)
    if view.item is not None and view.item.points is not None:
        return decide  # a fixed-point item has nothing to adjust
    return (*decide, Action(t("chat.button.adjust"), f"j:{view.id}"))


def with_choice(card: Card, prompt: str, options: Iterable[Action], back: str) -> Card:
    """The card asking a choice of the presser (its own buttons replaced by the options and 返回)."""
    choice = Choice(prompt, (*options, Action(t("chat.button.back"), back)))
    return Card(card.title, card.fields, card.note, card.status, (), choice, None)


def reason_choice(view: ClaimView) -> Card:
    picks = [Action(t(key), f"r:{view.id}:{n}") for n, key in enumerate(REJECT_REASONS)]
    return with_choice(claim_card(view), t("chat.pick_reason", id=view.id), picks, f"b:{view.id}")


def point_choices(item: Item) -> list[float]:
    """Values an approver may pick for a ranged item: whole points from min to max (at most 13)."""
    if item.min is None or item.max is None:
        return []
    low, high = float(item.min), float(item.max)
    whole = [float(v) for v in range(int(low), int(high) + 1) if low <= v <= high]
    return whole if 1 < len(whole) <= 13 else sorted({low, (low + high) / 2, high})


def point_choice(view: ClaimView, item: Item) -> Card:
    picks = [Action(number(v), f"j:{view.id}:{number(v)}") for v in point_choices(item)]
    prompt = t("chat.pick_points", low=number(item.min), high=number(item.max))
    return with_choice(claim_card(view), prompt, picks, f"b:{view.id}")


ROLE_ORDER = ("secretary", "recorder", "committee")


def role_names(roles: Iterable[str]) -> str:
    """``支部书记/积分员``: role codes as names, in a fixed order."""
    wanted = set(roles)
    return "/".join(t(f"role.{r}") for r in ROLE_ORDER if r in wanted)


@contextmanager
def as_approver() -> Iterator[None]:
    """Say "only the secretary/recorder may review" rather than the service's general refusal."""
    try:
        yield
    except Forbidden as err:
        if err.key != "ledger.not_allowed":
            raise
        raise Forbidden("chat.not_approver", roles=role_names(str(err.params["roles"]).split("/"))) from err


def explain(err: DomainError) -> str:
    """A refusal for people: role codes and claim states in the message become words."""
    if err.key == "ledger.not_allowed":
        return t("chat.not_allowed", roles=role_names(str(err.params.get("roles", "")).split("/")))
    if err.key == "claim.duplicate":
        return t(err.key, **{**err.params, "status": t(f"chat.word.{err.params.get('status')}")})
    return err.message
