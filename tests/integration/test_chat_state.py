"""The chat's live state in tables of its own (revision 0002): claim drafts, invite codes, sign-in
windows on the meeting and the copies of each card. The audit log is history only."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import delete, inspect, select, text

from bot.services.chat import ChatService, Draft, Person
from bot.services.common import Context, Source
from bot.services.errors import DomainError, Invalid, NotFound
from bot.services.invites import InviteService, digest
from bot.services.meetings import MeetingService
from bot.storage import Database, open_database
from bot.storage.chat import ChatQueries
from bot.storage.database import alembic_config
from bot.storage.outbox import OutboxQueries
from bot.storage.repositories import Branches
from bot.storage.schema import AuditRow, BoundChat, Invite
from bot.storage.timeutil import UTCDateTime, utcnow
from bot.storage.uow import UnitOfWork
from integration.conftest import Cli
from integration.world import Target, World, schemes

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


#: The newest migration; the tests below check that upgrades reach it, whichever it is.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_migrations_are_one_line_with_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0012"]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain == [
        "0012",
        "0011",
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]


def test_db_upgrade_reaches_head_with_the_chat_tables(cli: Cli) -> None:
    code, out, err = cli("db", "upgrade")
    assert (code, err) == (0, "")
    assert HEAD is not None and HEAD in out

    async def look(uow: UnitOfWork) -> tuple[str | None, set[str], set[str]]:
        session = uow.session
        version = await session.scalar(text("SELECT version_num FROM alembic_version"))
        conn = await session.connection()
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        columns = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("meetings")})
        return version, tables, columns

    version, tables, columns = cli.query(look, upgrade=False)
    assert version == HEAD
    assert {"offers", "invites", "chat_messages", "outbox", "card_states"} <= tables
    assert "claim_drafts" not in tables
    assert {"closes_at", "platform", "chat_id"} <= columns


def _services(world: World) -> tuple[ChatService, InviteService, MeetingService]:
    ctx = Context(world.db.uow, schemes)
    return ChatService(ctx), InviteService(ctx), MeetingService(ctx)


def _person(world: World) -> Person:
    alice = world.alice.member_id or 0
    return Person(alice, "张三", world.branch_id, frozenset())


async def test_a_draft_is_kept_whole_until_its_item_is_picked_once_by_its_writer(world: World) -> None:
    chat, _, _ = _services(world)
    source = Source("telegram", "-100", "77")
    draft = Draft(
        0, world.alice.member_id or 0, world.branch_id, "志愿 3月5日", date(2026, 3, 5), ("p1",), source
    )
    first = await chat.offer_items(draft)
    async with world.db.uow() as uow:
        await uow.members.link(world.bob.member_id or 0, "telegram", "bob-account")
        await uow.members.link(world.alice.member_id or 0, "telegram", "alice-account")
        await uow.commit()
    with pytest.raises(Invalid) as other:
        await chat.take_items_offer(first, "telegram", "bob-account")
    assert other.value.key == "chat.not_your_draft"
    person, taken = await chat.take_items_offer(first, "telegram", "alice-account")
    assert person.member_id == world.alice.member_id
    assert (taken.member_id, taken.branch_id, taken.text, taken.day) == (
        world.alice.member_id,
        world.branch_id,
        "志愿 3月5日",
        date(2026, 3, 5),
    )
    assert (taken.evidence, taken.source) == (("p1",), source)
    with pytest.raises(Invalid) as again:
        await chat.take_items_offer(first, "telegram", "alice-account")
    assert again.value.key == "chat.offer_used"
    with pytest.raises(Invalid):
        await chat.take_items_offer(first + 100, "telegram", "alice-account")


async def test_an_invite_is_used_once_even_by_concurrent_attempts(world: World) -> None:
    _, invites, _ = _services(world)
    code = await invites.issue(world.secretary, world.branch_id)

    async def bind(chat: str) -> str:
        try:
            return (await invites.bind(code, world.secretary, "telegram", chat)).branch
        except Invalid as err:
            return err.key

    results = await asyncio.gather(*(bind(f"-{900 + n}") for n in range(4)))
    assert sorted(results) == ["invite.used"] * 3 + ["第一党支部"]
    async with world.db.uow() as uow:
        invite = await ChatQueries(uow.session).invite(digest(code))
        bound = (await uow.session.scalars(select(BoundChat.chat_id))).all()
    assert invite is not None and invite.used_at is not None and invite.used_by == world.secretary.label
    assert len(bound) == 1
    with pytest.raises(Invalid) as again:
        await invites.bind(code, world.secretary, "telegram", "-999")
    assert again.value.key == "invite.used"


async def test_a_member_code_links_one_account_even_with_concurrent_attempts(world: World) -> None:
    _, invites, _ = _services(world)
    member = world.bob.member_id or 0
    code = await invites.issue(world.secretary, world.branch_id, member)

    async def join(account: str) -> str:
        try:
            return (await invites.join(code, "telegram", account)).name
        except DomainError as err:  # used up, or (read after the winner committed) linked already
            return err.key

    results = await asyncio.gather(*(join(str(900 + n)) for n in range(4)))
    assert results.count("李四") == 1
    assert set(results) - {"李四"} <= {"invite.used", "invite.member_linked"}
    async with world.db.uow() as uow:
        invite = await ChatQueries(uow.session).invite(digest(code))
        linked = await uow.members.identity(member, "telegram")
    assert invite is not None and invite.used_by == f"telegram:{linked}"
    with pytest.raises(Invalid) as again:
        await invites.join(code, "telegram", "999")
    assert again.value.key == "invite.used"


async def test_using_an_invite_row_succeeds_for_one_caller_only(world: World) -> None:
    _, invites, _ = _services(world)
    code = await invites.issue(world.secretary, world.branch_id)
    async with world.db.uow() as uow:
        invite = await ChatQueries(uow.session).invite(digest(code))
    assert invite is not None and invite.kind == "branch" and invite.used_at is None

    async def use(n: int) -> bool:
        async with world.db.uow() as uow:
            won = await ChatQueries(uow.session).use_invite(invite.id, f"member:{n}", utcnow())
            await uow.commit()
            return won

    assert sorted(await asyncio.gather(*(use(n) for n in range(4)))) == [False, False, False, True]


async def test_a_use_that_fails_later_leaves_the_code_unused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, invites, _ = _services(world)
    code = await invites.issue(world.secretary, world.branch_id)

    async def broken(*_args: object) -> None:
        raise RuntimeError("connection lost")

    with monkeypatch.context() as patch:  # the binding, after the code is used up, fails
        patch.setattr(Branches, "bind_chat", broken)
        with pytest.raises(RuntimeError):
            await invites.bind(code, world.secretary, "telegram", "-200")
    async with world.db.uow() as uow:
        invite = await ChatQueries(uow.session).invite(digest(code))
    assert invite is not None and invite.used_at is None
    bound = await invites.bind(code, world.secretary, "telegram", "-200")
    assert bound.branch_id == world.branch_id


async def test_the_chat_state_is_not_read_from_the_audit_log(world: World) -> None:
    chat, invites, meetings = _services(world)
    code = await invites.issue(world.secretary, world.branch_id, world.bob.member_id)
    sheet = await meetings.open(world.branch_id, world.secretary, "theme_day", 30, NOW, "telegram", "-100")
    person = _person(world)
    draft = await chat.offer_items(
        Draft(0, person.member_id, world.branch_id, "t", date(2026, 3, 5), (), Source("telegram", "-100"))
    )
    async with world.db.uow() as uow:
        actions = set((await uow.session.scalars(select(AuditRow.action))).all())
        await uow.session.execute(delete(AuditRow))
        await uow.commit()
    assert {"invite.member", "meeting.open"} <= actions  # history of what was done
    assert "claim.unmatched" not in actions and "chat.posted" not in actions

    assert (await meetings.sheet(sheet.meeting_id, NOW)).closes == NOW + timedelta(minutes=30)
    await meetings.attend(sheet.meeting_id, world.alice.member_id or 0, "present", NOW)
    assert await meetings.due(NOW + timedelta(minutes=29)) == []
    assert await meetings.due(NOW + timedelta(minutes=30)) == [sheet.meeting_id]
    closed = await meetings.close(sheet.meeting_id, NOW + timedelta(minutes=30))
    assert closed is not None
    assert (closed.meeting_id, closed.closed, closed.platform, closed.chat) == (
        sheet.meeting_id,
        True,
        "telegram",
        "-100",
    )
    assert closed.present == ("张三",) and "李四" in closed.absent
    assert await meetings.due(NOW + timedelta(minutes=31)) == []  # closed once
    assert await meetings.close(sheet.meeting_id, NOW + timedelta(minutes=31)) is None
    async with world.db.uow() as uow:
        assert await ChatQueries(uow.session).offer(draft) is not None
    assert (await invites.join(code, "telegram", "555")).name == "李四"


async def test_a_meeting_without_a_sign_in_window_is_not_a_sign_in(world: World) -> None:
    _, _, meetings = _services(world)
    async with world.db.uow() as uow:
        await uow.session.execute(
            text(
                "INSERT INTO meetings (branch_id, kind, held_on, title, created_at) VALUES (:b, 'x', :d, '', :t)"
            ),
            {"b": world.branch_id, "d": date(2026, 3, 1), "t": NOW.replace(tzinfo=None)},
        )
        await uow.commit()
        meeting_id = await uow.session.scalar(text("SELECT MAX(id) FROM meetings"))
    with pytest.raises(NotFound):
        await meetings.sheet(int(meeting_id or 0), NOW)


# What the chat layer wrote at revision 0001, through plain tables (the models have moved on).
AUDIT = sa.table(
    "audit_log",
    *(sa.column(c, sa.String()) for c in ("actor", "action", "subject")),
    sa.column("branch_id", sa.Integer()),
    sa.column("details", sa.JSON()),
    sa.column("at", UTCDateTime()),
)
JOBS = sa.table(
    "job_runs",
    *(sa.column(c, sa.String()) for c in ("job", "scope", "period")),
    sa.column("started_at", UTCDateTime()),
)


async def _at_0001(target: Target) -> Database:
    db = await open_database(target.url, upgrade=False, connect_args=target.connect_args)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
    return db


async def test_0002_moves_the_state_of_a_database_at_0001(target: Target) -> None:
    db = await _at_0001(target)
    try:
        opened = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
        expires = (utcnow() + timedelta(days=7)).isoformat()
        async with db.engine.begin() as conn:
            branch = (await conn.execute(
                text("INSERT INTO branches (name, scheme, settings, created_at) VALUES ('一支部', 'tiny', '{}', :t) RETURNING id"),
                {"t": opened.replace(tzinfo=None)},
            )).scalar_one()  # fmt: skip
            ids = []
            for name in ("张三", "李四", "王五"):
                ids.append((await conn.execute(
                    text("INSERT INTO members (branch_id, name, category, migrant, exempt, probationary, created_at) "
                         "VALUES (:b, :n, '', false, false, false, :t) RETURNING id"),
                    {"b": branch, "n": name, "t": opened.replace(tzinfo=None)},
                )).scalar_one())  # fmt: skip
            meeting = (await conn.execute(
                text("INSERT INTO meetings (branch_id, kind, held_on, title, created_at) VALUES (:b, 'theme_day', :d, '', :t) RETURNING id"),
                {"b": branch, "d": date(2026, 3, 10), "t": opened.replace(tzinfo=None)},
            )).scalar_one()  # fmt: skip
            rows = [
                ("cli", "branch.add", "一支部", {}),
                (f"member:{ids[0]}", "claim.unmatched", "", {
                    "member": ids[0], "text": "志愿 3月5日", "date": "2026-03-05", "chat": "-100", "message": "77",
                    "evidence": ["photo-1"],
                }),
                ("cli", "invite.member", digest("USEDCODE"), {"branch": branch, "member": ids[1], "expires": expires}),
                ("cli", "invite.member", digest("OPENCODE"), {"branch": branch, "member": ids[2], "expires": expires}),
                ("cli", "invite.branch", digest("BINDCODE"), {"branch": branch, "member": None, "expires": expires}),
                ("member:1", "meeting.open", f"meeting:{meeting}", {
                    "closes": (opened + timedelta(minutes=30)).isoformat(), "platform": "telegram", "chat": "-100",
                }),
                ("bot", "chat.posted", "telegram:claim:4", {"chat": "-100", "message": "5"}),
                ("bot", "chat.posted", "telegram:claim:4", {"chat": "42", "message": "6"}),
                ("bot", "chat.posted", "wecom:meeting:1", {"chat": "room", "message": "m"}),
            ]  # fmt: skip
            for actor, action, subject, details in rows:
                await conn.execute(AUDIT.insert().values(
                    actor=actor, action=action, subject=subject, details=details, at=opened,
                    branch_id=None if action in ("branch.add", "chat.posted") else branch,
                ))  # fmt: skip
            await conn.execute(
                JOBS.insert().values(job="invite", scope=digest("USEDCODE"), period="used", started_at=opened)
            )
            draft_id = (await conn.execute(
                text("SELECT id FROM audit_log WHERE action = 'claim.unmatched'")
            )).scalar_one()  # fmt: skip

        await db.upgrade()
        assert await db.revision() == (HEAD, HEAD)

        ctx = Context(db.uow, schemes)
        chat, invites, meetings = ChatService(ctx), InviteService(ctx), MeetingService(ctx)
        async with db.uow() as uow:  # the item buttons already posted carry this id
            await uow.members.link(ids[0], "telegram", "alice-0002")
            await uow.commit()
        _, draft = await chat.take_items_offer(draft_id, "telegram", "alice-0002")
        assert (draft.member_id, draft.branch_id, draft.text, draft.day, draft.evidence, draft.source) == (
            ids[0], branch, "志愿 3月5日", date(2026, 3, 5), ("photo-1",), Source(None, "-100", "77")
        )  # fmt: skip
        newer = await chat.offer_items(
            Draft(0, ids[0], branch, "x", date(2026, 3, 6), (), Source("telegram", "-100"))
        )
        assert newer > draft_id

        with pytest.raises(Invalid) as used:
            await invites.join("usedcode", "telegram", "1001")
        assert used.value.key == "invite.used"
        assert (await invites.join("opencode", "telegram", "1002")).name == "王五"
        async with db.uow() as uow:
            bind = await ChatQueries(uow.session).invite(digest("BINDCODE"))
        assert bind is not None and (bind.kind, bind.branch_id, bind.member_id, bind.used_at) == (
            "branch",
            branch,
            None,
            None,
        )
        assert bind.expires_at == datetime.fromisoformat(expires)

        sheet = await meetings.sheet(meeting, opened)
        assert (sheet.closes, sheet.closed, sheet.platform, sheet.chat) == (
            opened + timedelta(minutes=30), False, "telegram", "-100"
        )  # fmt: skip
        async with db.uow() as uow:
            copies = OutboxQueries(uow.session)
            assert await copies.copies("telegram", "claim:4") == [("-100", "5"), ("42", "6")]
            assert await copies.copies("wecom", "meeting:1") == [("room", "m")]

        async with db.uow() as uow:
            kept = (await uow.session.scalars(select(AuditRow.action).order_by(AuditRow.id))).all()
            invites_kept = (await uow.session.scalars(select(Invite.code_hash))).all()
        assert kept == [action for _, action, _, _ in rows] + ["chat.join"]  # the history stays
        assert sorted(invites_kept) == sorted(digest(c) for c in ("USEDCODE", "OPENCODE", "BINDCODE"))
    finally:
        await db.close()


async def test_0002_upgrades_and_downgrades_an_empty_database(target: Target) -> None:
    db = await _at_0001(target)
    try:
        await db.upgrade()
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("meetings")}
            )
        assert not {"claim_drafts", "offers", "invites", "chat_messages", "outbox"} & tables
        assert "closes_at" not in columns
        await db.upgrade()
        assert await db.revision() == (HEAD, HEAD)
    finally:
        await db.close()
