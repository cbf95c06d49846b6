"""申报: a member declares an item, with a photo as evidence; the approval card goes out."""

from __future__ import annotations

from datetime import date

from bot.handlers.cards import card_buttons, card_key, card_text, evidence_copy, short_name
from bot.handlers.context import Deps, located
from bot.handlers.parse import match_item, parse_date
from bot.handlers.types import ALERT, EDIT, Button, Incoming, Reply, cards, quoting, rows, to_chat
from bot.i18n import t
from bot.scoring.model import Item
from bot.services.chat import Person, check_open
from bot.services.claims import SubmitClaim
from bot.services.common import Source, approvals_mode
from bot.services.errors import NotFound
from bot.storage.schema import Branch


async def claim(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/claim 志愿服务 3月5日 说明`` or ``申报 ...``, with an optional photo."""
    person, branch = await located(inc, deps)
    day, rest = parse_date(args, deps.today())
    if day is None:
        return [Reply(t("chat.bad_date"), to=quoting(inc.message))]
    check_open(day, deps.today())
    items = deps.chat.scheme(branch).claimable_items()
    match = match_item(rest, items)
    if match.item is None:
        return [await _offer_items(inc, deps, person, branch, day, args, match.candidates)]
    evidence = (inc.photo,) if inc.photo else ()
    return await submit(inc, deps, person, branch, match.item.code, day, args, evidence)


async def _offer_items(
    inc: Incoming, deps: Deps, person: Person, branch: Branch, day: date, text: str, items: tuple[Item, ...]
) -> Reply:
    """Keep the message as a draft and offer the candidate items as buttons."""
    evidence = (inc.photo,) if inc.photo else ()
    source = Source(inc.platform, inc.chat, inc.message)
    draft = await deps.chat.save_draft(person, branch.id, text, day, evidence, source)
    buttons = [Button(short_name(i), f"i:{draft}:{i.code}") for i in items]
    key = "chat.pick_item" if text.strip() else "chat.claim_usage"
    return Reply(t(key), rows(buttons), to=quoting(inc.message))


async def withdraw(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/withdraw 12`` or ``撤回 12``: take back a claim not yet reviewed. Without a number the
    member's pending claims are offered as buttons (one tap each, nothing is taken back unasked)."""
    person, branch = await located(inc, deps)
    number = args.strip().lstrip("#＃")
    if number.isdigit():
        return await _withdraw(inc, deps, person, int(number))
    mine = await deps.chat.pending(branch.id, member_id=person.member_id)
    if not mine:
        return [Reply(t("chat.withdraw_none"), to=quoting(inc.message))]
    buttons = [
        Button(
            t(
                "chat.button.withdraw",
                id=v.id,
                item=short_name(v.item) if v.item else v.item_code,
                date=v.day.isoformat(),
            ),
            f"w:{v.id}",
        )
        for v in mine
    ]
    return [Reply(t("chat.withdraw_pick"), rows(buttons, 1), to=quoting(inc.message))]


async def withdraw_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``w:<claim>``: only the claimant's press takes the claim back."""
    person = await deps.chat.presser(inc.platform, inc.user, int(args))
    if person is None:
        raise NotFound("chat.not_linked")
    return await _withdraw(inc, deps, person, int(args))


async def _withdraw(inc: Incoming, deps: Deps, person: Person, claim_id: int) -> list[Reply]:
    decision = await deps.claims.withdraw(claim_id, person.actor)
    view = await deps.chat.claim(claim_id)
    assert view is not None
    if not decision.changed:
        refusal = t("chat.withdraw_decided", id=view.id, status=t(f"chat.word.{view.status}"))
        return [Reply(refusal, to=ALERT if inc.pressed else quoting(inc.message))]
    card = Reply(card_text(view), card_buttons(view), cards(card_key(view.id)))
    return [card, Reply(t("chat.withdrawn", id=view.id), to=EDIT if inc.pressed else quoting(inc.message))]


async def pick_item(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``i:<draft>:<item>``: the member picked the item for a draft claim."""
    draft_id, _, code = args.partition(":")
    draft = await deps.chat.draft(int(draft_id))
    if draft is None:
        return [Reply(t("chat.stale_button"), to=ALERT)]
    person = await deps.chat.person(inc.platform, inc.user, draft.branch_id)
    if person is None or person.member_id != draft.member_id:
        return [Reply(t("chat.not_your_draft"), to=ALERT)]
    check_open(draft.day, deps.today())
    branch = await deps.chat.branch(draft.branch_id)
    src = Incoming(inc.platform, inc.user, draft.chat, inc.private, message=draft.message)
    replies = await submit(src, deps, person, branch, code, draft.day, draft.text, draft.evidence)
    return [Reply(r.text, r.buttons, EDIT, r.key) if r.to == quoting(draft.message) else r for r in replies]


async def submit(
    inc: Incoming, deps: Deps, person: Person, branch: Branch, code: str, day: date, note: str,
    evidence: tuple[str, ...],
) -> list[Reply]:  # fmt: skip
    """Submit the claim; the card goes to the group, or to the approvers privately."""
    source = Source(inc.platform, inc.chat, inc.message)
    cmd = SubmitClaim(branch.id, person.member_id, code, day, note=note, evidence=evidence, source=source)
    submitted = await deps.claims.submit(cmd)
    view = await deps.chat.claim(submitted.claim_id)
    assert view is not None
    text, buttons, key = card_text(view), card_buttons(view), card_key(view.id)
    if not inc.private and approvals_mode(branch.settings) == "group":
        return [Reply(text, buttons, quoting(inc.message), key)]
    approvers = await deps.chat.approvers(branch, inc.platform)
    sent = [
        reply
        for a in approvers
        if a != inc.user
        for reply in (*evidence_copy(view, inc.platform, to_chat(a)), Reply(text, buttons, to_chat(a), key))
    ]
    return [Reply(t("chat.claim_sent", id=view.id), to=quoting(inc.message)), *sent]
