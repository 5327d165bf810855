"""Query vectors: kept for the most recent texts, encoded together when they arrive together.

No thread of its own: a thread that needs vectors queues its texts and, when fewer than ENCODERS
threads are encoding, encodes the queue itself (a lone request pays no hand-over to another
thread, which on a busy machine can cost milliseconds of scheduling); otherwise it waits:
- **Requests that arrive together are encoded as one batch.** The thread that encodes next takes
  every text queued since the last batch (up to MAX_BATCH) in one call; cut by length, a batch
  costs about 20% less per text than the same texts alone (benchmarks/bench_query_batches.py). A
  lone request waits for no window: nobody is encoding, so it starts at once.
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

import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np

ENCODERS = 2  # batches encoded at once (one per core, at most): the encoders release the GIL
MAX_BATCH = 8  # texts of concurrent requests encoded in one call (8 beat 16 and singles: RESULTS.md)
PREPARE_BATCH = 32  # texts per call of a batch tool's list
QUERY_CACHE = 4096
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
    def __init__(self, embed: Embed, size: int = QUERY_CACHE, max_batch: int = MAX_BATCH,
                 parallel: int | None = None) -> None:
        self.embed = embed
        self.size = size
        self.max_batch = max_batch
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, Future] = {}
        self._jobs: deque[tuple[list[str], bool]] = deque()  # (texts, fixed batch)
        self._cv = threading.Condition()
        self._encoding = 0  # threads encoding a batch now
        self.parallel = parallel or max(1, min(ENCODERS, os.cpu_count() or 1))
        self.batches = 0  # calls of `embed` so far
        self.batch_sizes: deque[int] = deque(maxlen=256)  # the latest calls' sizes

    # -- asking -------------------------------------------------------------------------------
    def __call__(self, text: str) -> np.ndarray:
        return self.many([text])[0]

    def many(self, texts: Sequence[str]) -> list[np.ndarray]:
        """The texts' vectors: known ones at once, the others encoded in one batch with whatever
        other threads are waiting for (this thread encodes when no other thread is)."""
        with self._cv:
            found = [self._memo.get(t) for t in texts]
        if all(v is not None for v in found):
            return found  # type: ignore[return-value]
        futures = self._queue([t for t, v in zip(texts, found) if v is None])
        self._help_until(futures)
        out = []
        with self._cv:
            for text in texts:
                vec = self._memo.get(text)
                if vec is None:  # evicted meanwhile by a flood of other texts: encode it alone
                    vec = np.asarray(self.embed([text])[0], dtype=np.float32)
                out.append(vec)
        return out

    def submit(self, texts: Sequence[str]) -> Future:
        """Queues the texts without a vector and encodes them in a background thread; the future is
        done when every text has one."""
        return self._in_background(self._queue(texts))

    def prepare(self, texts: Sequence[str], batch: int = PREPARE_BATCH) -> int:
        """Encodes the texts in fixed batches of `batch` (waits for them); returns how many were
        new. A batch all of whose texts are known is skipped."""
        futures, new = self._queue_fixed(texts, batch)
        self._help_until(futures)
        for f in futures:
            f.result(0)  # raises the encoder's error, if any
        return new

    def prepare_in_background(self, texts: Sequence[str], batch: int = PREPARE_BATCH) -> Future:
        """`prepare` without waiting: the future is done when the texts are encoded."""
        return self._in_background(self._queue_fixed(texts, batch)[0])

    def cache_clear(self) -> None:
        with self._cv:
            self._memo.clear()

    # -- queueing -----------------------------------------------------------------------------
    def _queue(self, texts: Sequence[str]) -> list[Future]:
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
        return futures

    def _queue_fixed(self, texts: Sequence[str], batch: int) -> tuple[list[Future], int]:
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
        return futures, new

    def _in_background(self, futures: list[Future]) -> Future:
        done = all_of(futures)
        if not done.done():
            threading.Thread(target=self._help_until, args=(futures,), name="coach-query-batches",
                             daemon=True).start()
        return done

    # -- encoding: whoever waits encodes, one batch at a time ---------------------------------
    def _help_until(self, futures: Sequence[Future]) -> None:
        """Encodes queued batches until the futures are done; while another thread encodes, waits
        for its batch (so requests that arrive meanwhile go into the next batch together)."""
        with self._cv:
            while not all(f.done() for f in futures):
                if self._encoding >= self.parallel or not self._jobs:
                    self._cv.wait(WAIT_S)
                    continue
                texts = self._take()
                self._encoding += 1
                self._cv.release()
                try:
                    self._encode(texts)
                finally:
                    self._cv.acquire()
                    self._encoding -= 1
                    self._cv.notify_all()

    def _take(self) -> list[str]:  # under self._cv
        texts, fixed = self._jobs.popleft()
        if not fixed:  # requests that came in together: one call
            while self._jobs and not self._jobs[0][1] and len(texts) + len(self._jobs[0][0]) <= self.max_batch:
                texts = texts + self._jobs.popleft()[0]
        return texts

    def _encode(self, texts: list[str]) -> None:
        try:
            vecs = np.asarray(self.embed(texts), dtype=np.float32)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter
            with self._cv:
                waiting = [self._pending.pop(t, None) for t in texts]
            for f in waiting:
                if f is not None and not f.done():
                    f.set_exception(exc)
            return
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
