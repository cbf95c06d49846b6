"""Administration of branches and members (``partybot branch ...``, ``partybot member ...``).

Each change is one unit of work that also writes an audit row naming the actor (``cli:<login>``
from the command line). These are operator actions: an actor that is a member (someone in a
chat) is refused; the command line acts as a named non-member actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args, get_origin

from pydantic import ValidationError

from bot.i18n import t
from bot.scoring.model import Role
from bot.services.common import Actor, Context, branch_of
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.services.policy import BranchSettings, parse_settings, stored_settings
from bot.storage.schema import Branch, MemberRow
from bot.storage.uow import UnitOfWork

#: The roles a member may be given.
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class BranchAdded:
    id: int
    name: str
    #: The scheme as stored for the branch (a preset id, a file path or a name in the scheme folders).
    scheme: str
    #: The id the scheme declares.
    scheme_id: str
    committee_id: int | None


@dataclass(frozen=True, slots=True)
class BranchInfo:
    id: int
    name: str
    scheme: str
    members: int


@dataclass(frozen=True, slots=True)
class BranchSettingsView:
    branch_id: int
    name: str
    settings: BranchSettings
    #: Whether this call wrote the settings (False when nothing was asked to change).
    changed: bool


@dataclass(frozen=True, slots=True)
class NewMember:
    """A member to add to a branch's roster."""

    name: str
    code: str | None = None
    category: str = ""
    migrant: bool = False
    joined: date | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class MemberInfo:
    id: int
    branch_id: int
    name: str
    code: str | None
    category: str
    migrant: bool
    exempt: bool
    joined: date | None

    @classmethod
    def of(cls, row: MemberRow) -> MemberInfo:
        return cls(
            row.id, row.branch_id, row.name, row.code, row.category, row.migrant, row.exempt, row.joined
        )


@dataclass(frozen=True, slots=True)
class RoleChange:
    member_id: int
    name: str
    role: str
    #: True for a grant, False for a revocation.
    grant: bool
    #: False when the member already held (or did not hold) the role: nothing was written.
    changed: bool


