"""The rules of who may do what, and a branch's settings, in one place.

A branch's settings live in its ``settings`` JSON column; ``BranchSettings`` is the one
reading of it (an old row with keys no longer known still loads, a missing key is its
default) and ``stored_settings`` is what is written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.scoring.model import Scheme
from bot.storage.schema import Branch

#: Who may open a sign-in (签到).
OPENERS = ("secretary", "committee")
#: Who may bind a group chat to a branch, and confirm or decline a ``/join`` request.
BINDERS = ("secretary", "committee")


def approvers(scheme: Scheme) -> tuple[str, ...]:
    """Who approves claims and leave in a branch: the roles its scheme names (``approvers``)."""
    return tuple(scheme.approvers)


def recorders(scheme: Scheme) -> tuple[str, ...]:
    """Who may record items for members, or reverse an entry: the recorder (积分员) and the
    scheme's approvers."""
    return tuple(dict.fromkeys((*scheme.approvers, "recorder")))


def correctors(scheme: Scheme) -> tuple[str, ...]:
    """Who may correct (更正) an entry: the secretary, and the roles the scheme names as approvers."""
    return tuple(dict.fromkeys(("secretary", *scheme.approvers)))


class BranchSettings(BaseModel):
    """A branch's settings (``partybot branch set``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    #: Where approval cards go: to the branch's group, or privately to each approver.
    approvals: Literal["group", "private"] = "group"
    #: Whether ``/rank`` shows members a ranking.
    rank: bool = False
    #: Whether migrant members may join a sign-in online (线上参加).
    online: bool = True
    #: 支部核定: whether what a recorder records waits for the secretary's confirmation.
    confirm_records: bool = False
    #: What a publicity post (公示) shows in the group: ``notice`` (that results are out, each
    #: member told their own privately), ``grades`` (each member's grade or stars) or ``scores``
    #: (each member's score; ranks too when ``rank`` is on). See ``bot/services/publicity.py``.
    publicity: Literal["notice", "grades", "scores"] = "notice"
    #: Reminders (``bot/services/reminders.py``), None to turn one off: the day of the month of
    #: the theme day (主题党日) and of dues (党费), and after how many days a pending claim is
    #: reported to the approvers.
    theme_day: int | None = Field(default=None, ge=1, le=28)
    dues_day: int | None = Field(default=None, ge=1, le=28)
    pending_days: int | None = Field(default=None, ge=1, le=90)
    #: Whether the secretary is told of members due a 自行脱党 review (6 months without
    #: organizational life or dues).
    review_alerts: bool = True
    #: Whether the secretary is told on 1 October of migrant members (流动党员) with fewer returns
    #: (meetings attended in person) this year than the scheme requires.
    returns_alerts: bool = True
    #: Whether the secretary is told of the follow-ups a final yearly result calls for
    #: (``bot/services/reminders.py`` ``FOLLOW_UPS``).
    followup_alerts: bool = True


def parse_settings(raw: Mapping[str, Any] | None) -> BranchSettings:
    """Settings from a stored dict (None or ``{}``: the defaults). A stored value that is no
    longer valid falls back to its default rather than breaking the branch."""
    data = dict(raw or {})
    try:
        return BranchSettings.model_validate(data)
    except ValidationError as exc:
        bad = {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
        return BranchSettings.model_validate({k: v for k, v in data.items() if k not in bad})


def settings_of(branch: Branch) -> BranchSettings:
    """The branch's settings, read from its ``settings`` column."""
    return parse_settings(branch.settings)


def stored_settings(settings: BranchSettings) -> dict[str, Any]:
    """The dict to store in a branch's ``settings`` column."""
    return settings.model_dump()
