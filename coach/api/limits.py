"""Backpressure: a bound on requests in flight, a short fair queue, and a verdict when full.

A request takes a slot when one is free; otherwise it waits in a FIFO queue for at most
`queue_timeout_s`. When the queue itself is full, or the wait times out, the caller is told
to come back later (429 with Retry-After) instead of piling onto the LLM until everything
times out. One limiter per process; with `--workers N` the service admits N times the bound.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Admission:
    admitted: bool
    reason: str = ""  # "queue_full" or "queue_timeout" when refused
    waited_s: float = 0.0


class InflightLimiter:
    def __init__(self, max_inflight: int, max_queue: int, queue_timeout_s: float) -> None:
        if max_inflight < 1:
            raise ValueError("max_inflight must be >= 1")
        self.max_inflight = max_inflight
        self.max_queue = max(0, max_queue)
        self.queue_timeout_s = max(0.0, queue_timeout_s)
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._hold_ewma_s = 0.5  # a prior; learnt from released requests

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self) -> Admission:
        if self.in_flight < self.max_inflight and not self.waiting:
            self.in_flight += 1
            return Admission(True)
        if self.waiting >= self.max_queue or self.queue_timeout_s == 0:
            return Admission(False, "queue_full")
        started = time.perf_counter()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.queue_timeout_s)
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as the wait ended: keep it.
                return Admission(True, waited_s=time.perf_counter() - started)
            waiter.cancel()
            return Admission(False, "queue_timeout", time.perf_counter() - started)
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot we will not use: pass it on
            else:
                waiter.cancel()
            raise
        finally:
            self._prune()
        return Admission(True, waited_s=time.perf_counter() - started)

    def release(self, held_s: float | None = None) -> None:
        if held_s is not None:
            self._hold_ewma_s = 0.8 * self._hold_ewma_s + 0.2 * held_s
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the next in line
                return
        self.in_flight = max(0, self.in_flight - 1)

    def retry_after_s(self) -> int:
        """Seconds until a retry is likely to be admitted: the queue drained at the observed pace."""
        backlog = self.waiting + self.in_flight + 1
        estimate = self._hold_ewma_s * backlog / self.max_inflight
        return int(min(30, max(1, math.ceil(estimate))))

    def _prune(self) -> None:
        while self._waiters and self._waiters[0].done():
            self._waiters.popleft()
