"""Violation messages and hints in the reader's language, from coach/data/rules/messages.yaml."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from coach.text import to_traditional
from coach.types import Script


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    raw = (resources.files("coach") / "data" / "rules" / "messages.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(raw)


@lru_cache(maxsize=256)
def wording(rule: str, variant: str = "default", script: Script = "en", **fill: str) -> tuple[str, str]:
    """(message, hint) of `rule`'s `variant` in `script`; {placeholders} filled from `fill`."""
    entry = _table()[rule].get(variant) or _table()[rule]["default"]
    lang = "en" if script == "en" else "zh-Hans"
    message, hint = entry[lang]["message"], entry[lang]["hint"]
    if fill:
        message, hint = message.format(**fill), hint.format(**fill)
    if script == "zh-Hant":
        message, hint = to_traditional(message), to_traditional(hint)
    return message, hint
