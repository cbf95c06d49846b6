"""A filled sheet sent to the bot privately (月度评分, 民主测评: recognized by its first sheet's name;
the township committee's 评星定级: by its columns), imported all or nothing by its service,
answered with a summary or every error."""

from __future__ import annotations

from bot.handlers.committee import sheet_received
from bot.handlers.context import Deps, located
from bot.handlers.types import ORIGIN, Incoming, Reply, Send
from bot.i18n import t
from bot.reports.xlsx import XLSX
from bot.scoring.model import Scheme
from bot.services.committee import committee_sheet
from bot.services.errors import DomainError
from bot.services.policy import recorders
from bot.services.sheets import describe, read_sheet


async def receive(inc: Incoming, deps: Deps) -> list[Reply]:
    """A file sent without a command. In a group only a recognized sheet is answered (send it
    privately: scores are not for the group); any other file there is none of the bot's business."""
    document = inc.document
    stored = deps.media.read(document.sha256) if document is not None and deps.media is not None else None
    is_sheet = document is not None and (document.name.lower().endswith(".xlsx") or document.mime == XLSX)
    if not inc.private:
        return (
            [Send(ORIGIN, t("sheets.chat_private"))]
            if is_sheet and stored is not None and _recognized(stored)
            else []
        )
    if document is None or (is_sheet and stored is None):
        return [Send(ORIGIN, t("sheets.chat_file_failed"))]
    if not is_sheet or deps.sheets is None:
        return [Send(ORIGIN, t("sheets.chat_not_sheet"))]
    assert stored is not None
    name = document.name or f"{document.sha256[:12]}.xlsx"
    committee = committee_sheet(stored, name)
    if committee is not None:
        return await sheet_received(inc, deps, committee)
    person, branch = await located(inc, deps)
    result = await deps.sheets.import_sheet(person.actor, stored, name, branch_id=branch.id)
    return [Send(ORIGIN, "\n".join(describe(result)))]


def _recognized(data: bytes) -> bool:
    if committee_sheet(data, "") is not None:
        return True
    try:
        read_sheet(data)
    except DomainError:
        return False
    return True


def may_import(roles: frozenset[str], scheme: Scheme) -> bool:
    """Whether someone with these roles is told about sending sheets (the service decides each import)."""
    return scheme.rating is not None and bool(roles & set(recorders(scheme)))
