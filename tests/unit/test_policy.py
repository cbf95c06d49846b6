"""Branch settings and the role rules in ``bot.services.policy``."""

from __future__ import annotations

from bot.scoring.loader import load_preset, load_scheme
from bot.services.policy import (
    BINDERS,
    OPENERS,
    BranchSettings,
    approvers,
    parse_settings,
    recorders,
    settings_of,
    stored_settings,
)
from bot.storage.schema import Branch


def test_no_settings_means_the_defaults():
    for raw in (None, {}):
        assert parse_settings(raw) == BranchSettings(approvals="group", rank=False, online=True)
    assert settings_of(Branch(name="b", scheme="twelve-point", settings=None)) == BranchSettings()


def test_old_rows_load_and_unknown_keys_are_ignored():
    settings = parse_settings({"approvals": "private", "rank": True, "theme": "red"})
    assert (settings.approvals, settings.rank, settings.online) == ("private", True, True)
    assert stored_settings(settings) == {
        "approvals": "private",
        "rank": True,
        "online": True,
        "confirm_records": False,
        "publicity": "notice",
        "theme_day": None,
        "dues_day": None,
        "pending_days": None,
        "review_alerts": True,
        "returns_alerts": True,
        "followup_alerts": True,
    }


def test_a_stored_value_no_longer_valid_falls_back_to_its_default():
    settings = parse_settings({"approvals": "everyone", "online": False})
    assert (settings.approvals, settings.online) == ("group", False)


def test_role_rules():
    assert OPENERS == BINDERS == ("secretary", "committee")
    assert recorders(load_scheme("twelve-point")) == ("secretary", "recorder")
    assert recorders(load_scheme("branch-star")) == ("committee", "recorder")
    assert approvers(load_preset("twelve-point")) == tuple(load_preset("twelve-point").approvers)
