"""Quality on a corpus nobody tuned the glossary for (tests/data/retrieval/corpus_sop/): six SOP and
training documents indexed through COACH_GUIDELINES_DIR, no glossary, asked the labelled paraphrases
of corpus_sop_queries.yaml. The ranking (fusion weight, USE weight) was chosen on the tune half
(odd ids); the report half (even ids) was not looked at while choosing. The floors are the levels
measured in benchmarks/RESULTS.md, a little under them: they guard against regressions (issue 15
asks 0.90 of held-out queries; see RESULTS.md for where this stands)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from coach.knowledge import KnowledgeBase, load_knowledge_base
from coach.knowledge.evaluate import is_hit, sop_half
from coach.knowledge.vectors import DenseIndex, default_encoder
from tests.fakes_knowledge import TableEncoder, settings_for

DATA = Path(__file__).parent / "data" / "retrieval"
QUERIES = yaml.safe_load((DATA / "corpus_sop_queries.yaml").read_text(encoding="utf-8"))["queries"]


@pytest.fixture(scope="module")
def sop_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = load_knowledge_base(settings_for(DATA / "corpus_sop", tmp_path_factory.mktemp("sop-cache")))
    assert kb.dense is not None and not kb.glossary
    return KnowledgeBase(kb.columns, kb.bm25, kb.glossary, DenseIndex(kb.dense.matrix, TableEncoder(default_encoder)))


def _rate(kb: KnowledgeBase, half: str, lang: str | None = None) -> tuple[float, list[str]]:
    chosen = [q for q in QUERIES if sop_half(q["id"]) == half and (lang is None or q["lang"] == lang)]
    misses = [q["query"] for q in chosen
              if not is_hit([p for p in kb.search(q["query"], 3) if p.source == q["document"]], q["phrases"])]
    return 1 - len(misses) / len(chosen), misses


def test_the_split_is_fixed_and_even_across_scripts() -> None:
    halves = {h: [q for q in QUERIES if sop_half(q["id"]) == h] for h in ("tune", "report")}
    assert len(halves["tune"]) == 25 and len(halves["report"]) == 23
    for lang in ("zh-Hans", "zh-Hant", "en"):
        assert sum(q["lang"] == lang for q in halves["report"]) >= 7


def test_a_company_folder_has_no_glossary_unless_it_ships_one(tmp_path: Path) -> None:
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "a.md").write_text("# 退款\n\n客户申请退款时，先核对订单号，再按原路退回。", encoding="utf-8")
    kb = load_knowledge_base(settings_for(folder, tmp_path / "c").model_copy(update={"retrieval": "lexical"}))
    assert not kb.glossary and kb.lexical_weight == 0.25
    (folder / "glossary.yaml").write_text("en:\n  refund: [退款]\n", encoding="utf-8")
    kb = load_knowledge_base(settings_for(folder, tmp_path / "c").model_copy(update={"retrieval": "lexical"}))
    assert kb.glossary and kb.lexical_weight == 0.6
    assert kb.search("refund please", 1)[0].title


def test_tune_half_holds(sop_kb) -> None:
    score, misses = _rate(sop_kb, "tune")
    assert score >= 0.84, misses


def test_report_half_holds(sop_kb) -> None:
    score, misses = _rate(sop_kb, "report")
    assert score >= 0.65, misses


def test_english_questions_over_chinese_guidelines_find_passages(sop_kb) -> None:
    score, misses = _rate(sop_kb, "report", "en")
    assert score >= 0.57, misses
    assert sop_kb.search("xyzzy qwerty", 3) == []


def test_vectors_beat_bm25_alone_without_a_glossary(sop_kb) -> None:
    lexical = sop_kb.lexical_only()
    assert _rate(sop_kb, "report")[0] >= _rate(lexical, "report")[0] + 0.3
    assert np.isfinite(sop_kb.dense.matrix).all()
