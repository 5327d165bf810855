"""The labelled query sets of both corpora, in one shape, for the retrieval benchmarks.

- bundled corpus: tests/data/retrieval/labelled.yaml (the glossary and the first fusion weights
  were tuned on it) and heldout.yaml;
- the SOP corpus (tests/data/retrieval/corpus_sop/): corpus_sop_queries.yaml, split by
  `coach.knowledge.evaluate.sop_half` (fixed before any tuning) into a tune and a report half,
  and corpus_sop_fresh.yaml (written blind after the tuning, measured once, never tuned on).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from coach.config import Settings
from coach.knowledge import KnowledgeBase, load_knowledge_base
from coach.knowledge.evaluate import is_hit, load_labelled, sop_half
from coach.types import Passage

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "retrieval"
SOP = DATA / "corpus_sop"


@dataclass(frozen=True)
class Query:
    set: str
    text: str
    lang: str
    expect: tuple[str, ...]
    document: str | None = None  # the SOP sets name the file that must hold the passage

    def hit(self, passages: list[Passage]) -> bool:
        found = [p for p in passages if self.document is None or p.source == self.document]
        return is_hit(found, self.expect)


def bundled_sets() -> list[Query]:
    out: list[Query] = []
    for name in ("labelled", "heldout"):
        out += [Query(name, it.q, it.lang, it.expect) for it in load_labelled(DATA / f"{name}.yaml")]
    return out


def sop_sets(fresh: bool = False) -> list[Query]:
    out: list[Query] = []
    raw = yaml.safe_load((DATA / "corpus_sop_queries.yaml").read_text(encoding="utf-8"))["queries"]
    for q in raw:
        out.append(Query(f"sop-{sop_half(q['id'])}", q["query"], q["lang"], tuple(q["phrases"]), q["document"]))
    path = DATA / "corpus_sop_fresh.yaml"
    if fresh and path.exists():
        for q in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]:
            out.append(Query("sop-fresh", q["query"], q["lang"], tuple(q["phrases"]), q["document"]))
    return out


def lexical_kb(guidelines: Path | None) -> KnowledgeBase:
    """Passages and BM25 of a corpus (no vectors), built in a throw-away cache."""
    with tempfile.TemporaryDirectory() as cache:
        values = {"COACH_CACHE_DIR": cache, "COACH_RETRIEVAL": "lexical"}
        if guidelines is not None:
            values["COACH_GUIDELINES_DIR"] = str(guidelines)
        return load_knowledge_base(Settings(_env_file=None, **values))  # type: ignore[arg-type]
