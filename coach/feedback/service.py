"""The service's way to the feedback store: its own few threads, and a breaker.

A database that hangs or is gone must not cost the agents their suggestions: the store runs in a
small thread pool of its own (never the threads that retrieval and validation use), a failed
operation is a StoreUnavailable (503 with Retry-After) and, when the failure says the database is
unreachable, further calls fail at once for `cooldown_s` instead of each waiting on a connection
timeout. What the store acknowledged is committed: nothing is held in memory to be written later.
Suggestion responses are recorded for the report in the background; while the database is away
they are counted as dropped, never queued without bound.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from coach.errors import StoreUnavailable
from coach.feedback.entry import FeedbackEntry, ShownRecord
from coach.metrics import FEEDBACK_STORE_ERRORS, SHOWN, SHOWN_DROPPED
from coach.types import Conversation

log = logging.getLogger("coach.feedback")
T = TypeVar("T")


class FeedbackRepository(Protocol):
    """What the service needs of a store (coach.feedback.store.FeedbackStore; a fake in tests)."""

    @property
    def shown(self) -> str: ...
    def check(self) -> str: ...
    def add(self, entry: FeedbackEntry) -> FeedbackEntry: ...
    def record_shown(self, record: ShownRecord, conversation: Conversation | None = None) -> int: ...
    def entries(self, verdicts: Sequence[str], *, limit: int | None = None,
                newest_first: bool = False) -> list[FeedbackEntry]: ...
    def counts(self) -> dict[str, int]: ...
    def dispose(self) -> None: ...


class FeedbackService:
    def __init__(self, store: FeedbackRepository, *, threads: int = 4, cooldown_s: float = 5.0,
                 max_pending_shown: int = 256) -> None:
        self.store = store
        self.cooldown_s = cooldown_s
        self.max_pending_shown = max_pending_shown
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None  # made on first use, again after aclose
        self._open_until = 0.0
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def available(self) -> bool:
        """False while the breaker is open (the last attempt found the database unreachable)."""
        return time.monotonic() >= self._open_until

    def _refusal(self) -> StoreUnavailable:
        wait = max(1.0, self._open_until - time.monotonic())
        return StoreUnavailable(
            f"the feedback database ({self.store.shown}) cannot be reached; nothing was stored: retry in {round(wait)} s",
            retry_after=wait,
        )

    async def _run(self, operation: str, fn: Callable[..., T], *args: object) -> T:
        if not self.available:
            FEEDBACK_STORE_ERRORS.labels(operation).inc()
            raise self._refusal()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="coach-feedback-db")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, functools.partial(fn, *args))
        except StoreUnavailable as exc:  # its message (the database's own words) goes to the log only
            FEEDBACK_STORE_ERRORS.labels(operation).inc()
            if exc.unreachable:
                self._open_until = time.monotonic() + self.cooldown_s
                log.warning("%s; /v1/feedback answers 503 for %.0f s, suggestions are not affected",
                            exc.message, self.cooldown_s)
                raise self._refusal() from exc
            log.error("%s", exc.message)
            raise StoreUnavailable(f"the feedback database ({self.store.shown}) refused to {operation}; "
                                   "nothing was stored", retry_after=self.cooldown_s, unreachable=False) from exc

    async def check_at_start(self) -> None:
        """SchemaMismatch (the service must not start) when the schema is not this code's; an
        unreachable database is only logged: suggestions work without it, feedback answers 503."""
        try:
            revision = await self._run("check the schema", self.store.check)
        except StoreUnavailable as exc:
            log.warning("%s; starting anyway: the schema is checked before the first write", exc.message)
            return
        log.info("feedback database %s at schema revision %s", self.store.shown, revision)

    async def add(self, entry: FeedbackEntry) -> FeedbackEntry:
        return await self._run("store the feedback", self.store.add, entry)

    async def recent(self, verdicts: Sequence[str], limit: int) -> tuple[list[FeedbackEntry], dict[str, int]]:
        def read() -> tuple[list[FeedbackEntry], dict[str, int]]:
            return self.store.entries(verdicts, limit=limit, newest_first=True), self.store.counts()

        return await self._run("read the feedback", read)

    def record_shown_soon(self, record: ShownRecord, conversation: Conversation | None) -> None:
        """Records a suggestion response for the report, in the background; dropped (and counted)
        while the database is away or too many records wait."""
        if not self.available or len(self._pending) >= self.max_pending_shown:
            SHOWN_DROPPED.inc()
            return
        task = asyncio.get_running_loop().create_task(self._record(record, conversation))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _record(self, record: ShownRecord, conversation: Conversation | None) -> None:
        try:
            await self._run("record a suggestion shown", self.store.record_shown, record, conversation)
        except Exception as exc:  # the agent has the suggestion already; only the report misses it
            SHOWN_DROPPED.inc()
            log.debug("suggestion response %s not recorded: %s", record.request_id, exc)
            return
        SHOWN.inc(record.shown)

    async def aclose(self, wait_s: float = 2.0) -> None:
        """Lets recordings in flight finish (up to `wait_s`), then releases threads and connections."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=wait_s)
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.get_running_loop().run_in_executor(None, self.store.dispose)
