"""What the ledger use cases share: who acts, where a message came from, rule checks."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.scoring.loader import load_scheme, preset_ids, scheme_path
from bot.scoring.model import Item, Scheme
from bot.services.errors import Forbidden, Invalid, NotFound
from bot.storage.schema import Branch, MemberRow
from bot.storage.uow import UnitOfWork

UowFactory = Callable[..., UnitOfWork]  # ``uow()`` writes; ``uow(read_only=True)`` only reads
SchemeSource = Callable[[str], Scheme]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a member (by database id), or a named system/CLI actor with ``member_id`` None."""

    member_id: int | None
    label: str

    @property
    def operator(self) -> bool:
        """The operator at the command line (``cli:<user>``), who administers the database itself."""
        return self.member_id is None and (self.label == "cli" or self.label.startswith("cli:"))


@dataclass(frozen=True, slots=True)
class Source:
    """The chat message behind a claim or an entry."""

    platform: str | None = None
    chat: str | None = None
    message: str | None = None


NO_SOURCE = Source()


class SchemeCache:
    """Schemes by id, file path or name in the scheme folders, each loaded once: every update asks
    for its branch's scheme.

    ``dirs`` (``[bot] scheme_dirs``) are searched in order for ``<spec>.toml`` when a spec is
    neither a preset nor an existing file. A scheme file is loaded again when it changes on disk
    (its size or modification time); a preset (not a file) is loaded once.
    """

    def __init__(self, load: SchemeSource | None = None, *, dirs: Sequence[str | Path] = ()) -> None:
        self.dirs: tuple[Path, ...] = tuple(Path(d) for d in dirs)
        self._load: SchemeSource = load or self._from_dirs
        self._loaded: dict[str, tuple[tuple[int, int] | None, Scheme]] = {}

    def _from_dirs(self, spec: str) -> Scheme:
        return load_scheme(spec, self.dirs)

    def __call__(self, spec: str) -> Scheme:
        hit = self._loaded.get(spec)
        if hit is not None and hit[0] is None:
            return hit[1]
        stamp = _stamp(spec, self.dirs)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        scheme = self._load(spec)
        self._loaded[spec] = (stamp if spec not in preset_ids() else None, scheme)
        return scheme


def _stamp(spec: str, dirs: Sequence[Path] = ()) -> tuple[int, int] | None:
    """(size, mtime) of the scheme file a spec names (None when there is no such file)."""
    try:
        path = scheme_path(spec, dirs)
        if path is None:
            return None
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size, info.st_mtime_ns


class Context:
    """The dependencies every use case needs: units of work and the branches' schemes."""

    def __init__(self, uow: UowFactory, schemes: SchemeSource | None = None) -> None:
        self.uow = uow
        self.schemes = schemes or SchemeCache()


async def branch_of(uow: UnitOfWork, branch_id: int) -> Branch:
    branch = await uow.branches.get(branch_id)
    if branch is None:
        raise NotFound("store.unknown_branch", branch=branch_id)
    return branch


async def member_of(uow: UnitOfWork, branch_id: int, member_id: int) -> MemberRow:
    member = await uow.members.get(member_id)
    if member is None or member.branch_id != branch_id:
        raise NotFound("store.unknown_member", member=member_id, branch=branch_id)
    return member


def item_of(scheme: Scheme, code: str, sources: Iterable[str]) -> Item:
    item = scheme.item(code)
    if item is None:
        raise Invalid("ledger.unknown_item", item=code, scheme=scheme.id)
    if item.source not in sources:
        raise Invalid("ledger.item_not_enterable", item=code, name=item.name)
    return item


def checked_points(item: Item, points: float | None) -> float:
    """The entry's signed points: the fixed value, or a value inside the item's range (default when None)."""
    if item.kind == "veto":
        return 0.0
    if points is None:
        return float(item.default_points)
    if item.points is not None and points != item.points:
        raise Invalid("ledger.points_fixed", item=item.code, expected=item.points, points=points)
    low, high = (item.min, item.max) if item.points is None else (item.points, item.points)
    if low is not None and high is not None and not low <= points <= high:
        raise Invalid("ledger.points_range", item=item.code, low=low, high=high, points=points)
    return float(points)


async def require_role(uow: UnitOfWork, actor: Actor, branch: Branch, allowed: Iterable[str]) -> set[str]:
    """Refuse unless the acting member holds one of ``allowed`` roles over the branch; the roles
    they hold. The operator at the command line (``Actor.operator``) holds every role."""
    wanted = set(allowed)
    if actor.operator:
        return {"secretary", *wanted}
    roles = await uow.members.roles(actor.member_id, branch) if actor.member_id is not None else set()
    if not roles & wanted:
        raise Forbidden("ledger.not_allowed", roles="/".join(sorted(wanted)))
    return roles
