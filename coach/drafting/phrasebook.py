"""The offline drafter's phrasings: YAML data files under prompts/offline/, loaded and checked once.

zh-Hans.yaml and en.yaml are written by hand; zh-Hant is produced from zh-Hans with OpenCC (s2tw)
at load time. citations.yaml maps each strategy to the cue words of the passages it follows. The
bundled files ship as coach.bundled_prompts/offline; settings.prompts_dir wins when it holds an
offline/ folder of its own.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from coach.config import Settings
from coach.errors import TemplateError
from coach.analysis.situation import STRATEGIES
from coach.text import to_traditional
from coach.types import Script

PLACEHOLDERS = frozenset({
    "topic", "device", "alternative", "offer", "money", "standing", "standing_cap", "callback",
    "problem", "said", "harm", "item", "next_step", "when",
})
_SOURCES: dict[Script, str] = {"zh-Hans": "zh-Hans.yaml", "en": "en.yaml"}
_HANT_OVERRIDES = "zh-Hant.yaml"  # optional: Traditional wordings that s2tw cannot make (保固, 簡訊)
# Lists of variants that a phrasebook may hold beside the strategies, each keyed (ack, asks...).
_KEYED = ("acks", "asks", "next_steps")
_SCALARS = ("offer", "standing", "standing_generic")
Variants = tuple[str, ...]


@dataclass(frozen=True)
class Phrasebook:
    """All phrasings of one script."""

    script: Script
    money: dict[str, str]
    offer: str
    standing: str
    standing_generic: str
    topics: dict[str, dict[str, str]]
    callbacks: Variants
    leads: dict[str, Variants]
    strategies: dict[str, dict[str, Variants]]
    topic_bridge: Variants = ()
    callback_slots: tuple[CallbackSlot, ...] = ()
    acks: dict[str, Variants] = field(default_factory=dict)  # restating the problem (problem, quoted, harm)
    asks: dict[str, Variants] = field(default_factory=dict)  # asking for one missing fact
    next_steps: dict[str, Variants] = field(default_factory=dict)  # by problem kind


@dataclass(frozen=True)
class CallbackSlot:
    """A callback time the drafter may propose: `day` 0 today, 1 tomorrow; `at` the local hour
    (a "before 5 pm" slot is at 17); `text` how the reply says it."""

    day: int
    at: float
    text: str


@dataclass(frozen=True)
class Phrasebooks:
    books: dict[Script, Phrasebook]
    cues: dict[str, Variants]
    origin: str

    def for_script(self, script: Script) -> Phrasebook:
        return self.books[script]


def offline_folder(settings: Settings | None = None) -> Traversable:
    """settings.prompts_dir/offline when it exists, else the bundled phrasings."""
    if settings is not None and settings.prompts_dir is not None:
        candidate = Path(settings.prompts_dir) / "offline"
        if candidate.is_dir():
            return candidate
    return resources.files("coach.bundled_prompts") / "offline"


def load_phrasebooks(folder: Traversable | Path | None = None) -> Phrasebooks:
    """Load and check the phrasings in `folder` (default: the bundled ones); cached per folder."""
    folder = folder if folder is not None else offline_folder()
    key = str(folder)
    books = _CACHE.get(key)
    if books is None:
        books = _CACHE[key] = _load(folder, key)
    return books


def clear_cache() -> None:
    """Forget loaded phrasings (after a prompt engineer edits them)."""
    _CACHE.clear()


_CACHE: dict[str, Phrasebooks] = {}


def _load(folder: Traversable | Path, key: str) -> Phrasebooks:
    raw_hans = _read_yaml(folder, _SOURCES["zh-Hans"])
    raw_hant = _deep(raw_hans, to_traditional)
    if (folder / _HANT_OVERRIDES).is_file():
        raw_hant = _merge(raw_hant, _read_yaml(folder, _HANT_OVERRIDES))
    books: dict[Script, Phrasebook] = {
        "zh-Hans": _book("zh-Hans", raw_hans, _SOURCES["zh-Hans"]),
        "zh-Hant": _book("zh-Hant", raw_hant, _SOURCES["zh-Hans"] + " (s2tw) + " + _HANT_OVERRIDES),
        "en": _book("en", _read_yaml(folder, _SOURCES["en"]), _SOURCES["en"]),
    }
    cues_raw = _read_yaml(folder, "citations.yaml")
    cues = {str(k): _strings(v, f"citations.yaml: {k}") for k, v in cues_raw.items()}
    return Phrasebooks(books=books, cues=cues, origin=key)


def _read_yaml(folder: Traversable | Path, name: str) -> dict[str, Any]:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise TemplateError(f"offline phrasings: cannot read {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise TemplateError(f"offline phrasings: {path}{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"offline phrasings: {path} must hold a mapping")
    return data


def _merge(base: Any, override: Any) -> Any:
    """`override` laid over `base`: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return override


