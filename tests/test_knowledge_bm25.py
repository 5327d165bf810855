"""The vectorised BM25 build equals bm25s' own index; scoring and top-k behave."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.knowledge.bm25 import Bm25Index, top_k
from coach.knowledge.corpus import bundled_documents
from coach.knowledge.ingest import build_passages
from coach.knowledge.tokenize import tokenize


def _reference(docs: list[list[str]]) -> dict[str, np.ndarray]:
    """bm25s' own scores of each (term, passage), as a dense term x passage matrix keyed by term."""
    retriever = bm25s.BM25()
    retriever.index([d or [""] for d in docs], show_progress=False)
    s = retriever.scores
    out = {}
    for term, col in retriever.vocab_dict.items():
        if term:
            dense = np.zeros(s["num_docs"], dtype=np.float32)
            lo, hi = s["indptr"][col], s["indptr"][col + 1]
            dense[s["indices"][lo:hi]] = s["data"][lo:hi]
            out[term] = dense
    return out


def _ours(index: Bm25Index) -> dict[str, np.ndarray]:
    return {t: index.scores({t: 1.0}) for t in index.vocab}


def test_matrix_equals_bm25s_on_the_bundled_corpus() -> None:
    docs = [tokenize(f"{p.title}\n{p.text}") for p in build_passages(bundled_documents())]
    ref, ours = _reference(docs), _ours(Bm25Index.build(docs))
    assert ref.keys() == ours.keys()
    for term in ref:
        np.testing.assert_allclose(ours[term], ref[term], rtol=1e-5, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("abcdefgh")), max_size=12), min_size=1, max_size=15))
def test_matrix_equals_bm25s_on_random_corpora(docs: list[list[str]]) -> None:
    if not any(docs):
        return
    ref, ours = _reference(docs), _ours(Bm25Index.build(docs))
    assert ref.keys() == ours.keys()
    for term in ref:
        np.testing.assert_allclose(ours[term], ref[term], rtol=1e-5, atol=1e-6)


def test_weights_scale_and_unknown_terms_are_none() -> None:
    index = Bm25Index.build([["客户", "领导"], ["客户", "投诉"], ["领导", "领导"]])
    one, two = index.scores({"领导": 1.0}), index.scores({"领导": 2.0})
    np.testing.assert_allclose(two, 2 * one)
    assert index.scores({"不存在": 1.0}) is None
    assert index.scores({}) is None


@pytest.mark.parametrize(
    "scores,k,expected",
    [([0.0, 0.0], 2, []), ([0.5, 2.0, 0.0, 1.0], 2, [1, 3]), ([1.0, 1.0, 1.0], 2, [0, 1]), ([3.0], 5, [0])],
)
def test_top_k_takes_positive_scores_best_first(scores: list[float], k: int, expected: list[int]) -> None:
    assert top_k(np.asarray(scores, dtype=np.float32), k) == expected


def test_save_and_load_round_trip(tmp_path) -> None:
    index = Bm25Index.build([["客户", "领导"], ["客户", "投诉"]])
    index.save(tmp_path)
    loaded = Bm25Index.load(tmp_path)
    np.testing.assert_allclose(loaded.scores({"领导": 1.0}), index.scores({"领导": 1.0}))
    assert loaded.vocab == index.vocab
