"""BM25 over pre-tokenised passages: bm25s builds the term x passage score matrix, we add the
weighted query terms ourselves (bm25s counts every query term once; conversation queries and
glossary expansions need weights).

Pure given its arrays: `scores(weights)` reads the CSC matrix and allocates one float array.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import bm25s
import numpy as np

_ARRAYS = ("data", "indices", "indptr")


class Bm25Index:
    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int) -> None:
        self.vocab = vocab
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.n_docs = n_docs

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]]) -> Bm25Index:
        """Index tokenised passages (Lucene BM25, k1=1.5, b=0.75, as bm25s defaults)."""
        retriever = bm25s.BM25()
        # bm25s needs every document to hold a token; an empty passage gets its placeholder.
        retriever.index([list(t) for t in corpus_tokens], show_progress=False)
        s = retriever.scores
        vocab = {t: i for t, i in retriever.vocab_dict.items() if t}
        return cls(vocab, s["data"], s["indices"], s["indptr"], int(s["num_docs"]))

    def term_ids(self, weights: Mapping[str, float]) -> dict[int, float]:
        ids: dict[int, float] = {}
        for term, w in weights.items():
            i = self.vocab.get(term)
            if i is not None and w > 0:
                ids[i] = ids.get(i, 0.0) + w
        return ids

    def scores(self, weights: Mapping[str, float]) -> np.ndarray | None:
        """Weighted BM25 score of every passage; None when no query term is in the vocabulary."""
        ids = self.term_ids(weights)
        if not ids:
            return None
        out = np.zeros(self.n_docs, dtype=np.float32)
        for i, w in ids.items():
            lo, hi = self.indptr[i], self.indptr[i + 1]
            out[self.indices[lo:hi]] += w * self.data[lo:hi]
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"bm25_{name}.npy", getattr(self, name))
        meta = {"n_docs": self.n_docs, "vocab": self.vocab}
        (folder / "bm25_vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        meta = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"bm25_{name}.npy", mmap_mode="r") for name in _ARRAYS}
        return cls(meta["vocab"], arrays["data"], arrays["indices"], arrays["indptr"], int(meta["n_docs"]))


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k best positive scores, best first (ties: lower index first)."""
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0:
        return []
    if positive.size > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    order = np.lexsort((positive, -scores[positive]))
    return [int(i) for i in positive[order]]