def parse_day(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date as typed by an administrator (None or empty: no date)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Invalid("admin.bad_date", value=value) from None


def checked_settings(current: Mapping[str, Any] | None, changes: Mapping[str, object]) -> BranchSettings:
    """The branch's settings with ``changes`` applied, validated; an unknown setting or value is refused."""
    fields = BranchSettings.model_fields
    for key in changes:
        if key not in fields:
            raise Invalid("admin.unknown_setting", setting=key, known="/".join(fields))
    try:
        return BranchSettings.model_validate({**stored_settings(parse_settings(current)), **changes})
    except ValidationError as exc:
        key = next((str(e["loc"][0]) for e in exc.errors() if e.get("loc")), "")
        raise Invalid(
            "admin.bad_setting", setting=key, value=changes.get(key), choices=_choices(key)
        ) from None


def _choices(setting: str) -> str:
    field = BranchSettings.model_fields.get(setting)
    annotation = field.annotation if field is not None else None
    if annotation is bool:
        return "on/off"
    if get_origin(annotation) is Literal:
        return "/".join(str(a) for a in get_args(annotation))
    bounds = {k: getattr(m, k) for m in (field.metadata if field is not None else ()) for k in ("ge", "le")
              if hasattr(m, k)}  # fmt: skip
    if "ge" in bounds and "le" in bounds:
        off = type(None) in get_args(annotation)
        return t("pub.range_off" if off else "pub.range", low=bounds["ge"], high=bounds["le"])
    return "-"


def _operator_only(actor: Actor) -> None:
    """Administration is for operators (the command line), not for a member in a chat."""
    if actor.member_id is not None:
        raise Forbidden("admin.operator_only")


async def _member_by_key(uow: UnitOfWork, branch: Branch, key: str) -> MemberRow:
    member = await uow.members.find(branch.id, key)
    if member is None:
        raise NotFound("store.unknown_member", member=key, branch=branch.id)
    return member


class AdminService:
    """Add branches and members, change branch settings, roles and exemptions; list them."""

    def __init__(self, context: Context) -> None:
        self.ctx = context

    async def add_branch(
        self, actor: Actor, name: str, scheme: str, committee: str | None = None
    ) -> BranchAdded:
        """Add a branch using ``scheme`` (refused before anything is written when it does not load),
        under the committee named ``committee`` (created when new)."""
        _operator_only(actor)
        name = name.strip()
        if not name:
            raise Invalid("admin.name_required")
        loaded = self.ctx.schemes(scheme)  # an unknown or broken scheme stops here (TomlError)
        async with self.ctx.uow() as uow:
            found = await uow.branches.committee(committee, create=True) if committee else None
            branch = await uow.branches.add(name, scheme, found.id if found else None)
            await uow.audit.record(
                actor.label,
                "branch.add",
                branch_id=branch.id,
                subject=name,
                details={"scheme": scheme, **({"committee": committee} if committee else {})},
            )
            await uow.commit()
            return BranchAdded(branch.id, branch.name, scheme, loaded.id, branch.committee_id)

    async def branches(self, actor: Actor) -> list[BranchInfo]:
        _operator_only(actor)
        async with self.ctx.uow() as uow:
            return [
                BranchInfo(b.id, b.name, b.scheme, await uow.members.count(b.id))
                for b in await uow.branches.list()
            ]

    async def settings(
        self, actor: Actor, branch_id: int, changes: Mapping[str, object]
    ) -> BranchSettingsView:
        """Change the branch's settings (``approvals``, ``rank``, ``online``; values are validated)
        and return them; with no ``changes`` only shows them."""
        _operator_only(actor)
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            new = checked_settings(branch.settings, changes)
            if changes:
                await uow.branches.update_settings(branch, stored_settings(new))
                await uow.audit.record(
                    actor.label,
                    "branch.settings",
                    branch_id=branch.id,
                    details={key: getattr(new, key) for key in changes},
                )
                await uow.commit()
            return BranchSettingsView(branch.id, branch.name, new, bool(changes))

    async def add_member(self, actor: Actor, branch_id: int, new: NewMember) -> MemberInfo:
        """Add a member to a branch's roster; the category must be one of the scheme's, the 编号 unused."""
        _operator_only(actor)
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            name = new.name.strip()
            if not name:
                raise Invalid("roster.name_required")
            categories = self.ctx.schemes(branch.scheme).categories
            if new.category and new.category not in categories:
                raise Invalid("roster.bad_category", value=new.category, known="/".join(categories) or "-")
            same = await uow.members.on_roster(branch.id, new.code, name) if new.code else None
            if same is not None:  # 编号 is unique in a branch: say so instead of failing in the database
                raise Invalid("roster.exists", name=same.name, code=new.code, id=same.id)
            row = await uow.members.add(
                MemberRow(
                    branch_id=branch.id,
                    name=name,
                    code=new.code,
                    category=new.category,
                    migrant=new.migrant,
                    joined=new.joined,
                    phone=new.phone,
                )
            )
            details: dict[str, Any] = {"name": name, "code": new.code, "category": new.category}
            details.update(migrant=new.migrant, joined=new.joined.isoformat() if new.joined else None)
            await uow.audit.record(
                actor.label, "member.add", branch_id=branch.id, subject=str(row.id), details=details
            )
            await uow.commit()
            return MemberInfo.of(row)

    async def members(self, actor: Actor, branch_id: int) -> list[MemberInfo]:
        _operator_only(actor)
        async with self.ctx.uow() as uow:
            await branch_of(uow, branch_id)
            return [MemberInfo.of(m) for m in await uow.members.list(branch_id)]

    async def set_exempt(self, actor: Actor, branch_id: int, member: str, reason: str) -> MemberInfo:
        """Exempt a member (by id, 编号 or name) from scoring; the reason is required and audited."""
        _operator_only(actor)
        reason = reason.strip()
        if not reason:  # every exemption says why, in the audit log
            raise Invalid("ledger.reason_required")
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            row = await _member_by_key(uow, branch, member)
            await uow.members.set_exempt(row.id, True)
            await uow.audit.record(
                actor.label,
                "member.exempt",
                branch_id=branch.id,
                subject=str(row.id),
                details={"reason": reason},
            )
            await uow.commit()
            return MemberInfo(
                row.id, row.branch_id, row.name, row.code, row.category, row.migrant, True, row.joined
            )

    async def set_role(
        self, actor: Actor, branch_id: int, member: str, role: str, *, revoke: bool = False
    ) -> RoleChange:
        """Grant (or revoke) ``role`` to a member; ``committee`` is held over the branch's committee."""
        _operator_only(actor)
        if role not in ROLES:
            raise Invalid("admin.unknown_role", role=role, known="/".join(ROLES))
        async with self.ctx.uow() as uow:
            branch = await branch_of(uow, branch_id)
            row = await _member_by_key(uow, branch, member)
            if role == "committee" and branch.committee_id is None:
                raise Invalid("admin.no_committee", branch=branch.name)
            place = {"committee_id": branch.committee_id} if role == "committee" else {"branch_id": branch.id}
            if revoke:
                changed = await uow.members.revoke(row.id, role, **place)
            else:
                changed = role not in await uow.members.roles(row.id, branch)
                if changed:
                    await uow.members.grant(row.id, role, **place)
            if changed:
                action = "member.role_revoked" if revoke else "member.role_granted"
                await uow.audit.record(
                    actor.label, action, branch_id=branch.id, subject=str(row.id), details={"role": role}
                )
                await uow.commit()
            return RoleChange(row.id, row.name, role, not revoke, changed)
