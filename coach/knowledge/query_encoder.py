"""Query vectors: kept for the most recent texts, encoded together when they arrive together.

One worker thread encodes; whoever needs a vector queues its text and waits (or, in the service,
awaits) the text's future:
- **Requests that arrive together are encoded as one batch.** The worker takes every text queued
  since its last batch (up to MAX_BATCH) and encodes them in one call: e5's int8 graph costs about
  2.8 ms per call before its first token, so 16 queries in one call cost about 60% of 16 alone. A
  lone request waits for no window: the worker is idle and starts at once.
- **A batch tool's texts come in fixed batches** (`prepare`: `coach eval run` queues every
  scenario's texts ahead of the runner), cut from its list alone, so the same list gets the same
  batches, and the same vectors, whatever else the process encoded before.
- **A text is never encoded twice at once**: a second request for a text under way waits for it.
- The most recent QUERY_CACHE texts keep their vectors (a conversation's earlier turns come back
  with every new turn).

int8 activations are quantised per call, so a query's vector moves a little with its batch
companions (cosine >= 0.995 to the vector it gets alone); on the labelled sets no hit@3 changed
(benchmarks/RESULTS.md), so requests are batched.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np

MAX_BATCH = 16  # texts of concurrent requests encoded in one call
PREPARE_BATCH = 32  # texts per call of a batch tool's list
QUERY_CACHE = 4096
IDLE_S = 10.0  # the worker thread ends after this long without work (and starts again on demand)
WAIT_S = 60.0

Embed = Callable[[Sequence[str]], np.ndarray]


def all_of(futures: Sequence[Future]) -> Future:
    """One future done when all are (with the first exception, if any)."""
    out: Future = Future()
    left = [len(futures)]
    lock = threading.Lock()
    if not futures:
        out.set_result(None)
        return out

    def done(f: Future) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if out.done():
            return
        if f.exception() is not None:
            try:
                out.set_exception(f.exception())
            except Exception:  # noqa: BLE001 - another callback won the race
                pass
        elif last:
            try:
                out.set_result(None)
            except Exception:  # noqa: BLE001
                pass

    for f in futures:
        f.add_done_callback(done)
    return out


class QueryEncoder:
    def __init__(self, embed: Embed, size: int = QUERY_CACHE, max_batch: int = MAX_BATCH) -> None:
        self.embed = embed
        self.size = size
        self.max_batch = max_batch
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, Future] = {}
        self._jobs: deque[tuple[list[str], bool]] = deque()  # (texts, fixed batch)
        self._cv = threading.Condition()
        self._worker: threading.Thread | None = None
        self.batches = 0  # calls of `embed` so far
        self.batch_sizes: deque[int] = deque(maxlen=256)  # the latest calls' sizes

    # -- asking -------------------------------------------------------------------------------
    def __call__(self, text: str) -> np.ndarray:
        with self._cv:
            vec = self._memo.get(text)
        if vec is not None:
            return vec
        self.submit([text]).result(WAIT_S)
        with self._cv:
            vec = self._memo.get(text)
        if vec is None:  # evicted meanwhile by a flood of other texts: encode it alone
            vec = np.asarray(self.embed([text])[0], dtype=np.float32)
        return vec

    def submit(self, texts: Sequence[str]) -> Future:
        """Queues the texts without a vector; the future is done when every text has one."""
        futures: list[Future] = []
        with self._cv:
            new: list[str] = []
            for text in dict.fromkeys(texts):
                if text in self._memo:
                    continue
                waiting = self._pending.get(text)
                if waiting is None:
                    waiting = self._pending[text] = Future()
                    new.append(text)
                futures.append(waiting)
            if new:
                self._jobs.append((new, False))
                self._wake()
        return all_of(futures)

    def prepare(self, texts: Sequence[str], batch: int = PREPARE_BATCH) -> int:
        """Encodes the texts in fixed batches of `batch` (waits for them); returns how many were
        new. A batch all of whose texts are known is skipped."""
        done, new = self._queue_fixed(texts, batch)
        done.result(WAIT_S * max(1, new // batch + 1))
        return new

    def prepare_in_background(self, texts: Sequence[str], batch: int = PREPARE_BATCH) -> Future:
        """`prepare` without waiting: the future is done when the texts are encoded."""
        return self._queue_fixed(texts, batch)[0]

    def _queue_fixed(self, texts: Sequence[str], batch: int) -> tuple[Future, int]:
        ordered = list(dict.fromkeys(texts))
        futures: list[Future] = []
        new = 0
        with self._cv:
            for at in range(0, len(ordered), batch):
                chunk = ordered[at:at + batch]
                unknown = [t for t in chunk if t not in self._memo and t not in self._pending]
                if not unknown:
                    futures += [self._pending[t] for t in chunk if t in self._pending]
                    continue
                new += len(unknown)
                for t in chunk:  # the whole chunk, known texts too: its vectors depend on it
                    f = self._pending.get(t)
                    if f is None:
                        f = self._pending[t] = Future()
                    futures.append(f)
                self._jobs.append((chunk, True))
            self._wake()
        return all_of(futures), new

    def cache_clear(self) -> None:
        with self._cv:
            self._memo.clear()

    # -- the worker ---------------------------------------------------------------------------
    def _wake(self) -> None:  # under self._cv
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="coach-query-batches", daemon=True)
            self._worker.start()
        self._cv.notify()

    def _next(self) -> list[str] | None:
        with self._cv:
            if not self._jobs:
                self._cv.wait(IDLE_S)
            if not self._jobs:
                self._worker = None
                return None
            texts, fixed = self._jobs.popleft()
            if not fixed:  # requests that came in together: one call
                while self._jobs and not self._jobs[0][1] and len(texts) + len(self._jobs[0][0]) <= self.max_batch:
                    texts = texts + self._jobs.popleft()[0]
            return texts

    def _work(self) -> None:
        while (texts := self._next()) is not None:
            try:
                vecs = np.asarray(self.embed(texts), dtype=np.float32)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                with self._cv:
                    waiting = [self._pending.pop(t, None) for t in texts]
                for f in waiting:
                    if f is not None and not f.done():
                        f.set_exception(exc)
                continue
            with self._cv:
                self.batches += 1
                self.batch_sizes.append(len(texts))
                waiting = []
                for text, vec in zip(texts, vecs):
                    vec.setflags(write=False)
                    self._memo[text] = vec
                    self._memo.move_to_end(text)
                    waiting.append(self._pending.pop(text, None))
                while len(self._memo) > self.size:
                    self._memo.popitem(last=False)
            for f in waiting:
                if f is not None and not f.done():
                    f.set_result(None)
