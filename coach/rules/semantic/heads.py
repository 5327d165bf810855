"""Kernel heads over clause embeddings, and the ClauseScorer the rules ask.

Each head answers one question about a clause: does it expose the agent's authority, grant the
customer a benefit, invite a further concession, speak with hostility, refuse to engage? Weights,
biases and the thresholds calibrated on a validation split are package data
(coach/data/rules/semantic.npz, with the operating point and provenance in semantic.json), written
by `python -m coach.rules.semantic.train`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from coach.blas import one_blas_thread
from coach.rules.semantic import kernel_graph
from coach.rules.semantic.encoder import Encoder, shared_encoder
from coach.rules.semantic.ngrams import linear_scores

GRAPH_ROWS_MAX = 192  # from about 200 rows on, numpy's product is as fast as onnxruntime's (benchmarks/RESULTS.md)
HEADS: tuple[str, ...] = ("authority", "grant", "invite", "hostile", "refusal", "capitulation", "multi_grant", "benefit")


@dataclass(frozen=True)
class Heads:
    """k heads, each a blend of two classifiers of a unit:

    - an RBF support-vector machine over the sentence embedding x (the heads share one set of
      support vectors, the union): svm_h = sigmoid(sum_i coef[i, h] exp(-gamma |x - sv_i|^2) + intercept[h]);
    - a logistic regression over the unit's hashed n-grams f (ngrams.py):
      lin_h = sigmoid(f . lin_coef[:, h] + lin_intercept[h]);

    score_h = (1 - blend) * svm_h + blend * lin_h. `thresholds[h]` is head h's operating point on
    that score, calibrated on a validation split.
    """

    names: tuple[str, ...]
    vectors: np.ndarray  # (n_sv, dim) float32
    coef: np.ndarray  # (n_sv, k)
    intercept: np.ndarray  # (k,)
    gamma: float
    thresholds: np.ndarray  # (k,)
    lin_coef: np.ndarray | None = None  # (ngrams.DIM, k)
    lin_intercept: np.ndarray | None = None  # (k,)
    blend: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    _sv_sq: np.ndarray = field(init=False, repr=False, compare=False)
    _sv_t: np.ndarray = field(init=False, repr=False, compare=False)
    _graph: list = field(init=False, repr=False, compare=False)  # [KernelGraph | None], built on first use
    _graph_lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vectors", np.ascontiguousarray(self.vectors, dtype=np.float32))
        object.__setattr__(self, "_sv_sq", (self.vectors * self.vectors).sum(1))
        object.__setattr__(self, "_sv_t", np.ascontiguousarray(self.vectors.T))
        object.__setattr__(self, "coef", np.ascontiguousarray(self.coef, dtype=np.float32))
        object.__setattr__(self, "_graph", [])
        object.__setattr__(self, "_graph_lock", threading.Lock())

    def probabilities(self, x: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Scores of the units whose embeddings are `x` and normalised texts `texts`."""
        svm = _sigmoid(self.svm_decision(x))
        if self.lin_coef is None or self.blend == 0.0 or texts is None:
            return svm
        assert self.lin_intercept is not None
        lin = _sigmoid(linear_scores(texts, self.lin_coef) + self.lin_intercept)
        return (1.0 - self.blend) * svm + self.blend * lin

    def svm_decision(self, x: np.ndarray) -> np.ndarray:
        """Kernel sums: a few rows (a draft's clauses) through onnxruntime (kernel_graph.py: 3x
        faster there), many (a batch of drafts) through numpy, which is as fast or faster once the
        product is large; both agree to about 1e-4. Numpy too when the graph cannot be built."""
        if len(x) > GRAPH_ROWS_MAX:
            return self.numpy_decision(x)
        if not self._graph:
            with self._graph_lock:
                if not self._graph:
                    self._graph.append(kernel_graph.build(self._sv_t, self._sv_sq, self.coef, self.intercept, self.gamma))
        graph = self._graph[0]
        return graph.decision(x) if graph is not None else self.numpy_decision(x)

    def numpy_decision(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        sq = x @ self._sv_t
        sq *= -2.0
        sq += (x * x).sum(1)[:, None]
        sq += self._sv_sq[None, :]
        np.maximum(sq, 0.0, out=sq)
        sq *= -self.gamma
        np.exp(sq, out=sq)
        return sq @ self.coef + self.intercept

    def save(self, stem: Path) -> None:
        arrays = {"vectors": self.vectors.astype(np.float16), "coef": self.coef.astype(np.float32),
                  "intercept": self.intercept.astype(np.float32)}
        if self.lin_coef is not None and self.lin_intercept is not None:
            arrays.update(lin_coef=self.lin_coef.astype(np.float16), lin_intercept=self.lin_intercept.astype(np.float32))
        np.savez_compressed(stem.with_suffix(".npz"), **arrays)
        meta = dict(self.meta)
        meta.update(heads=list(self.names), gamma=self.gamma, blend=self.blend,
                    thresholds={n: round(float(t), 4) for n, t in zip(self.names, self.thresholds)})
        stem.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def _data_dir() -> Path:
    return Path(str(resources.files("coach") / "data" / "rules"))


@lru_cache(maxsize=1)
def shipped_heads() -> Heads:
    """The heads that ship with the package."""
    return load_heads(_data_dir() / "semantic")


def load_heads(stem: Path) -> Heads:
    meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    arrays = np.load(stem.with_suffix(".npz"))
    names = tuple(meta["heads"])
    thresholds = np.array([meta["thresholds"][n] for n in names], dtype=np.float32)
    lin = arrays["lin_coef"].astype(np.float32) if "lin_coef" in arrays else None
    return Heads(
        names, arrays["vectors"], arrays["coef"], arrays["intercept"], float(meta["gamma"]), thresholds,
        lin, arrays["lin_intercept"] if "lin_intercept" in arrays else None, float(meta.get("blend", 0.0)), meta,
    )


@runtime_checkable
class Scorer(Protocol):
    """Clause texts -> (n, len(HEADS)) probabilities, plus the thresholds they are read against."""

    heads: tuple[str, ...]
    thresholds: np.ndarray

    def score(self, texts: Sequence[str]) -> np.ndarray: ...


class ClauseScorer:
    """Encoder + heads. Texts already scored are remembered (a conversation's earlier turns and the
    panel's keystroke-by-keystroke lint send the same clauses again and again)."""

    def __init__(self, encoder: Encoder | None = None, heads: Heads | None = None, memory: int = 8192) -> None:
        self._encoder = encoder
        self._heads = heads
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = memory
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    @property
    def model(self) -> Heads:
        if self._heads is None:
            self._heads = shipped_heads()
        return self._heads

    @property
    def heads(self) -> tuple[str, ...]:
        return self.model.names

    @property
    def thresholds(self) -> np.ndarray:
        return self.model.thresholds

    def score(self, texts: Sequence[str]) -> np.ndarray:
        k = len(self.model.names)
        out = np.zeros((len(texts), k), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                row = self._memory.get(t)
                if row is None:
                    missing.setdefault(t, []).append(i)
                else:
                    self._memory.move_to_end(t)
                    out[i] = row
        if missing:
            todo = list(missing)
            vectors = self.encoder.encode(todo)
            with one_blas_thread():  # every caller (the live lint, the CLI, the pipeline)
                probs = self.model.probabilities(vectors, todo)
            with self._lock:
                for t, row in zip(todo, probs):
                    for i in missing[t]:
                        out[i] = row
                    self._memory[t] = row
                while len(self._memory) > self._size:
                    self._memory.popitem(last=False)
        return out

    def warm(self) -> None:
        """Loads the encoder, and beside it the heads and their kernel graph (about a second each)."""
        with ThreadPoolExecutor(1) as pool:
            heads = pool.submit(lambda: self.model.svm_decision(np.zeros((1, self.model.vectors.shape[1]), np.float32)))
            self.encoder.encode(["预热"])
            heads.result()
        self.score(["预热"])
