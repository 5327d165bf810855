"""`coach eval run --batch` and `coach eval resume RUN`: a batch run from start to report.

The run's folder (--out) holds report.json/html/md at the end, as a live run's does, and
`batch/`: run.json (the run's id, options, the settings that shape requests, the plan), state.sqlite3,
results.jsonl and the chunk files not yet collected. `resume` reads all of it back and carries on;
the endpoint (OPENAI_BASE_URL, OPENAI_API_KEY) comes from the environment, never from the folder.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from coach.config import Settings
from coach.errors import CoachError, ConfigError, NotFound
from coach.evaluation.backend import reply_concessions, validate_reply
from coach.evaluation.batch.client import BatchClient, OpenAIBatchClient
from coach.evaluation.batch.driver import BatchDriver, Limits
from coach.evaluation.batch.drafter import BatchDrafter, ChunkSpool
from coach.evaluation.batch.plan import Plan, check_unchanged, make_plan
from coach.evaluation.batch.report import write_reports
from coach.evaluation.batch.store import RunStore
from coach.evaluation.cache import CachingDrafter, ResponseCache
from coach.evaluation.retrieval import RetrievalMode
from coach.evaluation.runner import Runner, SuggestFn
from coach.prompts import PromptRegistry

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_START = 0, 1, 2
RUN_FILE = "run.json"
# A batch has no live latency budget: the replay's answers are already on disk.
REPLAY_DEADLINE_S = 3600.0
# Settings that shape the requests: pinned when the run starts, so a resume asks the same things.
PINNED = ("model", "temperature", "max_tokens", "max_repairs")

# (settings, LLM drafter, retrieval) -> the suggest function of a Coach over that drafter
CoachFactory = Callable[[Settings, Any, RetrievalMode], SuggestFn]


@dataclass(frozen=True)
class BatchOptions:
    paths: tuple[str, ...]
    out: Path
    templates: tuple[str, ...] = ()
    repeat: int = 1
    concurrency: int = 8
    use_cache: bool = True
    retrieval: RetrievalMode = "auto"
    only: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    max_attempts: int = 3
    max_in_flight: int = 4
    poll_s: float = 30.0
    window: str = "24h"
    chunk_requests: int = 10_000
    chunk_bytes: int = 190_000_000


def _real_coach(settings: Settings, llm: Any, retrieval: RetrievalMode) -> SuggestFn:
    from coach.evaluation.retrieval import eval_retriever
    from coach.knowledge import load_knowledge_base
    from coach.pipeline import build_coach

    return build_coach(settings, eval_retriever(load_knowledge_base(settings), retrieval), llm=llm).suggest


def find_run(run: str) -> Path:
    """A run's folder from what `coach eval resume` was given: the folder, or the id of a run
    under ./runs."""
    path = Path(run)
    if (path / "batch" / RUN_FILE).is_file():
        return path
    runs = Path("runs")
    if runs.is_dir():
        for candidate in sorted(runs.iterdir()):
            meta = candidate / "batch" / RUN_FILE
            if meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("id") == run:
                return candidate
    raise NotFound(f"no batch run {run!r}: give the run's folder (the --out of `coach eval run --batch`) or its id")


class BatchSession:
    def __init__(self, directory: Path, meta: dict[str, Any], settings: Settings, *, client: BatchClient | None,
                 coach_factory: CoachFactory | None, err: TextIO, out: TextIO,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.directory = directory
        self.sleep = sleep
        self.meta = meta
        self.err = err
        self.out = out
        pinned = meta["pinned"]
        self.settings = settings.model_copy(update={**pinned, "backend": "openai", "deadline_s": REPLAY_DEADLINE_S})
        self.client = client or OpenAIBatchClient.from_settings(self.settings)
        self.coach_factory = coach_factory or _real_coach

    @property
    def batch_dir(self) -> Path:
        return self.directory / "batch"

    def save(self) -> None:
        (self.batch_dir / RUN_FILE).write_text(json.dumps(self.meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    async def drive(self) -> dict[str, Any]:
        o = self.meta["options"]
        store = RunStore(self.batch_dir / "state.sqlite3")
        try:
            limits = Limits(**self.meta["limits"]["driver"])
            spool = ChunkSpool(store, self.batch_dir / "chunks", **self.meta["limits"]["chunks"])
            cache = ResponseCache(self.settings.resolved_cache_dir / "eval-responses") if o["use_cache"] else None
            s = self.settings
            llm = CachingDrafter(BatchDrafter(s, store, spool), cache, model=s.model,
                                 params={"temperature": s.temperature, "max_tokens": s.max_tokens})
            suggest = self.coach_factory(s, llm, o["retrieval"])
            runner = Runner(suggest, validate_reply, reply_concessions)
            plan = Plan.from_dict(self.meta["plan"])
            templates = tuple(o["templates"])
            driver = BatchDriver(
                run_id=self.meta["id"], directory=self.batch_dir, store=store, plan=plan, runner=runner, spool=spool,
                client=self.client, templates=templates, repeat=o["repeat"], concurrency=o["concurrency"],
                limits=limits, err=self.err, sleep=self.sleep)
            started = time.perf_counter()
            await driver.run()
            self.meta["elapsed_s"] = round(self.meta.get("elapsed_s", 0.0) + time.perf_counter() - started, 3)
            self.meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            self.save()
            run = {
                "backend": "openai", "model": self.settings.model, "started": self.meta["started"],
                "duration_s": self.meta["elapsed_s"], "repeat": o["repeat"], "concurrency": o["concurrency"],
                "cache": o["use_cache"], "retrieval": o["retrieval"], "scenario_files": plan.files, "judge": None,
                "batch": {"id": self.meta["id"], "rounds": driver.rounds, "requests": store.request_counts(),
                          **store.chunk_summary(), "scenarios_with_failed_requests": store.jobs_with_failed_requests()},
            }
            return write_reports(self.directory, store, run, self.meta["plan"]["load_errors"],
                                 templates=len(templates), scenarios=plan.scenarios, repeat=o["repeat"])
        finally:
            store.close()
            await self.client.aclose()

    def run(self) -> int:
        """Drive the run to its end and report; an endpoint that fails stops it, resumable."""
        import openai

        try:
            head = asyncio.run(self.drive())
        except openai.NotFoundError as exc:
            print(f"coach eval: the endpoint has no Batch API ({exc.request.method} {exc.request.url.path} answered "
                  "404): OpenAI and Azure OpenAI have one; a vLLM or llama.cpp server does not (vLLM's offline "
                  f"runner reads the same files: {self.batch_dir / 'chunks'})", file=self.err)
            return EXIT_CANNOT_START
        except (openai.APIError, OSError) as exc:
            print(f"coach eval: stopped: {type(exc).__name__}: {exc}; nothing is lost: "
                  f"`coach eval resume {self.directory}` carries on", file=self.err)
            return EXIT_CANNOT_START
        return self.finish(head)

    def finish(self, head: dict[str, Any]) -> int:
        s = head["summary"]
        batch = head["run"]["batch"]
        print(f"{s['passed']}/{s['total']} passed ({s['pass_rate'] * 100:.1f}%), tokens {s['tokens']['total']}, "
              f"cost ${s['cost_usd']:.4f}, {batch['batches']} batches, {batch['requests'].get('done', 0)} calls; "
              f"report: {self.directory / 'report.json'}", file=self.out)
        failed = batch["scenarios_with_failed_requests"]
        if failed:
            print(f"coach eval: {failed} trial(s) had LLM calls that failed after "
                  f"{self.meta['limits']['driver']['max_attempts']} attempts: they fell back to the offline drafter "
                  "(degraded); each says why under batch_errors in report.json", file=self.err)
        all_passed = s["passed"] == s["total"] and not head["load_errors"]
        return EXIT_OK if all_passed else EXIT_FAILED


def start_batch(options: BatchOptions, settings: Settings, *, client: BatchClient | None = None,
                coach_factory: CoachFactory | None = None, err: TextIO | None = None, out: TextIO | None = None,
                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> int:
    err = err if err is not None else sys.stderr
    out = out if out is not None else sys.stdout
    if options.repeat < 1 or options.concurrency < 1 or options.max_attempts < 1 or options.chunk_requests < 1:
        print("coach eval: --repeat, --concurrency, --batch-attempts and --batch-size must be at least 1", file=err)
        return EXIT_CANNOT_START
    batch_dir = options.out / "batch"
    if (batch_dir / RUN_FILE).exists():
        print(f"coach eval: {options.out} already holds a batch run; carry it on with "
              f"`coach eval resume {options.out}` or choose another --out", file=err)
        return EXIT_CANNOT_START
    s = settings.model_copy(update={"backend": "openai"})
    if not (s.openai_base_url or (s.openai_api_key and s.openai_api_key.get_secret_value().strip())):
        print("coach eval: cannot start: --batch needs an LLM endpoint with the Batch API: set OPENAI_BASE_URL "
              "and/or OPENAI_API_KEY", file=err)
        return EXIT_CANNOT_START
    try:
        prompts = PromptRegistry.from_settings(s)
        default_template = prompts.get(None).ref
        for template in options.templates:
            prompts.get(template)
    except CoachError as exc:
        print(f"coach eval: cannot start: {exc.message}", file=err)
        return EXIT_CANNOT_START
    batch_dir.mkdir(parents=True, exist_ok=True)
    store = RunStore(batch_dir / "state.sqlite3")
    try:
        plan = make_plan(options.paths, store, options.only, options.tags)
    finally:
        store.close()
    for e in plan.errors:
        print(f"coach eval: {e}", file=err)
    if plan.scenarios == 0:
        print("coach eval: no scenario could be loaded (or matched --only/--tag); nothing to run", file=err)
        return EXIT_CANNOT_START
    meta = {
        "id": f"cb-{datetime.now(timezone.utc):%Y%m%d}-{uuid.uuid4().hex[:10]}",
        "kind": "coach-eval-batch", "version": 1,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "options": {"templates": list(dict.fromkeys(options.templates)) or [default_template],
                    "repeat": options.repeat, "concurrency": options.concurrency, "use_cache": options.use_cache,
                    "retrieval": options.retrieval, "only": list(options.only), "tags": list(options.tags)},
        "pinned": {k: getattr(s, k) for k in PINNED},
        "limits": {"driver": asdict(Limits(max_attempts=options.max_attempts, max_in_flight=options.max_in_flight,
                                           poll_s=options.poll_s, window=options.window)),
                   "chunks": {"max_requests": options.chunk_requests, "max_bytes": options.chunk_bytes}},
        "plan": plan.as_dict(),
        "endpoint": s.openai_base_url or "https://api.openai.com/v1",
    }
    session = BatchSession(options.out, meta, s, client=client, coach_factory=coach_factory, err=err, out=out,
                           sleep=sleep)
    session.save()
    print(f"coach eval: batch run {meta['id']} in {options.out}: {plan.scenarios} scenarios; if it is stopped, "
          f"carry on with `coach eval resume {options.out}`", file=err, flush=True)
    return session.run()


def resume_batch(run: str, settings: Settings, *, client: BatchClient | None = None,
                 coach_factory: CoachFactory | None = None, err: TextIO | None = None, out: TextIO | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, poll_s: float | None = None) -> int:
    err = err if err is not None else sys.stderr
    out = out if out is not None else sys.stdout
    try:
        directory = find_run(run)
        meta = json.loads((directory / "batch" / RUN_FILE).read_text(encoding="utf-8"))
        if meta.get("kind") != "coach-eval-batch":
            raise ConfigError(f"{directory} is not a batch run's folder")
        check_unchanged(Plan.from_dict(meta["plan"]))
    except CoachError as exc:
        print(f"coach eval: cannot resume: {exc.message}", file=err)
        return EXIT_CANNOT_START
    except (OSError, ValueError, KeyError) as exc:
        print(f"coach eval: cannot resume: the run's batch/{RUN_FILE} is unreadable ({exc})", file=err)
        return EXIT_CANNOT_START
    if poll_s is not None:
        meta["limits"]["driver"]["poll_s"] = poll_s
    s = settings.model_copy(update={"backend": "openai"})
    if s.model != meta["pinned"]["model"]:
        print(f"coach eval: resuming with the run's model {meta['pinned']['model']} (COACH_MODEL says {s.model})",
              file=err)
    print(f"coach eval: resuming batch run {meta['id']} in {directory}", file=err, flush=True)
    session = BatchSession(directory, meta, s, client=client, coach_factory=coach_factory, err=err, out=out,
                           sleep=sleep)
    return session.run()
