"""The approval card: one claim's text and its buttons, the same on every channel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from bot.handlers.types import Button, Reply, Target, rows
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


def card_text(view: ClaimView) -> str:
    lines = [
        t("chat.card.title", id=view.id),
        t("chat.card.member", name=view.member),
        t("chat.card.item", name=view.item.name if view.item else view.item_code, points=number(view.points)),
        t("chat.card.date", date=view.day.isoformat()),
    ]
    if view.note:
        lines.append(t("chat.card.note", note=view.note))
    if view.evidence:
        lines.append(t("chat.card.evidence", count=view.evidence))
    if view.item is not None and view.item.clause:
        lines.append(t("chat.card.rule", rule=view.item.clause))
    lines.append(status_line(view))
    return "\n".join(lines)


def status_line(view: ClaimView) -> str:
    key = f"chat.status.{view.status}"
    return t(key, by=view.decider or "", reason=view.reason or "", points=number(view.granted))


def card_buttons(view: ClaimView) -> tuple[tuple[Button, ...], ...]:
    if view.status != "pending":
        return ()
    return (
        (
            Button(t("chat.button.approve"), f"a:{view.id}"),
            Button(t("chat.button.reject"), f"r:{view.id}"),
            Button(t("chat.button.adjust"), f"j:{view.id}"),
        ),
    )


def evidence_copy(view: ClaimView, platform: str, to: Target) -> list[Reply]:
    """A copy of the member's own message (the photo) for someone who reads the card elsewhere,
    e.g. an approver in a private chat; nothing when the claim has no evidence."""
    if not view.evidence or view.source is None or view.source[0] != platform:
        return []
    _, chat, message = view.source
    return [Reply(t("chat.card.evidence_copy", id=view.id), to=to, copy_of=(chat, message))]


def reason_buttons(claim_id: int) -> tuple[tuple[Button, ...], ...]:
    picks = [Button(t(key), f"r:{claim_id}:{n}") for n, key in enumerate(REJECT_REASONS)]
    return (*rows(picks), (Button(t("chat.button.back"), f"b:{claim_id}"),))


def point_choices(item: Item) -> list[float]:
    """Values an approver may pick for a ranged item: whole points from min to max (at most 13)."""
    if item.min is None or item.max is None:
        return []
    low, high = float(item.min), float(item.max)
    whole = [float(v) for v in range(int(low), int(high) + 1) if low <= v <= high]
    return whole if 1 < len(whole) <= 13 else sorted({low, (low + high) / 2, high})


def point_buttons(claim_id: int, item: Item) -> tuple[tuple[Button, ...], ...]:
    picks = [Button(number(v), f"j:{claim_id}:{number(v)}") for v in point_choices(item)]
    return (*rows(picks, 4), (Button(t("chat.button.back"), f"b:{claim_id}"),))


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
