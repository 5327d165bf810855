"""Drafts of concurrent requests validated together: one `Validator.many` call for what queued up.

The semantic tier encodes each draft's clauses with the multilingual encoder, whose cost is mostly
per call (its weights are streamed through the cache once per call): a draft alone costs about
4 ms of CPU, a draft in a call of 32 about 1 ms (benchmarks/RESULTS.md). So drafts that concurrent
requests (the service under load, `coach eval run`'s scenarios in flight) hand in while a batch is
being validated wait for it to end and then go in the next call together. No window: a draft that
arrives when nothing is being validated starts at once, alone, so a lone request pays nothing.

One batch is validated at a time per event loop, in a worker thread (the rules are CPU work); the
results are the validator's own, in order, one per draft. The call keeps numpy's BLAS on one
thread: the heads' products over a batch are large enough for OpenBLAS to start its thread pool,
whose threads spin beside the encoders and cost more CPU than they save (5 s of CPU over 1,000
eval scenarios, benchmarks/RESULTS.md).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from coach.blas import one_blas_thread
from coach.types import ValidationResult

# (draft, turns, policy, locale): what Validator.many takes per draft
Request = tuple[Any, ...]
ManyFn = Callable[[Sequence[Request]], list[ValidationResult]]

MAX_BATCH = 32  # drafts in one call at most (about 30 ms of CPU): later ones go in the next call


class _LoopQueue:
    def __init__(self) -> None:
        self.waiting: list[tuple[Request, asyncio.Future[ValidationResult]]] = []
        self.running = False


class ValidationBatcher:
    """`await batcher.validate(requests)`: each request's ValidationResult, computed in calls of
    `many` shared with the requests of other tasks that arrived meanwhile."""

    def __init__(self, many: ManyFn, max_batch: int = MAX_BATCH) -> None:
        self.many = many
        self.max_batch = max(1, max_batch)
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopQueue] = weakref.WeakKeyDictionary()
        self.calls = 0  # calls of `many` so far
        self.drafts = 0  # drafts validated so far

    async def validate(self, requests: Sequence[Request]) -> list[ValidationResult]:
        if not requests:
            return []
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _LoopQueue()
        futures = [loop.create_future() for _ in requests]
        queue.waiting.extend(zip(requests, futures))
        if not queue.running:
            queue.running = True
            loop.create_task(self._drain(queue))
        return list(await asyncio.gather(*futures))

    async def _drain(self, queue: _LoopQueue) -> None:
        try:
            while queue.waiting:
                batch = queue.waiting[:self.max_batch]
                del queue.waiting[:self.max_batch]
                live = [(r, f) for r, f in batch if not f.done()]  # a cancelled request's drafts are skipped
                if not live:
                    continue
                try:
                    results = await asyncio.to_thread(_one_blas_thread, self.many, [r for r, _ in live])
                except Exception as exc:  # every draft of the call gets the error
                    for _, f in live:
                        if not f.done():
                            f.set_exception(exc)
                    continue
                self.calls += 1
                self.drafts += len(live)
                for (_, f), result in zip(live, results):
                    if not f.done():
                        f.set_result(result)
        finally:
            queue.running = False


def _one_blas_thread(many: ManyFn, requests: list[Request]) -> list[ValidationResult]:
    with one_blas_thread():
        return many(requests)


def batcher_for(validate: object) -> ValidationBatcher | None:
    """A batcher over a validator that validates many drafts in one call (its `many` method), or
    None for one that does not (test fakes, plain functions)."""
    many = getattr(validate, "many", None)
    return ValidationBatcher(many) if callable(many) else None
