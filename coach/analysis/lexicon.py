"""The reading's word lists (coach/data/analysis/reading.yaml), loaded and compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coach.datafiles import data_yaml
from coach.errors import TemplateError
from coach.text import to_simplified

_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Simplified, lower-case, pinyin glosses dropped: the text every pattern reads. Keeps the
    length of the Simplified text apart from the glosses (OpenCC maps character for character)."""
    return _PINYIN.sub("", to_simplified(text)).lower()


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """Simplified with the case kept and glosses dropped: the text the customer's words are
    restated from."""
    return re.sub(r"\([A-Za-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)", "", to_simplified(text))


@dataclass(frozen=True)
class Reading:
    topic_not: tuple[re.Pattern[str], ...]
    topic_cues: dict[str, tuple[tuple[int, re.Pattern[str]], ...]]
    topic_min: int
    items: tuple[re.Pattern[str], ...]
    problems: tuple[tuple[str, re.Pattern[str]], ...]
    not_problem: re.Pattern[str]
    imperative: re.Pattern[str]
    since: re.Pattern[str]
    wants: tuple[tuple[str, re.Pattern[str]], ...]
    deadline: re.Pattern[str]
    harm: re.Pattern[str]
    promises: dict[str, re.Pattern[str]]
    bare_demand: re.Pattern[str]
    bare_reject: re.Pattern[str]
    charge_words: re.Pattern[str]
    demand_words: re.Pattern[str]
    reject_words: re.Pattern[str]
    order_number: re.Pattern[str]


def _re(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise TemplateError(f"coach/data/analysis/reading.yaml: {where} must be a non-empty pattern")
    try:
        return re.compile(value)
    except re.error as exc:
        raise TemplateError(f"coach/data/analysis/reading.yaml: {where}: {exc}") from exc


@lru_cache(maxsize=1)
def reading() -> Reading:
    raw = data_yaml("analysis", "reading.yaml")
    topics = raw["topics"]
    return Reading(
        topic_not=tuple(_re(p, "topics.not") for p in topics["not"]),
        topic_cues={
            name: tuple((int(w), _re(p, f"topics.cues.{name}")) for w, p in cues)
            for name, cues in topics["cues"].items()
        },
        topic_min=int(topics["min_score"]),
        items=tuple(_re(p, "items") for p in raw["items"]),
        problems=tuple((k, _re(v, f"problems.{k}")) for k, v in raw["problems"].items()),
        not_problem=_re(raw["not_problem"], "not_problem"),
        imperative=_re(raw["imperative"], "imperative"),
        since=_re(raw["since"], "since"),
        wants=tuple((k, _re(v, f"wants.{k}")) for k, v in raw["wants"].items()),
        deadline=_re(raw["deadline"], "deadline"),
        harm=_re(raw["harm"], "harm"),
        promises={k: _re(v, f"promises.{k}") for k, v in raw["promises"].items()},
        bare_demand=_re(raw["bare_amounts"]["demand"], "bare_amounts.demand"),
        bare_reject=_re(raw["bare_amounts"]["reject"], "bare_amounts.reject"),
        charge_words=_re(raw["charge_words"], "charge_words"),
        demand_words=_re(raw["demand_words"], "demand_words"),
        reject_words=_re(raw["reject_words"], "reject_words"),
        order_number=_re(raw["order_number"], "order_number"),
    )
