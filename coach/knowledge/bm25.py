"""BM25 over pre-tokenised passages: a term x passage score matrix in bm25s' CSC layout with its
Lucene scoring, built vectorised; queries add weighted term columns (bm25s counts every query term
once; conversation queries and glossary expansions need weights).

Pure given its arrays: `scores(weights)` reads the CSC matrix and allocates one float array.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from bm25s.scoring import _score_tfc_lucene

_ARRAYS = ("data", "indices", "indptr")
K1, B = 1.5, 0.75  # bm25s.BM25 defaults


class Bm25Index:
    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int) -> None:
        self.vocab = vocab
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.n_docs = n_docs

    @classmethod
    def build(cls, corpus_tokens: Iterable[Sequence[str]]) -> Bm25Index:
        """Index tokenised passages with bm25s' Lucene BM25 (k1=1.5, b=0.75, its defaults).

        bm25s' own index() wants every passage's token list in memory at once (about 1 GB of
        Python strings at 100,000 passages) and counts terms with a Counter per passage. Here the
        tokens stream in, each passage is reduced to its distinct term ids and counts at once, and
        the scores come from bm25s' own tf function (benchmarks/RESULTS.md has the
        numbers). tests/test_knowledge_bm25.py proves the matrix equal to bm25s.BM25.index().
        """
        vocab: dict[str, int] = {}
        lengths: list[int] = []
        uniq: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        for doc in corpus_tokens:  # counted passage by passage: no corpus-sized token array
            ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int32)
            terms, tf = np.unique(ids, return_counts=True)
            lengths.append(ids.size)
            uniq.append(terms)
            counts.append(tf.astype(np.int32))
        return cls.from_counts(vocab, uniq, counts, np.asarray(lengths, dtype=np.int64))

    @classmethod
    def from_counts(
        cls, vocab: dict[str, int], uniq: list[np.ndarray], counts: list[np.ndarray], lengths: np.ndarray
    ) -> Bm25Index:
        """The index from each passage's distinct term ids and their counts."""
        n_docs, n_vocab = len(uniq), max(len(vocab), 1)
        sizes = np.fromiter((u.size for u in uniq), dtype=np.int64, count=n_docs)
        pair_term = np.concatenate(uniq) if n_docs else np.zeros(0, dtype=np.int32)
        tf = np.concatenate(counts).astype(np.float32) if n_docs else np.zeros(0, dtype=np.float32)
        pair_doc = np.repeat(np.arange(n_docs, dtype=np.int32), sizes)
        df = np.bincount(pair_term, minlength=n_vocab)
        # An empty passage counts with length 1 in the average, as bm25s' placeholder term does.
        avg_len = float(np.maximum(lengths, 1).mean()) if n_docs else 1.0
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)  # bm25s' _score_idf_lucene
        tfc = _score_tfc_lucene(tf, l_d=lengths[pair_doc].astype(np.float32), l_avg=avg_len, k1=K1, b=B)
        del tf
        scores = (idf[pair_term] * tfc).astype(np.float32)
        del tfc
        order = np.argsort(pair_term, kind="stable")  # CSC: by term, then by passage
        del pair_term
        indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        return cls(vocab, scores[order], pair_doc[order], indptr, n_docs)

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
