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
    merged = np.zeros((used.size + len(vectors), len(base.names)), dtype=np.float32)
    merged[: used.size] = old[used]
    merged[used.size:, cols] = coef
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
