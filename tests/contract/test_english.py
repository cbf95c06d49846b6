"""English as the second locale: the same flow on every driver, every text from the catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import DEFAULT_LOCALE, set_locale
from contract.driver import ALICE, BOB, SECRETARY, Driver, Toast


@pytest.fixture
def english() -> Iterator[None]:
    set_locale("en")
    try:
        yield
    finally:
        set_locale(DEFAULT_LOCALE)


@pytest.mark.usefixtures("english")
async def test_claim_and_approval_in_english(driver: Driver) -> None:
    [card] = await driver.say(ALICE, "/claim volunteer 2026-03-05")
    assert card.text.startswith("📝 Claim #") and "Status: waiting for review" in card.lines
    assert card.labels == ["Approve", "Reject"]
    assert await driver.press(BOB, "Approve", on=card) == Toast(
        "Only the branch secretary/the recorder may review.", alert=True
    )
    await driver.press(SECRETARY, "Approve", on=card)
    assert "Status: ✅ approved (by 王书记, 1 points)" in card.lines and card.buttons == []
    [told] = driver.chat(ALICE)
    assert "Status: ✅ approved (by 王书记, 1 points)" in told.lines
