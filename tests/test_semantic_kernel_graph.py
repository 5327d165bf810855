"""The heads' kernel sums through onnxruntime (coach.rules.semantic.kernel_graph) are numpy's, and
numpy serves batches above GRAPH_ROWS_MAX and whenever the graph cannot be built; a coordinated
English part is only cut off when it means something without its coordinating word."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coach.rules.clauses import Clause, coordinated_parts
from coach.rules.semantic import heads as heads_module
from coach.rules.semantic import kernel_graph


def _heads(seed: int = 3, n_sv: int = 700, k: int = 4) -> heads_module.Heads:
    rng = np.random.default_rng(seed)
    sv = rng.standard_normal((n_sv, 512)).astype(np.float32)
    sv /= np.linalg.norm(sv, axis=1, keepdims=True)
    return heads_module.Heads(tuple(f"h{i}" for i in range(k)), sv, rng.standard_normal((n_sv, k)).astype(np.float32),
                              rng.standard_normal(k).astype(np.float32), 1.0, np.full(k, 0.5, dtype=np.float32))


def _rows(n: int, seed: int = 5) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, 512)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("n", [1, 5, 40])
def test_the_graph_computes_numpys_kernel_sums(n: int) -> None:
    heads = _heads()
    got = heads.svm_decision(_rows(n))
    assert heads._graph and heads._graph[0] is not None  # the graph served
    assert np.allclose(got, heads.numpy_decision(_rows(n)), atol=1e-4)


def test_large_batches_and_a_graph_that_cannot_be_built_use_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    heads = _heads()
    big = _rows(heads_module.GRAPH_ROWS_MAX + 1)
    assert np.array_equal(heads.svm_decision(big), heads.numpy_decision(big))
    assert not heads._graph  # never built for a large batch

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("no onnxruntime here")

    monkeypatch.setattr(kernel_graph, "KernelGraph", broken)
    fresh = dataclasses.replace(_heads())
    assert np.array_equal(fresh.svm_decision(_rows(3)), fresh.numpy_decision(_rows(3)))
    assert fresh._graph == [None]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("It would affect public order and other customers.", 0),  # a noun phrase's tail: no clause
        ("I've refunded the delivery fee and added a voucher for you.", 2),
        ("我们会为您退回多收的运费并且额外赠送一张十元优惠券", 2),
        ("已经为您退回运费另外送两张券", 2),  # characters counted with the word, as before
    ],
)
def test_an_english_coordinated_part_needs_words_besides_its_coordinating_word(text: str, parts: int) -> None:
    assert len(coordinated_parts(text, Clause(0, len(text), text))) == parts
