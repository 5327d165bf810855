"""Quality on the labelled query set (tests/data/retrieval/labelled.yaml): hit@3 >= 0.9."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from coach.knowledge.evaluate import hit_at_k, load_labelled, normalise
from tests.fakes_knowledge import bundled_kb  # noqa: F401  (fixture)

DATA = Path(__file__).parent / "data" / "retrieval"
LABELLED = load_labelled(DATA / "labelled.yaml")
HELDOUT = load_labelled(DATA / "heldout.yaml")


def test_the_set_is_large_mixed_and_hard_enough() -> None:
    assert len(LABELLED) >= 40
    langs = Counter(item.lang for item in LABELLED)
    assert set(langs) == {"zh-Hans", "zh-Hant", "en"} and min(langs.values()) >= 10
    assert sum(item.hard for item in LABELLED) >= 15
    assert len({item.q for item in LABELLED + HELDOUT}) == len(LABELLED) + len(HELDOUT)


@pytest.mark.parametrize("item", LABELLED + HELDOUT, ids=lambda it: it.q[:30])
def test_every_label_names_text_the_corpus_holds(bundled_kb, item) -> None:  # noqa: F811
    corpus = [normalise(f"{p.title}\n{p.text}") for p in bundled_kb.passages]
    assert any(normalise(e) in t for e in item.expect for t in corpus), item.expect


def test_no_query_copies_a_passage(bundled_kb) -> None:  # noqa: F811
    corpus = "".join(normalise(p.text) for p in bundled_kb.passages)
    for item in LABELLED + HELDOUT:
        q = normalise(item.q)
        assert len(q) < 12 or q not in corpus, item.q


def test_hybrid_hit_at_3_holds_0_9(bundled_kb) -> None:  # noqa: F811
    assert bundled_kb.has_vectors
    score, misses = hit_at_k(bundled_kb, LABELLED, 3)
    assert score >= 0.9, [m.q for m in misses]


def test_heldout_hit_at_3_holds_0_9(bundled_kb) -> None:  # noqa: F811
    score, misses = hit_at_k(bundled_kb, HELDOUT, 3)
    assert score >= 0.9, [m.q for m in misses]


def test_stored_query_vectors_match_the_live_encoder(bundled_kb) -> None:  # noqa: F811
    from coach.knowledge.vectors import default_encoder

    table = bundled_kb.dense.encoder.table
    assert {it.q for it in LABELLED + HELDOUT} <= set(table), "rerun bench_retrieval_quality.py --save-query-vectors"
    for item in (LABELLED[0], HELDOUT[-1]):
        live = default_encoder(item.q)
        cos = float(live @ table[item.q]) / float(np.linalg.norm(live) * np.linalg.norm(table[item.q]))
        assert cos > 0.995


def test_without_vectors_the_glossary_keeps_english_working(bundled_kb) -> None:  # noqa: F811
    lexical = bundled_kb.lexical_only()
    english = [it for it in LABELLED if it.lang == "en"]
    assert hit_at_k(lexical, english, 3)[0] >= 0.85
    assert hit_at_k(lexical, LABELLED, 3)[0] >= 0.8