def _deep(value: Any, convert: Any) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [_deep(v, convert) for v in value]
    if isinstance(value, dict):
        return {k: _deep(v, convert) for k, v in value.items()}
    return value


def _strings(value: Any, where: str) -> Variants:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise TemplateError(f"offline phrasings: {where} must be a non-empty list of non-empty strings")
    for v in value:
        _check_placeholders(v, where)
    return tuple(value)


def _check_placeholders(text: str, where: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise TemplateError(f"offline phrasings: {where}: {exc}: {text!r}") from exc
    unknown = names - PLACEHOLDERS - {"amount", "currency"}
    if unknown:
        raise TemplateError(f"offline phrasings: {where}: unknown placeholder(s) {sorted(unknown)} in {text!r}")


def _book(script: Script, raw: dict[str, Any], name: str) -> Phrasebook:
    for key in ("money", "topics", "callbacks", "leads", "strategies", *_SCALARS):
        if key not in raw:
            raise TemplateError(f"offline phrasings: {name} lacks `{key}`")
    money = raw["money"]
    if not isinstance(money, dict) or "default" not in money:
        raise TemplateError(f"offline phrasings: {name}: `money` needs a `default` entry")
    topics = raw["topics"]
    if not isinstance(topics, dict) or "default" not in topics:
        raise TemplateError(f"offline phrasings: {name}: `topics` needs a `default` entry")
    for key, entry in topics.items():
        if not isinstance(entry, dict) or not {"issue", "device"} <= set(entry):
            raise TemplateError(f"offline phrasings: {name}: topic {key} needs `issue` and `device`")
    if "alternative" not in topics["default"]:
        raise TemplateError(f"offline phrasings: {name}: the default topic needs an `alternative`")
    leads = {k: _strings(v, f"{name}: leads.{k}") for k, v in raw["leads"].items()}
    if "default" not in leads:
        raise TemplateError(f"offline phrasings: {name}: `leads` needs a `default` list")
    strategies: dict[str, dict[str, Variants]] = {}
    for key, parts in raw["strategies"].items():
        if not isinstance(parts, dict):
            raise TemplateError(f"offline phrasings: {name}: strategy {key} must be a mapping")
        strategies[key] = {part: _strings(v, f"{name}: strategies.{key}.{part}") for part, v in parts.items()}
    missing = [s for s in STRATEGIES if "core" not in strategies.get(s, {})]
    if missing:
        raise TemplateError(f"offline phrasings: {name}: no `core` for strategies {missing}")
    return Phrasebook(
        script=script,
        money={str(k): str(v) for k, v in money.items()},
        offer=str(raw["offer"]),
        standing=str(raw["standing"]),
        standing_generic=str(raw["standing_generic"]),
        topics={
            str(k): {
                "issue": str(v["issue"]),
                "device": str(v["device"]),
                "alternative": str(v.get("alternative", topics["default"]["alternative"])),
            }
            for k, v in topics.items()
        },
        callbacks=tuple(slot.text for slot in _slots(raw["callbacks"], name)),
        callback_slots=_slots(raw["callbacks"], name),
        leads=leads,
        strategies=strategies,
        topic_bridge=_strings(raw["topic_bridge"], f"{name}: topic_bridge") if "topic_bridge" in raw else (),
        **{key: _keyed(raw.get(key, {}), f"{name}: {key}") for key in _KEYED},
    )


def _keyed(raw: Any, where: str) -> dict[str, Variants]:
    if not isinstance(raw, dict):
        raise TemplateError(f"offline phrasings: {where} must be a mapping of lists")
    return {str(k): _strings(v, f"{where}.{k}") for k, v in raw.items()}


def _slots(raw: Any, name: str) -> tuple[CallbackSlot, ...]:
    """`callbacks`: a list of {day, at, text} (or plain strings: tomorrow's, for old copies)."""
    if not isinstance(raw, list) or not raw:
        raise TemplateError(f"offline phrasings: {name}: `callbacks` must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"day": 1, "at": 10, "text": item}
        if not isinstance(item, dict) or not {"day", "at", "text"} <= set(item):
            raise TemplateError(f"offline phrasings: {name}: callbacks[{i}] needs `day`, `at` and `text`")
        try:
            day, at = int(item["day"]), float(item["at"])
        except (TypeError, ValueError):
            raise TemplateError(f"offline phrasings: {name}: callbacks[{i}]: `day` and `at` are numbers") from None
        if day not in (0, 1, 2) or not 0 <= at < 24:
            raise TemplateError(f"offline phrasings: {name}: callbacks[{i}]: `day` 0-2, `at` an hour 0-23")
        out.append(CallbackSlot(day=day, at=at, text=str(_strings([item["text"]], f"{name}: callbacks[{i}]")[0])))
    if not any(slot.day >= 1 for slot in out):
        raise TemplateError(f"offline phrasings: {name}: `callbacks` needs at least one slot of a later day")
    return tuple(out)
