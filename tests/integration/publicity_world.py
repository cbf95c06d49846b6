"""A branch whose scheme publishes monthly, quarterly and yearly for 7 working days, and an app
on a clock the test moves (no sleeping): for the publicity tests and their child process."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.chatworld import db_folder

from bot.app import App, build
from bot.channels.console import ConsoleTransport
from bot.media import MediaStore
from bot.scoring.loader import load_scheme_text
from bot.scoring.model import Scheme
from bot.services.common import Context
from bot.storage import Database
from bot.storage.timeutil import to_local
from integration.world import SCHEME_TOML

PUBLICITY = """
[publicity]
periods = ["month", "quarter", "year"]
window_days = 7
working_days = true
"""

#: The branch exists from the first moment of 2026 (Shanghai).
CREATED = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def publicity_scheme() -> Scheme:
    return load_scheme_text(
        SCHEME_TOML.replace('id = "tiny"', 'id = "tiny-publicity"') + PUBLICITY, "tp.toml"
    )


_SCHEME = publicity_scheme()


def schemes(_scheme_id: str) -> Scheme:
    return _SCHEME


#: The same with a migrant member's yearly returns (回村), as ``twelve-point`` has them.
RETURNS = """
[[items]]
code = "migrant_return_missing"
name = "流动党员回村不足"
kind = "deduction"
points = -6
source = "computed"
computed = "migrant_returns"
required = 2
"""


def returns_scheme() -> Scheme:
    return load_scheme_text(SCHEME_TOML.replace('id = "tiny"', 'id = "tiny-returns"') + RETURNS, "tr.toml")


class Moment:
    """The clock every part of one app reads."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def app_on(
    db: Database, moment: Moment, instance: str = "one", scheme: Scheme | None = None
) -> tuple[App, ConsoleTransport]:
    """An app on ``moment``'s clock; every branch on ``scheme`` (default: ``publicity_scheme``)."""
    app = build(
        db, ["console"], context=Context(db.uow, (lambda _id: scheme) if scheme else schemes),
        media=MediaStore(db_folder(db) / "media"), instance=instance,
        today=lambda: to_local(moment.at).date(), now=moment.now,
    )  # fmt: skip
    transport = ConsoleTransport()
    app.add_transport(transport)
    return app, transport


async def date_branch(db: Database, branch_id: int) -> None:
    async with db.uow() as uow:
        branch = await uow.branches.get(branch_id)
        assert branch is not None
        branch.created_at = CREATED
        await uow.commit()


async def set_branch(db: Database, branch_id: int, **settings: object) -> None:
    """Change the branch's settings as ``partybot branch set`` / ``calendar set`` store them."""
    async with db.uow() as uow:
        branch = await uow.branches.get(branch_id)
        assert branch is not None
        branch.settings = {**branch.settings, **settings}
        await uow.commit()
