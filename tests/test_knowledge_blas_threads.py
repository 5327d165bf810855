"""The knowledge base's products that OpenBLAS would split over two threads (a spinning second
thread: several times the CPU) run on one: the term bridge's English words against the corpus
terms, and the passages' similarities from ONE_THREAD_ROWS passages on; small corpora skip the
switch. The scores are the same either way."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from coach.knowledge import term_bridge, vectors
from coach.knowledge.term_bridge import TermBridge
from coach.knowledge.vectors import E5_DIM, USE_DIM, DenseIndex, _standard


@pytest.fixture
def entered(monkeypatch):  # noqa: ANN201 - counts the one-thread blocks and what BLAS allowed inside
    seen: list[list[int]] = []
    real = vectors.one_blas_thread

    @contextlib.contextmanager
    def recording():  # noqa: ANN202
        with real():
            seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
            yield

    monkeypatch.setattr(vectors, "one_blas_thread", recording)
    monkeypatch.setattr(term_bridge, "one_blas_thread", recording)
    return seen


class FixedEncoder:
    def __init__(self, vec: np.ndarray) -> None:
        self.vec = vec

    def many(self, texts):  # noqa: ANN001, ANN201
        return [self.vec for _ in texts]


def _index(rows: int, seed: int) -> tuple[DenseIndex, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((rows, E5_DIM + USE_DIM)).astype(np.float32)
    q = rng.standard_normal(E5_DIM + USE_DIM).astype(np.float32)
    return DenseIndex(matrix, FixedEncoder(q)), matrix, q


def _expected(matrix: np.ndarray, q: np.ndarray) -> np.ndarray:
    out = np.zeros(len(matrix))
    for a, b, w in ((0, E5_DIM, 1.0), (E5_DIM, E5_DIM + USE_DIM, vectors.USE_WEIGHT)):
        m = matrix[:, a:b] / np.linalg.norm(matrix[:, a:b], axis=1, keepdims=True)
        out += w * _standard(m @ (q[a:b] / np.linalg.norm(q[a:b])))
    return out


def test_a_large_corpus_is_scored_on_one_blas_thread(entered) -> None:  # noqa: ANN001
    index, matrix, q = _index(vectors.ONE_THREAD_ROWS + 10, 0)
    got = index.similarities([("退款", 1.0)])
    assert len(entered) == 1 and all(n == 1 for n in entered[0])
    assert np.allclose(got, _expected(matrix, q), atol=1e-4)


def test_a_small_corpus_skips_the_switch(entered) -> None:  # noqa: ANN001
    index, matrix, q = _index(61, 1)
    got = index.similarities([("退款", 1.0)])
    assert entered == []
    assert np.allclose(got, _expected(matrix, q), atol=1e-4)


def test_english_words_meet_the_corpus_terms_on_one_blas_thread(entered) -> None:  # noqa: ANN001
    space = {"退款": [1.0, 0.0], "进水": [0.0, 1.0], "refund": [0.98, 0.05], "please": [0.6, 0.6]}
    embed = lambda texts: np.array([space[t] for t in texts], dtype=np.float32)  # noqa: E731
    bridge = TermBridge(["退款", "进水"], embed(["退款", "进水"]), embed)
    assert bridge.english_terms("refund please") == ["退款"]
    assert len(entered) == 1 and all(n == 1 for n in entered[0])
