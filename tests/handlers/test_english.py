"""English as the second locale: the same flow, every text from the catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.handlers.router import handle
from bot.i18n import DEFAULT_LOCALE, set_locale
from handlers.chatworld import ALICE, BOB, SECRETARY, ChatWorld
from handlers.test_claims import buttons, pressed, said


@pytest.fixture
def english() -> Iterator[None]:
    set_locale("en")
    try:
        yield
    finally:
        set_locale(DEFAULT_LOCALE)


@pytest.mark.usefixtures("english")
async def test_claim_and_approval_in_english(world: ChatWorld) -> None:
    [card] = await handle(said(ALICE, "/claim volunteer 2026-03-05"), world.deps)
    assert card.text.startswith("📝 Claim #") and "Status: waiting for review" in card.text
    assert [b.label for row in card.buttons for b in row] == ["Approve", "Reject", "Adjust points"]
    [refusal] = await handle(pressed(BOB, buttons(card)[0]), world.deps)
    assert refusal.text == "Only the branch secretary/the recorder may review."
    decided, *_ = await handle(pressed(SECRETARY, buttons(card)[0]), world.deps)
    assert "Status: ✅ approved (by 王书记, 1 points)" in decided.text
