"""申报: a member declares an item, with a photo as evidence; the approval card goes out."""

from __future__ import annotations

from datetime import date

from bot.handlers.cards import claim_card, number, role_names, short_name
from bot.handlers.context import Deps, located
from bot.handlers.parse import marks_lead, match_item, note_of, parse_date, vague_date
from bot.handlers.types import (
    ORIGIN,
    Action,
    Answer,
    Card,
    Choice,
    Incoming,
    Refresh,
    Reply,
    Send,
    Show,
    ToGroup,
    ToOrigin,
    ToRoles,
)
from bot.i18n import t
from bot.scoring.model import Item
from bot.services.chat import Draft, Person
from bot.services.claims import SubmitClaim
from bot.services.common import Source
from bot.services.policy import approvers, settings_of
from bot.storage.schema import Branch


async def claim(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/claim 志愿服务 3月5日 说明`` or ``申报 ...``, with an optional photo."""
    person, branch = await located(inc, deps)
    if inc.photo_failed:  # a claim is never made without the evidence its writer sent
        return [Send(ORIGIN, t("chat.photo_failed"))]
    day, rest = parse_date(args, deps.today())
    if day is None:  # never today in its place: the member says which day
        vague = vague_date(args)
        return [Send(ORIGIN, t("newuser.date_vague", words=vague) if vague else t("chat.bad_date"))]
    await deps.chat.check_period(branch.id, day, deps.today(), deps.now())
    items = deps.chat.claimable(branch, person)
    match = match_item(rest, items)
    evidence = (inc.photo.sha256,) if inc.photo else ()
    source = Source(inc.platform, inc.chat, inc.message)
    if match.item is None:
        draft = Draft(0, person.member_id, branch.id, rest, day, evidence, source)
        return [await _offer_items(deps, draft, match.candidates)]
    return await submit(inc, deps, person, branch, match.item, day, rest, evidence, source)


async def _offer_items(deps: Deps, draft: Draft, items: tuple[Item, ...]) -> Reply:
    """Keep the message as an offer to its writer and show the candidate items to pick from."""
    offer = await deps.chat.offer_items(draft)
    options = (
        *(Action(short_name(i), f"i:{offer}:{i.code}") for i in items),
        Action(t("newuser.pick_cancel"), f"i:{offer}:"),
    )
    prompt = t("chat.pick_item" if draft.text.strip() else "chat.claim_usage")
    return Send(ORIGIN, Card(prompt, choice=Choice(prompt, options)))


async def pick_item(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``i:<offer>:<item>``: the member picked the item (``i:<offer>:`` cancels); only they
    may, and only once."""
    offer_id, _, code = args.partition(":")
    person, draft = await deps.chat.take_items_offer(int(offer_id), inc.platform, inc.user)
    if not code:
        return [Show(t("newuser.pick_cancelled"))]
    await deps.chat.check_period(draft.branch_id, draft.day, deps.today(), deps.now())
    branch = await deps.chat.branch(draft.branch_id)
    item = next((i for i in deps.chat.claimable(branch, person) if i.code == code), None)
    if item is None:
        raise ValueError(code)  # not an item this member was offered
    replies = await submit(
        inc, deps, person, branch, item, draft.day, draft.text, draft.evidence, draft.source
    )
    # what would have answered the claim message now takes the place of the picker
    return [Show(r.body) if isinstance(r, Send) and isinstance(r.to, ToOrigin) else r for r in replies]


async def submit(
    inc: Incoming, deps: Deps, person: Person, branch: Branch, item: Item, day: date, rest: str,
    evidence: tuple[str, ...], source: Source,
) -> list[Reply]:  # fmt: skip
    """Submit the claim; the card goes to the group, or to the approvers privately. ``rest`` is
    the message without its date: its note is what it says besides the item, and a leading role
    it marks (带头/组织/主导) is claimed where the item doubles for one."""
    lead = item.lead_multiplier is not None and marks_lead(rest, item)
    note = note_of(rest, item)
    cmd = SubmitClaim(
        branch.id, person.member_id, item.code, day, lead=lead, note=note, evidence=evidence, source=source
    )
    submitted = await deps.claims.submit(cmd)
    view = await deps.chat.claim(submitted.claim_id)
    card = claim_card(view)
    deciding = approvers(deps.chat.scheme(branch))
    nobody: list[Reply] = []
    if not await deps.chat.deciders(branch, person.member_id):
        nobody = [Send(ORIGIN, t("chat.no_decider", id=view.id, roles=role_names(deciding)))]
    if not inc.private and settings_of(branch).approvals == "group":  # the branch's other groups too
        return [Send(ORIGIN, card), Send(ToGroup(branch.id, besides_origin=True), card), *nobody]
    if view.evidence:
        view = await deps.chat.claim(view.id, photos=True)
    photo = view.photos[0] if view.photos else None
    to = ToRoles(branch.id, deciding, exclude=person.member_id)
    sent = t(
        "newuser.claim_sent", id=view.id, item=view.item.name if view.item else view.item_code, date=view.day,
        points=number(view.points), lead=t("newuser.claim_sent_lead") if view.lead else "",
    )  # fmt: skip
    return [Send(ORIGIN, sent), Send(to, card, photo=photo), *nobody]


async def withdraw(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """``/withdraw 12`` or ``撤回 12``: take back a claim not yet reviewed. Without a number the
    member's pending claims are offered as buttons (one tap each, nothing is taken back unasked)."""
    person, branch = await located(inc, deps)
    number = args.strip().lstrip("#＃")
    if number.isdigit():
        return await _withdraw(inc, deps, person, int(number))
    mine = await deps.chat.pending(branch.id, member_id=person.member_id)
    if not mine:
        return [Send(ORIGIN, t("chat.withdraw_none"))]
    options = tuple(
        Action(
            t(
                "chat.button.withdraw",
                id=v.id,
                item=short_name(v.item) if v.item else v.item_code,
                date=v.day,
                note=v.note if len(v.note) <= 10 else v.note[:10] + "…",
            ).strip(),
            f"w:{v.id}",
        )
        for v in mine
    )
    prompt = t("chat.withdraw_pick")
    return [Send(ORIGIN, Card(prompt, choice=Choice(prompt, options)))]


async def withdraw_button(inc: Incoming, deps: Deps, args: str) -> list[Reply]:
    """Button ``w:<claim>``: only the claimant's press takes the claim back."""
    person = await deps.chat.presser(inc.platform, inc.user, int(args))
    return await _withdraw(inc, deps, person, int(args))


async def _withdraw(inc: Incoming, deps: Deps, person: Person, claim_id: int) -> list[Reply]:
    decision = await deps.claims.withdraw(claim_id, person.actor)
    view = await deps.chat.claim(claim_id)
    if not decision.changed:
        if view.status == "withdrawn":  # pressed twice: it is done, nothing to refuse
            again = t("newuser.withdraw_again", id=view.id)
            return [Answer(again) if inc.pressed else Send(ORIGIN, again)]
        refusal = t("chat.withdraw_decided", id=view.id, status=t(f"chat.word.{view.status}"))
        return [Answer(refusal, alert=True) if inc.pressed else Send(ORIGIN, refusal)]
    done = t("chat.withdrawn", id=view.id)
    return [Refresh(claim_card(view)), Show(done) if inc.pressed else Send(ORIGIN, done)]
