"""审批: the buttons on an approval card (通过 / 驳回 / 调整分值), ``/reject`` and ``/pending``.

Every press is checked again in the service (role, own claim, claim state); the data in a
button is only the claim id and the choice.
"""

from __future__ import annotations

from bot.handlers.cards import REJECT_REASONS, as_approver, claim_card, number, point_choice, reason_choice
from bot.handlers.context import Deps, located
from bot.handlers.leave import leave_card
from bot.handlers.types import ORIGIN, Answer, Incoming, Refresh, Reply, Send, Show, ToMember
from bot.i18n import t
from bot.services.chat import ClaimView, Person
from bot.services.claims import Decision
from bot.services.errors import Forbidden


async def _decider(inc: Incoming, deps: Deps, claim_id: int) -> tuple[ClaimView, Person]:
    """The claim and the presser, if the presser may decide it (the service refuses otherwise)."""
    person = await deps.chat.presser(inc.platform, inc.user, claim_id)
    with as_approver():
        await deps.claims.check_decider(claim_id, person.actor)
    return await deps.chat.claim(claim_id), person


async def approve(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``a:<claim>``: approve at the claimed points (the service checks role, own claim and state);
    ``a:<claim>:0`` approves without the leading role the member marked."""
    claim_id, _, lead = args.partition(":")
    if lead not in ("", "0"):
        raise ValueError(lead)
    person = await deps.chat.presser(inc.platform, inc.user, int(claim_id))
    with as_approver():
        decision = await deps.claims.approve(int(claim_id), person.actor, lead=False if lead == "0" else None)
    return await _outcome(inc, deps, decision)


async def adjust(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``j:<claim>`` shows the item's allowed points; ``j:<claim>:<points>`` approves with them."""
    claim_id, _, points = args.partition(":")
    if points:  # the service checks the presser, the claim's state and the points
        person = await deps.chat.presser(inc.platform, inc.user, int(claim_id))
        with as_approver():
            decision = await deps.claims.approve(int(claim_id), person.actor, float(points))
        return await _outcome(inc, deps, decision)
    view, person = await _decider(inc, deps, int(claim_id))
    if view.status != "pending":
        return await _outcome(inc, deps, Decision(view.id, view.status, changed=False))
    if view.item is None or view.item.points is not None:
        return [Answer(t("chat.points_fixed", points=number(view.points)), alert=True)]
    return [Show(point_choice(view, view.item))]


async def reject(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``r:<claim>`` asks for a reason; ``r:<claim>:<n>`` rejects with preset reason n."""
    claim_id, _, pick = args.partition(":")
    if pick:  # the service checks the presser and the claim's state
        reason = t(REJECT_REASONS[int(pick)])
        person = await deps.chat.presser(inc.platform, inc.user, int(claim_id))
        with as_approver():
            decision = await deps.claims.reject(int(claim_id), person.actor, reason)
        return await _outcome(inc, deps, decision)
    view, _person = await _decider(inc, deps, int(claim_id))
    if view.status != "pending":
        return await _outcome(inc, deps, Decision(view.id, view.status, changed=False))
    return [Show(reason_choice(view))]


async def back(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``b:<claim>``: show the card again (leave the reason or points choice); approvers only."""
    view, _person = await _decider(inc, deps, int(args))
    return [Show(claim_card(view))]


async def reject_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/reject <claim> <reason>`` or ``驳回 <claim> <reason>``: a reason in the approver's words."""
    claim_id, _, reason = args.partition(" ")
    if not claim_id.isdigit():
        return [Send(ORIGIN, t("chat.reject_usage"))]
    view, person = await _decider(inc, deps, int(claim_id))
    if not reason.strip() and view.status == "pending":  # an example with this claim's number
        return [Send(ORIGIN, t("newuser.reject_reason", id=view.id))]
    with as_approver():
        decision = await deps.claims.reject(int(claim_id), person.actor, reason.strip() or "-")
    return await _outcome(inc, deps, decision)


async def approve_command(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``通过 12`` / ``同意 12`` (``/approve 12``), or ``同意`` alone when one claim is waiting.
    Other text after 通过 in a group is chatter ("通过学习...") and gets no answer."""
    number = args.strip().lstrip("#＃")
    if number.isdigit():
        _view, person = await _decider(inc, deps, int(number))
        with as_approver():
            decision = await deps.claims.approve(int(number), person.actor)
        return await _outcome(inc, deps, decision)
    if number:
        return [Send(ORIGIN, t("newuser.approve_usage"))] if inc.private else []
    person, branch = await located(inc, deps)
    try:
        with as_approver():
            queue = await deps.claims.queue(branch.id, person.actor)
    except Forbidden:
        if not inc.private:
            return []  # a member agreeing with something said in the group
        raise
    views = [v for v in [await deps.chat.claim(i) for i in queue] if v.member_id != person.member_id]
    if not views:
        return [Send(ORIGIN, t("chat.queue_empty"))]
    if len(views) == 1:
        return await approve_command(inc, deps, str(views[0].id))
    lines = "\n".join(
        t(
            "newuser.approve_line",
            id=v.id,
            member=v.member,
            item=v.item.name if v.item else v.item_code,
            date=v.day,
        )
        for v in views
    )
    return [Send(ORIGIN, t("newuser.approve_which", count=len(views), first=views[0].id, lines=lines))]


async def _outcome(inc: Incoming, deps: Deps, decision: Decision) -> list[Reply]:
    """Every copy of the card shows the outcome; the presser is answered and the member told."""
    view = await deps.chat.claim(decision.claim_id)
    card = claim_card(view)
    if not decision.changed:
        said = t("chat.already_decided", status=t(f"chat.state.{view.status}"))
        return [Refresh(card), Answer(said, alert=True) if inc.pressed else Send(ORIGIN, said)]
    done = t(f"chat.done.{view.status}", id=view.id)
    told = Send(ToMember(view.member_id), claim_card(view, buttons=False))
    return [Refresh(card), Answer(done) if inc.pressed else Send(ORIGIN, done), told]


async def pending(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/pending`` (待审核): the approver's queue, oldest first, each with its buttons; in a
    private chat each card comes after the member's photo."""
    person, branch = await located(inc, deps)
    queue = await deps.claims.queue(branch.id, person.actor)
    views = [await deps.chat.claim(i, photos=inc.private) for i in queue]
    leaves = await deps.meetings.pending_leaves(branch.id)
    if not views and not leaves:
        return [Send(ORIGIN, t("chat.queue_empty"))]
    shown: list[Reply] = []
    if views:
        shown.append(Send(ORIGIN, t("chat.queue_head", count=len(views))))
    shown += [Send(ORIGIN, claim_card(v), photo=v.photos[0] if v.photos else None) for v in views]
    if leaves:
        shown.append(Send(ORIGIN, t("leave.queue_head", count=len(leaves))))
        shown += [Send(ORIGIN, leave_card(v)) for v in leaves]
    return shown
