"""Load schemes from TOML: the presets shipped in ``presets/`` or a branch's own file.

A branch file may start from a preset with ``extends = "<preset id>"`` and change only
what differs: tables merge key by key, ``[[items]]`` merge by ``code`` (a new code adds an
item), ``remove_items`` drops items, and any other array replaces the preset's.
Errors name the file, the key and the line.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.i18n import t
from bot.scoring.model import Scheme
from bot.scoring.tomlsource import TomlError, TomlProblem, line_of, locate, parse, problems_from_validation


def preset_ids() -> list[str]:
    """The ids of the presets that ship with the bot, sorted."""
    folder = resources.files("bot.scoring") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _preset_text(scheme_id: str) -> str:
    if scheme_id not in preset_ids():
        raise TomlError(
            [TomlProblem(scheme_id, "", None, t("scheme.unknown", id=scheme_id, known=", ".join(preset_ids())))]
        )
    return (resources.files("bot.scoring") / "presets" / f"{scheme_id}.toml").read_text(encoding="utf-8")


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for key, value in child.items():
        if key == "items" and isinstance(value, list):
            items = {i.get("code"): dict(i) for i in parent.get("items", [])}
            for item in value:
                code = item.get("code")
                items[code] = {**items.get(code, {}), **item}
            merged["items"] = list(items.values())
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = _merge(parent[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(data: dict[str, Any], source: str, chain: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """Merge ``data`` onto the scheme it extends; returns the result and the locked keys it tried to change."""
    parent_id = data.pop("extends", None)
    if parent_id is None:
        return data, []
    if parent_id in chain:
        raise TomlError([TomlProblem(source, "extends", None, t("scheme.extends_loop", chain=" -> ".join((*chain, parent_id))))])
    parent, _ = _resolve(parse(_preset_text(parent_id), f"{parent_id}.toml"), parent_id, (*chain, parent_id))
    locked = [*parent.get("locked", []), "locked"]
    changed = [key for key in locked if _has(data, key.split("."))]
    removed = set(data.pop("remove_items", []))
    merged = _merge(parent, data)
    merged["locked"] = parent.get("locked", [])
    merged["items"] = [i for i in merged.get("items", []) if i.get("code") not in removed]
    return merged, changed


def _has(data: dict[str, Any], path: list[str]) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def load_scheme_text(text: str, source: str) -> Scheme:
    """Parse and validate one scheme document; raises TomlError naming key and line."""
    own = parse(text, source)
    own_items = [i.get("code") for i in own.get("items", []) if isinstance(i, dict)]
    data, changed = _resolve(dict(own), source, (str(own.get("id", source)),))
    if changed:
        positions = locate(text)
        raise TomlError([
            TomlProblem(source, key, line_of(positions, tuple(key.split("."))), t("scheme.locked", key=key))
            for key in changed
        ])
    try:
        return Scheme.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = list(err.get("loc", ()))
            # An item merged from a preset: point at this file's own [[items]] entry when it has one.
            if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int):
                code = data["items"][loc[1]].get("code")
                loc[1] = own_items.index(code) if code in own_items else loc[1]
            errors.append({**err, "loc": tuple(loc)})
        raise TomlError(problems_from_validation(errors, text, source)) from exc


@lru_cache(maxsize=64)
def load_preset(scheme_id: str) -> Scheme:
    """One of the shipped presets, by id."""
    return load_scheme_text(_preset_text(scheme_id), f"{scheme_id}.toml")


def load_scheme(spec: str) -> Scheme:
    """A preset id, or the path of a scheme TOML file."""
    if spec in preset_ids():
        return load_preset(spec)
    path = Path(spec)
    if not path.is_file():
        raise TomlError([TomlProblem(spec, "", None, t("scheme.unknown", id=spec, known=", ".join(preset_ids())))])
    return load_scheme_text(path.read_text(encoding="utf-8"), str(path))
