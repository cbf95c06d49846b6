"""Load schemes from TOML: the presets shipped in ``presets/`` or a branch's own file.

A scheme is named by a spec: a preset id, the path of a scheme file, or the name of a file
``<spec>.toml`` in one of the scheme folders handed in (``dirs``, searched in order).

A branch file may start from a preset with ``extends = "<preset id>"`` and change only
what differs: tables merge key by key, ``[[items]]`` merge by ``code`` (a new code adds an
item), ``remove_items`` drops items, and any other array replaces the preset's.
Errors name the file, the key and the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.i18n import t
from bot.scoring import model
from bot.scoring.model import Scheme
from bot.scoring.tomlsource import TomlError, TomlProblem, line_of, locate, parse, problems_from_validation


def preset_ids() -> list[str]:
    """The ids of the presets that ship with the bot, sorted."""
    folder = resources.files("bot.scoring") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _preset_text(scheme_id: str) -> str:
    if scheme_id not in preset_ids():
        raise TomlError(
            [
                TomlProblem(
                    scheme_id, "", None, t("scheme.unknown", id=scheme_id, known=", ".join(preset_ids()))
                )
            ]
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
        raise TomlError(
            [
                TomlProblem(
                    source, "extends", None, t("scheme.extends_loop", chain=" -> ".join((*chain, parent_id)))
                )
            ]
        )
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


#: Keys of a scheme file's top level (written after ``[[items]]`` they belong to that item).
_TOP_KEYS = {*Scheme.model_fields, "extends", "remove_items"}


def _misplaced(own: dict[str, Any], text: str, source: str) -> list[TomlProblem]:
    """Top-level keys written inside a table (``remove_items`` after an ``[[items]]``): TOML gives them
    to that table; say where they belong."""
    positions = locate(text)
    found = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if path and key in _TOP_KEYS and not _allowed(path, key):
                    loc = (*path, key)
                    name = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(
                        ".[", "["
                    )
                    found.append(
                        TomlProblem(source, name, line_of(positions, loc), t("rules.key_at_top", key=key))
                    )
                else:
                    walk(inner, (*path, key))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, (*path, index))

    walk(own, ())
    return found


#: The tables of a scheme file and the model that says which keys each has (array entries by index).
_TABLES: dict[tuple[str, ...], type[BaseModel]] = {
    ("items",): model.Item,
    ("groups",): model.Group,
    ("bands",): model.Band,
    ("alerts",): model.Alert,
    ("veto",): model.Veto,
    ("publicity",): model.Publicity,
    ("redemption",): model.Redemption,
    ("rating",): model.Rating,
    ("branch",): model.BranchRules,
    ("quotas", "quarter_star"): model.QuarterStar,
    ("quotas", "year_star"): model.YearStar,
    ("quotas", "top_stars"): model.TopStars,
}


def _allowed(path: tuple[str | int, ...], key: str) -> bool:
    """Whether ``key`` may stand in the table at ``path`` (an item has a ``name`` and a ``kind`` too)."""
    owner = _TABLES.get(tuple(p for p in path if isinstance(p, str)))
    if owner is None or len([p for p in path if isinstance(p, int)]) > 1:
        return True  # a table of another shape: its own validation speaks
    return key in owner.model_fields


def load_scheme_text(text: str, source: str) -> Scheme:
    """Parse and validate one scheme document; raises TomlError naming key and line."""
    return _load(text, source, preset=False)


def _load(text: str, source: str, preset: bool) -> Scheme:
    own = parse(text, source)
    misplaced = _misplaced(own, text, source)
    if misplaced:
        raise TomlError(misplaced)
    own_items = [i.get("code") for i in own.get("items", []) if isinstance(i, dict)]
    data, changed = _resolve(dict(own), source, (str(own.get("id", source)),))
    if changed:
        positions = locate(text)
        raise TomlError(
            [
                TomlProblem(
                    source, key, line_of(positions, tuple(key.split("."))), t("scheme.locked", key=key)
                )
                for key in changed
            ]
        )
    try:
        scheme = Scheme.model_validate(data)
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
    if not preset:
        _kind_limits(scheme, text, source)
    return scheme


@lru_cache(maxsize=1)
def _binding_presets() -> tuple[str, ...]:
    """The presets whose locked limits hold for every scheme of their kind (``binds_kind``)."""
    return tuple(p for p in preset_ids() if parse(_preset_text(p), f"{p}.toml").get("binds_kind"))


def _kind_limits(scheme: Scheme, text: str, source: str) -> None:
    """A branch's own scheme, extended or written from scratch, keeps the limits its kind's preset locks."""
    problems = []
    for preset_id in _binding_presets():
        binding = load_preset(preset_id)
        if binding.binds_kind != scheme.kind:
            continue
        for key in binding.locked:
            limit, value = _value(binding, key), _value(scheme, key)
            if isinstance(limit, int | float) and isinstance(value, int | float) and value > limit:
                clause = binding.branch.clause if binding.branch is not None else binding.name
                problems.append(
                    TomlProblem(
                        source,
                        key,
                        line_of(locate(text), tuple(key.split("."))),
                        t(
                            "rules.kind_limit",
                            key=key,
                            value=value,
                            limit=limit,
                            kind=scheme.kind,
                            preset=preset_id,
                            clause=clause,
                        ),
                    )
                )
    if problems:
        raise TomlError(problems)


def _value(scheme: Scheme, key: str) -> Any:
    value: Any = scheme
    for part in key.split("."):
        value = getattr(value, part, None)
    return value


@lru_cache(maxsize=64)
def load_preset(scheme_id: str) -> Scheme:
    """One of the shipped presets, by id."""
    return _load(_preset_text(scheme_id), f"{scheme_id}.toml", preset=True)


def scheme_path(spec: str, dirs: Sequence[str | Path] = ()) -> Path | None:
    """The file a (non-preset) spec names: an existing file, else ``<spec>.toml`` in the first of
    ``dirs`` that has it; None when there is none."""
    path = Path(spec)
    if path.is_file():
        return path
    if not spec or path.name != spec or spec in (".", ".."):  # a path that is not there, or no name at all
        return None
    names = [f"{spec}.toml", spec] if spec.endswith(".toml") else [f"{spec}.toml"]
    for folder in dirs:
        for name in names:
            candidate = Path(folder) / name
            if candidate.is_file():
                return candidate
    return None


def dir_scheme_ids(dirs: Sequence[str | Path] = ()) -> list[str]:
    """The names of the scheme files in ``dirs`` (what a spec may name there), in search order."""
    found: list[str] = []
    for folder in dirs:
        try:
            names = sorted(p.stem for p in Path(folder).glob("*.toml") if p.is_file())
        except OSError:
            continue
        found += [n for n in names if n not in found]
    return found


def load_scheme(spec: str, dirs: Sequence[str | Path] = ()) -> Scheme:
    """A preset id, the path of a scheme TOML file, or ``<spec>.toml`` in one of ``dirs``."""
    if spec in preset_ids():
        return load_preset(spec)
    path = scheme_path(spec, dirs)
    if path is None:
        known = ", ".join([*preset_ids(), *(n for n in dir_scheme_ids(dirs) if n not in preset_ids())])
        message = (
            t("scheme.unknown_in_dirs", id=spec, known=known, dirs=", ".join(str(d) for d in dirs))
            if dirs
            else t("scheme.unknown", id=spec, known=known)
        )
        raise TomlError([TomlProblem(spec, "", None, message)])
    return load_scheme_text(path.read_text(encoding="utf-8"), str(path))
