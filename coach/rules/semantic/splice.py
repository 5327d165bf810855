"""Replace some heads of a trained set with newly trained ones, leaving the others exactly as they
were (`python -m coach.rules.semantic.train --only HEAD`): a training round written about one
question then cannot move the answers to the others.

The heads share one set of support vectors (heads.py): the spliced set keeps the base's vectors
that any kept head still uses and adds the new heads' own, and each head's coefficients stay on the
vectors it was trained with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from coach.rules.semantic.heads import Heads


def splice(base: Heads, names: Sequence[str], vectors: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
           lin_coef: np.ndarray | None, lin_intercept: np.ndarray | None) -> Heads:
    """`base` with the heads `names` replaced: `vectors` (n, dim) and `coef` (n, len(names)) are the
    new heads' support vectors and coefficients, `intercept`, `lin_coef` (DIM, len(names)) and
    `lin_intercept` their other parameters, in the order of `names`."""
    cols = [base.names.index(n) for n in names]
    kept = np.ones(len(base.names), dtype=bool)
    kept[cols] = False
    old = base.coef.copy()
    old[:, cols] = 0.0
    used = np.flatnonzero(np.abs(old[:, kept]).sum(1) > 0)  # base vectors a kept head still uses
    same = _same_rows(base.vectors[used], vectors)  # a new vector that is a kept one shares its row
    fresh = np.flatnonzero(same < 0)
    merged = np.zeros((used.size + fresh.size, len(base.names)), dtype=np.float32)
    merged[: used.size] = old[used]
    for n in np.flatnonzero(same >= 0):
        merged[same[n], cols] += coef[n]
    merged[used.size:, cols] = coef[fresh]
    vectors = vectors[fresh]
    new_intercept = np.array(base.intercept, dtype=np.float64).copy()
    new_intercept[cols] = intercept
    lin, lin_b = base.lin_coef, base.lin_intercept
    if lin is not None and lin_coef is not None and lin_b is not None and lin_intercept is not None:
        lin = lin.copy()
        lin[:, cols] = lin_coef
        lin_b = np.array(lin_b, dtype=np.float64).copy()
        lin_b[cols] = lin_intercept
    return dataclasses.replace(
        base, vectors=np.concatenate([base.vectors[used], vectors.astype(np.float32)]), coef=merged,
        intercept=new_intercept, lin_coef=lin, lin_intercept=lin_b,
    )


def _same_rows(kept: np.ndarray, new: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """For each new vector, the row of `kept` it equals (squared distance under eps: the same
    training unit, stored in float16), else -1."""
    kept = np.asarray(kept, dtype=np.float32)
    new = np.asarray(new, dtype=np.float32)
    out = np.full(len(new), -1, dtype=np.int64)
    if not len(kept) or not len(new):
        return out
    kept_sq = (kept * kept).sum(1)
    for start in range(0, len(new), 1024):
        block = new[start:start + 1024]
        d = (block * block).sum(1)[:, None] + kept_sq[None, :] - 2.0 * block @ kept.T
        nearest = d.argmin(1)
        hit = d[np.arange(len(block)), nearest] < eps
        out[start:start + len(block)][hit] = nearest[hit]
    return out
