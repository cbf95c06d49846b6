"""What one claim and one approval cost the database through the Telegram channel, delivery
included (the settling transaction that marks rows sent and remembers where the card was posted).

The statement bounds are the counts measured when this test was written: lower them when the
unit of work gets leaner, never raise them without knowing why."""

from __future__ import annotations

from channels.updates import message, press
from handlers.chatworld import ALICE, SECRETARY

from bot.storage import Database
from faults.telegram_world import counting, telegram

#: At most this many transactions: the update's unit of work and the settling of its delivery.
TRANSACTIONS = 2
#: Statements measured for chat core v2 (BEGIN included); the approval cost 25 before its statements were built once.
#: A claim costs one more since claims dated in a final publicity period are refused (one SELECT).
CLAIM_STATEMENTS, APPROVAL_STATEMENTS = 17, 18


async def test_a_claim_and_its_approval_cost_two_transactions_each(db: Database) -> None:
    tg = await telegram(db)
    try:
        with counting(db) as claim:
            await tg.app.process_update(message(tg.app.bot, ALICE, "申报 志愿服务 3月5日"))
        [card] = tg.api.of("sendMessage")
        claim_id = int(card.buttons[0].split(":")[1])
        tg.api.clear()
        with counting(db) as approval:
            await tg.app.process_update(press(tg.app.bot, SECRETARY, f"a:{claim_id}", message_id=1000))
        print(f"claim: {claim.transactions} transactions, {claim.statements} statements")
        print(f"approval: {approval.transactions} transactions, {approval.statements} statements")
        # The replies were delivered inside the update, and the card's copy remembered.
        assert [c.method for c in tg.api.calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
        assert any(s.startswith("INSERT INTO chat_messages") for s in claim.seen)
        assert claim.transactions <= TRANSACTIONS
        assert approval.transactions <= TRANSACTIONS
        assert claim.statements <= CLAIM_STATEMENTS
        assert approval.statements <= APPROVAL_STATEMENTS
    finally:
        await tg.app.shutdown()


async def test_a_redelivered_update_costs_one_transaction_and_sends_nothing(db: Database) -> None:
    tg = await telegram(db)
    try:
        update = message(tg.app.bot, ALICE, "申报 志愿服务 3月5日")
        await tg.app.process_update(update)
        tg.api.clear()
        with counting(db) as again:
            await tg.app.process_update(update)
        print(f"redelivery: {again.transactions} transactions, {again.statements} statements")
        assert tg.api.calls == []
        assert again.transactions == 1
        assert again.statements <= 2  # BEGIN and the processed mark that finds the update known
    finally:
        await tg.app.shutdown()
