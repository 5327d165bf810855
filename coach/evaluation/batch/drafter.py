"""The drafter of a batch run's replays: answers from the run's store, or asks for the call.

A batch run replays each unsettled scenario through the real pipeline. When the pipeline asks for
a draft, this drafter builds the request body the live drafter would post, and looks its key up:

- answered: the drafts, parsed as the live drafter parses them (usage and cost metered, at the
  Batch API's discount where the endpoint's prices are known);
- failed for good (after its retries): an LLMError, so the pipeline falls back to the offline
  drafter as it does live, and the failure is noted for the scenario's report;
- not asked yet (or to be retried): written into the current chunk, then `CallsPending`;
- in a batch still running: `CallsPending`.

`CallsPending` stops the replay of that scenario (the runner lets it through); the next round,
once the batch is collected, replays it from the start and gets further.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from coach.config import Settings
from coach.drafting.llm import completion_drafts, request_body
from coach.drafting.llm_parse import Completion
from coach.drafting.llm_transport import cost_usd, price_table
from coach.drafting.meter import current_meter
from coach.errors import LLMError
from coach.evaluation.batch.lines import request_key, request_line
from coach.evaluation.batch.store import RunStore
from coach.evaluation.recording import current_log
from coach.evaluation.runner import TrialDeferred
from coach.types import Draft, DraftRequest

# OpenAI bills Batch API tokens at half the live price.
BATCH_PRICE_FACTOR = 0.5


class CallsPending(TrialDeferred):
    """The scenario needs LLM calls that are not answered yet."""


@dataclass
class JobNotes:
    """What the drafter saw during one scenario's replay."""

    failed: list[str] = field(default_factory=list)  # requests failed for good, in plain words
    pending: int = 0


_notes: ContextVar[JobNotes | None] = ContextVar("coach_batch_job", default=None)


@contextmanager
def job_notes() -> Iterator[JobNotes]:
    notes = JobNotes()
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


class Spool(Protocol):
    """Where new request lines go (the chunk being written); returns the chunk's id."""

    def write(self, line: bytes) -> int: ...


class BatchDrafter:
    name = "llm"

    def __init__(self, settings: Settings, store: RunStore, spool: Spool) -> None:
        self.settings = settings
        self.store = store
        self.spool = spool
        prices = price_table(settings.openai_base_url, settings.model_prices)
        self._prices = {k: (p * BATCH_PRICE_FACTOR, c * BATCH_PRICE_FACTOR) for k, (p, c) in prices.items()}

    async def draft(self, request: DraftRequest) -> list[Draft]:
        if not request.messages:
            raise LLMError("the LLM drafter needs rendered messages", kind="bad_request")
        body = request_body(self.settings, request, request.n)
        log = current_log()
        key = request_key(body, log.sample if log is not None else 0)
        row = self.store.request(key)
        notes = _notes.get()
        if row is None or row.state == "new":
            self.store.put_out(key, self.spool.write(request_line(key, body)))
        if row is None or row.state in ("new", "out"):
            if notes is not None:
                notes.pending += 1
            raise CallsPending(key)
        if row.state == "failed":
            message = f"batch request {key[:12]} failed after {row.attempts} attempt(s): {row.error}"
            if notes is not None:
                notes.failed.append(message)
            raise LLMError(message, kind="llm_error")
        completion = Completion.from_body(json.loads(row.answer or "{}"))
        self._record(completion)
        drafts, failure = completion_drafts(completion, request.n)
        if not drafts:
            raise LLMError(f"the model gave no usable reply ({failure or 'no_choices'})", kind=failure or "no_choices")
        return drafts

    def _record(self, completion: Completion) -> None:
        meter = current_meter()
        model = completion.model or self.settings.model
        meter.model = model
        meter.calls += 1
        meter.prompt_tokens += completion.prompt_tokens
        meter.completion_tokens += completion.completion_tokens
        meter.cost_usd += cost_usd(model, completion.prompt_tokens, completion.completion_tokens, self._prices)

    async def aclose(self) -> None:
        return None


class ChunkSpool:
    """Writes request lines into numbered chunk files, a new one every `max_requests` lines or
    `max_bytes` bytes (OpenAI takes at most 50,000 requests and 200 MB a batch)."""

    def __init__(self, store: RunStore, directory: Path, *, max_requests: int, max_bytes: int) -> None:
        self.store = store
        self.directory = directory
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self._chunk: int | None = None
        self._fh = None
        self._count = 0
        self._bytes = 0

    def write(self, line: bytes) -> int:
        if self._chunk is not None and (self._count >= self.max_requests or self._bytes + len(line) > self.max_bytes):
            self.close()
        if self._chunk is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._chunk = self.store.open_chunk("")
            path = self.directory / f"chunk-{self._chunk:05d}.jsonl"
            self.store.set_chunk(self._chunk, path=str(path))
            self._fh = path.open("wb")
            self._count = self._bytes = 0
        assert self._fh is not None
        self._fh.write(line)
        self._count += 1
        self._bytes += len(line)
        return self._chunk

    def close(self) -> None:
        """The chunk is complete: flushed to disk, then marked written."""
        if self._chunk is None or self._fh is None:
            return
        import os

        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self.store.close_chunk(self._chunk, self._count)
        self._chunk, self._fh = None, None
