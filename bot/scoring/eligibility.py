"""Which entries a scheme accepts for a member: one place for each fact about the member.

- ``item_refusal``: what every entry of an item must meet, recorded or new: the item is one an
  entry may carry (``source_refusal``: not a sign-in or year-end item, a veto excepted), and it
  applies to the member's category (``category_refusal``: ``Item.categories``, empty meaning every
  member). ``validate`` refuses a recorded entry by these two rules.
- ``entry_refusal``: a new entry (a claim, its approval, a recorder's entry) on top of that needs a
  member who is scored on the entry's date: not exempt, joined on or before it, not yet left.
  A recorded entry stays valid when the member is exempted or leaves later, so ``validate``
  does not apply this part.
- ``claimable_for``: the items a member of a category may claim.

A refusal is a catalog key and its parameters, as ``validate`` phrases its problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.i18n import t
from bot.scoring.model import Item, Scheme


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the scheme does not accept an entry: a message key of ``bot.i18n`` and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, locale: str | None = None) -> str:
        return t(self.key, locale, **self.params)


class MemberFacts(Protocol):
    """What the rules need to know of a member (``records.Member`` has it)."""

    @property
    def category(self) -> str: ...

    @property
    def exempt(self) -> bool: ...

    @property
    def joined(self) -> date | None: ...

    @property
    def left(self) -> date | None: ...


def applies_to(item: Item, category: str) -> bool:
    """Whether ``item`` applies to a member of ``category`` (an item without categories applies to all)."""
    return not item.categories or category in item.categories


def category_label(scheme: Scheme, category: str) -> str:
    """The scheme's name for a member category (农村党员), or the code where it has none."""
    return scheme.categories.get(category, category)


def source_refusal(item: Item) -> Refusal | None:
    """None when an entry may carry ``item``: a claim or a recorder's item, or a veto (confirmed by a
    person even where it is detected); sign-in and year-end items come from their records only."""
    if item.enterable or item.kind == "veto":
        return None
    return Refusal(
        "entry.not_enterable", {"name": item.name, "item": item.code, "source": t(f"source.{item.source}")}
    )


def category_refusal(scheme: Scheme, item: Item, category: str) -> Refusal | None:
    """None when ``item`` applies to a member of ``category``; else why not, in the scheme's words
    (先锋指数: 农村党员突出致富带富 — ``lead_development`` for rural members only)."""
    if applies_to(item, category):
        return None
    allowed = "/".join(category_label(scheme, c) for c in item.categories)
    if not category:
        return Refusal("entry.no_category", {"name": item.name, "item": item.code, "allowed": allowed})
    return Refusal(
        "entry.wrong_category",
        {
            "name": item.name,
            "item": item.code,
            "allowed": allowed,
            "category": category_label(scheme, category),
        },
    )


def item_refusal(scheme: Scheme, item: Item, category: str) -> Refusal | None:
    """None when an entry of ``item`` may stand for a member of ``category``, recorded or new; else why not."""
    return source_refusal(item) or category_refusal(scheme, item, category)


def entry_refusal(scheme: Scheme, item: Item, member: MemberFacts, day: date) -> Refusal | None:
    """None when the scheme accepts a new entry of ``item`` dated ``day`` for ``member``; else why not.

    The member must be scored on ``day`` (not exempt, joined on or before it, not left by then:
    the same test as a meeting's expected attendance), and ``item_refusal`` must pass.
    """
    if member.exempt:
        return Refusal("entry.exempt", {})
    if member.joined is not None and day < member.joined:
        return Refusal("entry.before_joined", {"date": day, "joined": member.joined})
    if member.left is not None and day >= member.left:
        return Refusal("entry.after_left", {"date": day, "left": member.left})
    return item_refusal(scheme, item, member.category)


def claimable_for(scheme: Scheme, category: str) -> list[Item]:
    """The items a member of ``category`` may declare (申报), in the scheme's order."""
    return [i for i in scheme.claimable_items() if applies_to(i, category)]
