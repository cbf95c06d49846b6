"""Cards rendered to fit a platform's capabilities (the console's text is the reference)."""

from __future__ import annotations

from bot.channels.render import Capabilities, fit_fields, follow_ups, pages, rows, text_of
from bot.handlers.types import Action, Card, Choice, Field


def _card(options: int) -> Card:
    choice = Choice("请选择:", tuple(Action(f"项目{n}", f"i:1:{n}") for n in range(options)))
    return Card(
        "📝 积分申报", (Field("申报人", "张三"),), status="状态: 待审核", choice=choice, key="claim:1"
    )


def test_the_text_is_title_fields_status_and_prompt() -> None:
    assert text_of(_card(2)) == "📝 积分申报\n申报人: 张三\n状态: 待审核\n请选择:"
    assert text_of("x" * 10, limit=5) == "xxxx…"


def test_a_field_whose_label_says_it_all_is_shown_without_a_colon() -> None:
    card = Card("📣 2026年3月 积分公示", (Field("参评党员 12 人", ""), Field("公示期", "至 3月8日")))
    assert text_of(card) == "📣 2026年3月 积分公示\n参评党员 12 人\n公示期: 至 3月8日"
    folded = fit_fields(card, Capabilities(max_fields=0))
    assert folded.note == "参评党员 12 人\n公示期: 至 3月8日"


def test_a_choice_too_long_for_one_message_continues_on_further_messages() -> None:
    caps = Capabilities(max_buttons=6)
    parts = pages(_card(14), caps)
    assert [len(p.choice.options) for p in parts if isinstance(p, Card) and p.choice] == [6, 6, 2]
    first = parts[0]
    assert isinstance(first, Card) and first.key == "claim:1" and first.fields  # the card itself comes first
    assert all(isinstance(p, Card) and p.key is None for p in parts[1:])  # the rest only carry options
    assert pages(_card(6), caps) == [_card(6)]


def test_buttons_are_laid_out_in_rows_and_not_shown_where_groups_have_none() -> None:
    card = Card(
        "t",
        actions=(Action("通过", "a:1"), Action("驳回", "r:1"), Action("调整分值", "j:1"), Action("x", "x:1")),
    )
    assert [[a.data for a in r] for r in rows(card, Capabilities(per_row=3))] == [
        ["a:1", "r:1", "j:1"],
        ["x:1"],
    ]
    assert rows(card, Capabilities(buttons_in_groups=False), group=True) == []
    assert [len(r) for r in rows(_card(3), Capabilities())] == [2, 1]


def test_a_platform_that_cannot_edit_gets_follow_up_messages_without_buttons() -> None:
    card = Card("📝 积分申报 #1", status="状态: ✅ 已通过", actions=(Action("通过", "a:1"),), key="claim:1")
    payload = {"card": card.to_json(), "copies": [["room", "m1"], ["room", "m2"], ["u1", "m3"]]}
    sent = follow_ups("refresh", payload, pressed="m3")
    assert [chat for chat, _ in sent] == ["room"]  # once per chat; the pressed copy is updated in reply
    [(_, body)] = sent
    assert isinstance(body, Card) and body.actions == () and body.status == "状态: ✅ 已通过"
    assert follow_ups("answer", {"text": "已通过申报 1"}) == [("", "已通过申报 1")]
    assert follow_ups("answer", {"text": ""}) == []


def test_fields_beyond_what_a_card_can_list_are_folded_into_its_note_in_order() -> None:
    fields = tuple(Field(f"项{n}", str(n)) for n in range(8))
    card = Card("📝 积分申报 #1", fields, note="备注", key="claim:1")
    fitted = fit_fields(card, Capabilities(max_fields=6))
    assert [f.label for f in fitted.fields] == [f"项{n}" for n in range(6)]
    assert fitted.note == "项6: 6\n项7: 7\n备注" and fitted.key == "claim:1"
    assert text_of(fitted).splitlines() == text_of(card).splitlines()  # the same lines, in the same order
    assert fit_fields(card, Capabilities()) is card
