"""The rounds of a batch run: replay what is unsettled, send what it asked for, collect, repeat.

A round replays every scenario not yet settled through the real pipeline (coach.pipeline, with
the BatchDrafter as its LLM): those whose calls are all answered settle (validated, repaired or
fallen back exactly as live) and are written to results.jsonl; the others leave their new
requests in chunk files. The chunks go out as batches (at most `max_in_flight` at once), are
polled until finished, and collected: answers stored, failed items retried in the next round while
attempts remain, then failed for good and reported with their scenario. Repairs are simply the
requests the second round's replay asks for. Every step is recorded before the next, so a run
killed anywhere carries on with `coach eval resume` without sending a request twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from coach.evaluation.batch.client import BatchClient, BatchInfo
from coach.evaluation.batch.drafter import CallsPending, ChunkSpool, job_notes
from coach.evaluation.batch.lines import read_line
from coach.evaluation.batch.plan import Plan, planned
from coach.evaluation.batch.records import record
from coach.evaluation.batch.report import RESULTS_NAME
from coach.evaluation.batch.store import ChunkRow, RunStore
from coach.evaluation.runner import Runner
from coach.evaluation.scenarios import LoadedScenario

log = logging.getLogger("coach.eval.batch")


@dataclass(frozen=True)
class Limits:
    max_attempts: int = 3  # sends of one request, first included
    max_in_flight: int = 4  # batches submitted and not yet collected
    poll_s: float = 30.0
    window: str = "24h"


class BatchDriver:
    def __init__(self, *, run_id: str, directory: Path, store: RunStore, plan: Plan, runner: Runner,
                 spool: ChunkSpool, client: BatchClient, templates: tuple[str | None, ...], repeat: int,
                 concurrency: int, limits: Limits, err: TextIO,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.run_id = run_id
        self.directory = directory
        self.store = store
        self.plan = plan
        self.runner = runner
        self.spool = spool
        self.client = client
        self.templates = templates
        self.repeat = repeat
        self.concurrency = max(1, concurrency)
        self.limits = limits
        self.err = err
        self.sleep = sleep
        self.rounds = 0

    def say(self, text: str) -> None:
        print(f"coach eval: {text}", file=self.err, flush=True)

    async def run(self) -> None:
        for path in self.store.discard_open_chunks():
            Path(path).unlink(missing_ok=True)
        if self.store.chunks("written", "uploaded", "submitted"):  # a resume: first what is already out
            await self.settle()
        while True:
            self.rounds += 1
            started = time.perf_counter()
            settled, waiting = await self.replay()
            self.spool.close()
            self.say(f"round {self.rounds}: {settled} trials settled, {waiting} waiting on LLM calls "
                     f"({time.perf_counter() - started:.1f} s)")
            if waiting == 0:
                return
            if not self.store.chunks("written", "uploaded", "submitted"):
                raise RuntimeError("scenarios wait on LLM calls that no batch carries")  # a bug, never a hang
            await self.settle()

    # -- replay --------------------------------------------------------------------------------
    async def replay(self) -> tuple[int, int]:
        counts = [0, 0]
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        results = (self.directory / RESULTS_NAME).open("ab")
        try:
            for t_index, template in enumerate(self.templates):
                base = t_index * self.plan.scenarios
                def unsettled(first: int, last: int, base: int = base) -> bool:  # a file with work left
                    start, end = (base + first) * self.repeat, (base + last + 1) * self.repeat
                    return self.store.done_between(start, end) < end - start

                for place, item in planned(self.plan, self.store, unsettled):
                    for sample in range(self.repeat):
                        job = (base + place) * self.repeat + sample
                        if self.store.is_done(job):
                            continue
                        await slots.acquire()
                        task = asyncio.create_task(self._one(job, template, item, sample, results, counts))
                        tasks.add(task)
                        task.add_done_callback(lambda t: (tasks.discard(t), slots.release()))
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            results.close()
        return counts[0], counts[1]

    async def _one(self, job: int, template: str | None, item: LoadedScenario, sample: int, results: BinaryIO,
                   counts: list[int]) -> None:
        """Replay one trial: settled, it is written (flushed before it is recorded as done);
        waiting on calls, it is counted."""
        with job_notes() as notes:
            try:
                trial = await self.runner.trial(template, item, sample)
            except CallsPending:
                counts[1] += 1
                return
        line = json.dumps(record(job, template, item, trial, notes.failed), ensure_ascii=False).encode("utf-8") + b"\n"
        offset = results.tell()
        results.write(line)
        results.flush()
        self.store.job_done(job, offset, len(line), len(notes.failed))
        counts[0] += 1

    # -- batches -------------------------------------------------------------------------------
    async def settle(self) -> None:
        """Send every written chunk and collect every batch (failed items wait for the next round)."""
        while True:
            submitted = self.store.chunks("submitted")
            for chunk in self.store.chunks("written", "uploaded"):
                if len(submitted) >= self.limits.max_in_flight:
                    break
                await self.submit(chunk)
                submitted = self.store.chunks("submitted")
            if not submitted:
                return
            finished = 0
            for chunk in submitted:
                info = await self.client.retrieve(str(chunk.batch_id))
                if info.finished:
                    await self.collect(chunk, info)
                    finished += 1
                elif info.status != chunk.status:
                    self.store.set_chunk(chunk.id, status=info.status)
                    done = info.counts.get("completed", 0)
                    self.say(f"batch {info.id} ({chunk.requests} requests): {info.status}, {done} done")
            if not finished:
                await self.sleep(self.limits.poll_s)

    async def submit(self, chunk: ChunkRow) -> None:
        file_id = chunk.file_id
        found: BatchInfo | None = None
        if chunk.state == "written":
            file_id = await self.client.upload(Path(chunk.path))
            self.store.set_chunk(chunk.id, state="uploaded", file_id=file_id)
        else:  # uploaded by a run that was stopped: did it create the batch before it stopped?
            found = await self.client.find(str(file_id))
        info = found or await self.client.create(
            str(file_id), window=self.limits.window, metadata={"coach_run": self.run_id, "coach_chunk": str(chunk.id)})
        self.store.set_chunk(chunk.id, state="submitted", batch_id=info.id, status=info.status)
        self.say(f"batch {info.id} submitted: {chunk.requests} requests ({Path(chunk.path).name})")

    async def collect(self, chunk: ChunkRow, info: BatchInfo) -> None:
        unreadable = retried = failed = answered = 0
        why = f"the batch ended {info.status}" + (f" ({'; '.join(info.errors)})" if info.errors else "")
        self.store.begin()
        try:
            for file_id in (info.output_file_id, info.error_file_id):
                if not file_id:
                    continue
                async for raw in self.client.lines(file_id):
                    outcome = read_line(raw)
                    if outcome.key is None:
                        unreadable += 1
                    elif outcome.ok:
                        self.store.answer(outcome.key, str(outcome.body), chunk.id)
                        answered += 1
                    elif self.store.fail(outcome.key, str(outcome.error), chunk.id, retry=outcome.retry,
                                         max_attempts=self.limits.max_attempts):
                        retried += 1
                    else:
                        failed += 1
            for key in list(self.store.still_out(chunk.id)):  # in neither file: never answered
                if self.store.fail(key, f"not answered: {why}", chunk.id, retry=True,
                                   max_attempts=self.limits.max_attempts):
                    retried += 1
                else:
                    failed += 1
            self.store.set_chunk(chunk.id, state="collected", status=info.status,
                                 detail={"answered": answered, "retried": retried, "failed": failed,
                                         "unreadable": unreadable, "errors": list(info.errors)})
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        Path(chunk.path).unlink(missing_ok=True)
        self.say(f"batch {info.id} {info.status}: {answered} answered, {retried} to retry, {failed} failed for good"
                 + (f", {unreadable} unreadable lines" if unreadable else ""))
