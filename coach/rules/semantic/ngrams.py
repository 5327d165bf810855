"""Hashed word and character n-grams of a clause: the lexical half of the semantic heads.

English words and single Chinese characters are the tokens; every run of one to three of them is
hashed (CRC-32, stable across processes) into DIM buckets, and each row is L2-normalised. The
sentence encoder reads meaning; these features keep the sharp cues it blurs (我 vs 您, "my" vs
"your", 权限 vs 期限).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
from scipy import sparse

DIM = 1 << 18
_TOKEN = re.compile(r"[a-z0-9']+|[\u3400-\u9fff]")


def ngram_features(texts: Sequence[str], dim: int = DIM) -> sparse.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        tokens = _TOKEN.findall(text)
        grams = {" ".join(tokens[k:k + n]) for n in (1, 2, 3) for k in range(len(tokens) - n + 1)}
        rows.extend([i] * len(grams))
        cols.extend(zlib.crc32(g.encode("utf-8")) % dim for g in grams)
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), dim))
    m.sum_duplicates()
    m.data[:] = 1.0
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags((1.0 / norms).astype(np.float32)) @ m


def ngram_indices(text: str, dim: int = DIM) -> np.ndarray:
    """The distinct buckets of one text's n-grams (its nonzero columns in ngram_features)."""
    tokens = _TOKEN.findall(text)
    grams = {" ".join(tokens[k:k + n]) for n in (1, 2, 3) for k in range(len(tokens) - n + 1)}
    return np.unique(np.fromiter((zlib.crc32(g.encode("utf-8")) % dim for g in grams), dtype=np.int64, count=len(grams)))


def linear_scores(texts: Sequence[str], coef: np.ndarray) -> np.ndarray:
    """ngram_features(texts) @ coef, without building the sparse matrix: each row sums its buckets'
    weights and divides by the square root of their number (the L2 normalisation)."""
    out = np.zeros((len(texts), coef.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        idx = ngram_indices(text, coef.shape[0])
        if idx.size:
            out[i] = coef[idx].sum(axis=0) / np.sqrt(idx.size)
    return out
