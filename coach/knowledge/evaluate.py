"""hit@k of a retriever on a labelled query set (tests/data/retrieval/labelled.yaml).

A label is a phrase the right passage contains; texts are compared in Simplified with punctuation
and spaces removed, so labels survive re-chunking and script differences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from coach.knowledge.chunk import heading_of
from coach.protocols import Retriever
from coach.text import to_simplified
from coach.types import Passage

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return _NOISE.sub("", to_simplified(text)).lower()


@dataclass(frozen=True)
class Labelled:
    q: str
    lang: str
    expect: tuple[str, ...]
    hard: bool = False


def load_labelled(path: Path) -> list[Labelled]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [
        Labelled(q=item["q"], lang=item["lang"], expect=tuple(item["expect"]), hard=bool(item.get("hard", False)))
        for item in data["queries"]
    ]


def is_hit(passages: Sequence[Passage], expect: Sequence[str]) -> bool:
    wanted = [normalise(e) for e in expect]
    return any(w in normalise(f"{heading_of(p.title)}\n{p.text}") for p in passages for w in wanted)


def hit_at_k(retriever: Retriever, items: Sequence[Labelled], k: int = 3) -> tuple[float, list[Labelled]]:
    """(share of queries with a right passage in the top k, the queries that missed)."""
    misses = [it for it in items if not is_hit(retriever.search(it.q, k), it.expect)]
    return (1.0 - len(misses) / len(items)) if items else 0.0, misses


def sop_half(query_id: str) -> str:
    """The fixed split of a labelled set into halves, chosen before any tuning: queries whose
    number is odd ("s-001", "t-003") tune, even ones report. Every script falls about evenly."""
    digits = "".join(ch for ch in query_id if ch.isdigit())
    return "tune" if digits and int(digits) % 2 == 1 else "report"
