"""Building a corpus' term bridge (coach.knowledge.term_bridge): its vocabulary's e5 vectors from
the shipped table (bundled corpus), the vector cache (keyed by term, so a restart or an added
document embeds only new terms) or the encoder, at the time the passages' vectors are made."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from coach.knowledge.bm25 import Bm25Index
from coach.knowledge.term_bridge import TermBridge, vocabulary
from coach.knowledge.vector_cache import VectorCache
from coach.knowledge.vectors import load_table

log = logging.getLogger("coach.knowledge")

MODEL = "e5-small-int8-terms"
BUNDLED = "e5-terms.npz"


def term_key(term: str) -> str:
    return hashlib.sha1(f"{MODEL}\n{term}".encode()).hexdigest()[:20]


def term_cache(cache_dir: Path) -> VectorCache:
    return VectorCache.under(cache_dir, MODEL)


def bundled_terms() -> dict[str, np.ndarray]:
    try:
        return load_table(resources.files("coach").joinpath("data", "vectors", BUNDLED).read_bytes())
    except (FileNotFoundError, OSError, KeyError, ValueError):
        return {}


def embed_terms(terms: Sequence[str]) -> np.ndarray:
    """e5 vectors of single words, embedded as queries (both sides of the bridge alike)."""
    from coach.knowledge.encoders import e5

    return e5.encode_queries(list(terms))


def build_bridge(bm25: Bm25Index, cache: VectorCache | None = None, bundled: bool = False) -> TermBridge:
    terms = vocabulary(bm25.vocab, np.diff(np.asarray(bm25.indptr)))
    keys = [term_key(t) for t in terms]
    table = bundled_terms() if bundled else {}
    if cache is not None:
        table.update(cache.lookup(k for k in keys if k not in table))
    missing = [i for i, k in enumerate(keys) if k not in table]
    if missing:
        started = time.perf_counter()
        fresh = embed_terms([terms[i] for i in missing])
        vectors = {keys[i]: np.asarray(v, dtype=np.float32) for i, v in zip(missing, fresh)}
        if cache is not None:
            cache.add(vectors)
            vectors = cache.lookup(vectors)  # as a restart will read them
        table.update(vectors)
        log.info("term bridge: %d of %d corpus terms embedded in %.1f s", len(missing), len(terms),
                 time.perf_counter() - started)
    matrix = np.stack([table[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)
    return TermBridge(terms, matrix, embed_terms)


def attach_bridge(kb: object, cache: VectorCache | None = None, bundled: bool = False) -> None:
    """Sets kb.bridge; a failure leaves the knowledge base without one (logged), never broken."""
    try:
        kb.bridge = build_bridge(kb.bm25, cache, bundled)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the bridge is an improvement, not a requirement
        log.exception("building the term bridge failed; ranking without it")


def bridge_later(kb: object, cache: VectorCache | None = None, bundled: bool = False) -> threading.Thread:
    """The bridge built in a thread (a restart with every vector cached: the knowledge base ranks
    with the vectors at once and takes the bridge in when its neighbour table is made, which for a
    large vocabulary takes seconds). `kb.bridge_ready` is set when done, either way."""
    done = threading.Event()
    kb.bridge_ready = done  # type: ignore[attr-defined]

    def run() -> None:
        try:
            attach_bridge(kb, cache, bundled)
        finally:
            done.set()

    thread = threading.Thread(target=run, name="coach-term-bridge", daemon=True)
    thread.start()
    return thread
