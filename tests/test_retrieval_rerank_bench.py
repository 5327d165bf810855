"""The pure parts of benchmarks/bench_retrieval_rerank.py: its copy of the shipped ranking matches
coach's own fusion (so the re-orderings it measures are measured against the real order), and its
variants and ranker behave on small made-up arrays. No index, no encoder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_retrieval_rerank as rr  # noqa: E402

from coach.knowledge.fusion import fuse  # noqa: E402
from coach.knowledge.vectors import USE_WEIGHT, _standard  # noqa: E402


def _query(rng: np.random.Generator, n: int = 30, lexical: bool = True) -> dict:
    lex = np.where(rng.random(n) < 0.3, rng.random(n) * 8, 0.0) if lexical else np.zeros(n)
    return {"corpus": "c", "lex": lex.astype(np.float32), "e5": rng.random(n).astype(np.float32),
            "use": rng.random(n).astype(np.float32), "win_e5": rng.random(n), "win_use": rng.random(n)}


def test_the_benchmarks_shipped_order_is_coachs_fusion() -> None:
    rng = np.random.default_rng(0)
    corpora = {"c": {"lexw": 0.25}}
    for _ in range(20):
        q = _query(rng)
        semantic = _standard(q["e5"]) + USE_WEIGHT * _standard(q["use"])
        want = fuse(q["lex"], semantic, 0.25)
        assert list(np.argsort(-rr.shipped(q, corpora), kind="stable")[:5]) == list(np.argsort(-want, kind="stable")[:5])


def test_without_lexical_terms_the_vectors_rank_alone() -> None:
    q = _query(np.random.default_rng(1), lexical=False)
    s = rr.shipped(q, {"c": {"lexw": 0.6}})
    assert (s > 0).all()
    assert np.argmax(s) == np.argmax(rr.z(q["e5"]) + 0.5 * rr.z(q["use"]))


def test_rrf_and_the_top5_reorder_keep_their_shapes() -> None:
    q = _query(np.random.default_rng(2))
    corpora = {"c": {"lexw": 0.25}}
    assert rr.rrf(q, corpora).shape == q["lex"].shape
    base, moved = rr.shipped(q, corpora), rr.maxsim_top5(q, corpora)
    top5 = set(np.argsort(-base, kind="stable")[:5])
    assert set(np.argsort(-moved, kind="stable")[:5]) == top5  # only the order inside the top 5 moves


def test_windows_are_pairs_of_sentences_in_simplified() -> None:
    assert rr.windows("第一句話。第二句话！第三句话？") == ["第一句话。第二句话！", "第二句话！第三句话？"]
    assert rr.windows("只有一句") == ["只有一句"]


def test_the_ranker_learns_a_separable_order() -> None:
    rng = np.random.default_rng(3)
    items = []
    for g in range(4):
        f = rng.normal(size=(20, 3))
        y = np.zeros(20, dtype=bool)
        y[np.argmax(f[:, 0])] = True  # the right passage is the one with the highest first feature
        items.append((np.arange(20), f, y, str(g)))
    for pairwise in (False, True):
        model = rr.fit(items, 1.0, pairwise)
        assert all(rr.hits(items, model))


def test_a_nested_pick_never_uses_the_group_it_reports() -> None:
    groups = rr.GROUPS
    # setting "a" is right everywhere but in the first group, where "b" alone is right
    sweep = {"a": {g: [g != groups[0]] for g in groups}, "b": {g: [g == groups[0]] for g in groups}}
    got = rr.pick_nested(sweep)
    assert got[groups[0]] == [False]  # chosen on the other groups: "a", which misses here
    assert all(got[g] == [True] for g in groups[1:])
