"""Fusion of lexical (BM25) and semantic (cosine) scores into one ranking score. Pure.

BM25 scores are scaled by the query's best score (0..1]; cosine similarities of e5 models sit in a
narrow band (about 0.7 to 0.9), so they are rescaled between a floor (the corpus median for this
query) and the best one. A passage is returned only with a positive fused score, and the semantic
side alone (no known query term) only counts when its best similarity clears SEMANTIC_ONLY_MIN.
"""

from __future__ import annotations

import numpy as np

LEXICAL_WEIGHT = 0.5
SEMANTIC_ONLY_MIN = 0.80


def _unit(values: np.ndarray, floor: float) -> np.ndarray:
    top = float(values.max())
    if top <= floor:
        return np.zeros_like(values)
    return np.clip((values - floor) / (top - floor), 0.0, 1.0).astype(np.float32)


def fuse(lexical: np.ndarray | None, semantic: np.ndarray | None, lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """One score per passage; zero (never returned) for passages neither side supports."""
    if semantic is None:
        assert lexical is not None
        return lexical
    sem = _unit(semantic, float(np.median(semantic)))
    if lexical is None or float(lexical.max()) <= 0:
        if float(semantic.max()) < SEMANTIC_ONLY_MIN:
            return np.zeros_like(sem)
        return sem
    lex = _unit(lexical, 0.0)
    return (lexical_weight * lex + (1.0 - lexical_weight) * sem).astype(np.float32)
