"""Fusion of lexical (BM25) and semantic (cosine) scores into one ranking score. Pure.

BM25 scores are scaled by the query's best score to (0, 1]; cosine similarities of e5 models sit
in a narrow band (about 0.7 to 0.9 for anything), so they are rescaled between a floor (the median
over the corpus for this query) and the best one. The weights come from the labelled set
(benchmarks/RESULTS.md): 0.6 lexical, 0.4 semantic.

The semantic side never answers alone: off-topic queries ("今天天气怎么样") reach cosine
similarities as high as on-topic English ones, so a query with no known term (after glossary
expansion) gets no passages, as the contract asks.
"""

from __future__ import annotations

import numpy as np

LEXICAL_WEIGHT = 0.6


def _unit(values: np.ndarray, floor: float) -> np.ndarray:
    top = float(values.max())
    if top <= floor:
        return np.zeros(values.shape, dtype=np.float32)
    return np.clip((values - floor) / (top - floor), 0.0, 1.0).astype(np.float32)


def fuse(lexical: np.ndarray, semantic: np.ndarray | None, lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """One score per passage; zero (never returned) for passages neither side supports."""
    if semantic is None or float(lexical.max()) <= 0:
        return lexical
    lex = _unit(lexical, 0.0)
    sem = _unit(semantic, float(np.median(semantic)))
    return (lexical_weight * lex + (1.0 - lexical_weight) * sem).astype(np.float32)
