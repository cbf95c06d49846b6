"""审批: the buttons on an approval card (通过 / 驳回 / 调整分值), ``/reject`` and ``/pending``.

Every press is checked again on the server (role, own claim, claim state); the data in a
button is only the claim id and the choice.
"""

from __future__ import annotations

from bot.handlers.cards import (
    REJECT_REASONS,
    as_approver,
    card_buttons,
    card_key,
    card_text,
    evidence_copy,
    number,
    point_buttons,
    reason_buttons,
    role_names,
)
from bot.handlers.context import Deps, located
from bot.handlers.leave import leave_buttons, leave_key, leave_text
from bot.handlers.types import ALERT, EDIT, HERE, NOTICE, Incoming, Reply, cards, quoting, to_chat
from bot.i18n import t
from bot.services.chat import ClaimView, Person
from bot.services.claims import Decision
from bot.services.errors import NotFound


async def _presser(inc: Incoming, deps: Deps, claim_id: int) -> Person:
    person = await deps.chat.presser(inc.platform, inc.user, claim_id)
    if person is None:
        raise NotFound("chat.not_linked_press")
    return person


async def _decider(inc: Incoming, deps: Deps, claim_id: int) -> tuple[ClaimView, Person]:
    """The claim and the presser, if the presser may decide it (raises the refusal otherwise)."""
    person = await _presser(inc, deps, claim_id)
    with as_approver():
        await deps.chat.check_decider(claim_id, person.actor)
    view = await deps.chat.claim(claim_id)
    assert view is not None
    return view, person


async def approve(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``a:<claim>``: approve at the claimed points (the service checks role, own claim and state)."""
    person = await _presser(inc, deps, int(args))
    with as_approver():
        decision = await deps.claims.approve(int(args), person.actor)
    return await _outcome(inc, deps, decision)


async def adjust(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``j:<claim>`` shows the item's allowed points; ``j:<claim>:<points>`` approves with them."""
    claim_id, _, points = args.partition(":")
    view, person = await _decider(inc, deps, int(claim_id))
    if view.status != "pending":
        return await _outcome(inc, deps, Decision(view.id, view.status, changed=False))
    if points:
        return await _outcome(inc, deps, await deps.claims.approve(view.id, person.actor, float(points)))
    if view.item is None or view.item.points is not None:
        return [Reply(t("chat.points_fixed", points=number(view.points)), to=ALERT)]
    prompt = t("chat.pick_points", low=number(view.item.min), high=number(view.item.max))
    return [Reply(card_text(view) + "\n" + prompt, point_buttons(view.id, view.item), EDIT)]


async def reject(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``r:<claim>`` asks for a reason; ``r:<claim>:<n>`` rejects with preset reason n."""
    claim_id, _, pick = args.partition(":")
    view, person = await _decider(inc, deps, int(claim_id))
    if view.status != "pending":
        return await _outcome(inc, deps, Decision(view.id, view.status, changed=False))
    if not pick:
        prompt = t("chat.pick_reason", id=view.id)
        return [Reply(card_text(view) + "\n" + prompt, reason_buttons(view.id), EDIT)]
    reason = t(REJECT_REASONS[int(pick)])
    return await _outcome(inc, deps, await deps.claims.reject(view.id, person.actor, reason))


async def back(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``b:<claim>``: show the card again (leave the reason or points choice); approvers only."""
    view, _person = await _decider(inc, deps, int(args))
    return [Reply(card_text(view), card_buttons(view), EDIT)]


async def reject_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/reject <claim> <reason>`` or ``驳回 <claim> <reason>``: a reason in the approver's words."""
    claim_id, _, reason = args.partition(" ")
    if not claim_id.isdigit():
        return [Reply(t("chat.reject_usage"), to=quoting(inc.message))]
    view, person = await _decider(inc, deps, int(claim_id))
    return await _outcome(inc, deps, await deps.claims.reject(view.id, person.actor, reason.strip()))


async def _outcome(inc: Incoming, deps: Deps, decision: Decision) -> list[Reply]:
    """Edit the card to show the outcome; tell the presser and, privately, the member."""
    view = await deps.chat.claim(decision.claim_id)
    assert view is not None
    shown = EDIT if inc.pressed else quoting(inc.message)
    card = Reply(card_text(view), card_buttons(view), shown)
    if not decision.changed:
        return [card, Reply(t("chat.already_decided", status=t(f"chat.state.{view.status}")), to=ALERT)]
    copies = Reply(card.text, card.buttons, cards(card_key(view.id)))
    accounts = await deps.chat.accounts([view.member_id], inc.platform)
    told = (
        [Reply(card_text(view), to=to_chat(accounts[view.member_id]))] if view.member_id in accounts else []
    )
    done = [Reply(t(f"chat.done.{view.status}", id=view.id), to=NOTICE)] if inc.pressed else []
    return [card, copies, *done, *told]


async def pending(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/pending`` (待审核): the approver's queue, oldest first, each with its buttons."""
    person, branch = await located(inc, deps)
    approvers = deps.chat.scheme(branch).approvers
    if not person.roles & set(approvers):
        return [Reply(t("chat.not_approver", roles=role_names(approvers)))]
    queue = await deps.chat.pending(branch.id)
    leaves = await deps.meetings.pending_leaves(branch.id)
    if not queue and not leaves:
        return [Reply(t("chat.queue_empty"), to=quoting(inc.message))]
    shown = []
    if queue:
        shown.append(Reply(t("chat.queue_head", count=len(queue)), to=quoting(inc.message)))
    for v in queue:
        if inc.private:
            shown += evidence_copy(v, inc.platform, HERE)
        shown.append(Reply(card_text(v), card_buttons(v), key=card_key(v.id)))
    if leaves:
        shown.append(
            Reply(t("leave.queue_head", count=len(leaves)), to=quoting(inc.message) if not queue else HERE)
        )
        shown += [Reply(leave_text(v), leave_buttons(v), key=leave_key(v.id)) for v in leaves]
    return shown
