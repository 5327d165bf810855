"""Fusion of lexical (BM25) and semantic (cosine) scores into one ranking score. Pure.

BM25 scores are scaled by the query's best score to (0, 1]; the dense scores (cosines, or the
standardised sum of two encoders' cosines) are rescaled between a floor (the median over the corpus
for this query) and the best one. The lexical weight depends on the glossary: with the bundled
corpus' own glossary, BM25 carries its English and colloquial expansions and weighs 0.6 (chosen on
the bundled labelled set); a corpus without one leans on the vectors, 0.25 lexical (chosen on the
tune half of the SOP corpus' queries; benchmarks/RESULTS.md has both sweeps).
"""

from __future__ import annotations

import numpy as np

LEXICAL_WEIGHT = 0.6  # a corpus with its own glossary
LEXICAL_WEIGHT_PLAIN = 0.25  # a corpus without one


def lexical_weight_for(has_glossary: bool) -> float:
    return LEXICAL_WEIGHT if has_glossary else LEXICAL_WEIGHT_PLAIN


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
