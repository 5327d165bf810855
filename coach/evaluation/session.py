"""One `coach eval run`: load scenarios, build the backend, run the matrix, write the reports.

Exit status: 0 every scenario passed, 1 some failed (or a scenario file had an error while others
ran), 2 the run could not start (no scenario loaded, unknown template, unusable configuration).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from coach.config import Settings
from coach.errors import CoachError, ConfigError
from coach.evaluation.backend import Backend, PipelineBackend, build_backend, reply_concessions, validate_reply
from coach.evaluation.cache import ResponseCache
from coach.evaluation.progress import ProgressBar
from coach.evaluation.report_html import render_html
from coach.evaluation.report_json import build_report, write_json
from coach.evaluation.report_md import render_markdown
from coach.evaluation.retrieval import RetrievalMode
from coach.evaluation.runner import JudgeFn, Runner, RunOptions, ScenarioResult
from coach.evaluation.scenarios import LoadedScenario, load_paths

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_START = 0, 1, 2

BackendFactory = Callable[[Settings, Backend, "ResponseCache | None", RetrievalMode], PipelineBackend]


@dataclass
class EvalOptions:
    paths: Sequence[str]
    out: Path
    templates: Sequence[str] = ()
    backend: Backend | None = None
    concurrency: int = 8
    repeat: int = 1
    use_cache: bool = True
    judge: bool = False
    judge_model: str | None = None
    progress: bool = True
    retrieval: RetrievalMode = "auto"
    only: Sequence[str] = ()  # glob patterns over scenario ids
    tags: Sequence[str] = ()  # keep scenarios carrying any of these tags
    extra_run: dict[str, object] = field(default_factory=dict)


def _resolve_backend(settings: Settings, wanted: Backend | None) -> Backend:
    return wanted or settings.resolved_backend


def _build_judge(settings: Settings, options: EvalOptions, cache: ResponseCache | None) -> tuple[JudgeFn, dict[str, str]]:
    from openai import AsyncOpenAI

    from coach.evaluation.judge import LLMJudge

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key and not settings.openai_base_url:
        raise ConfigError("--judge needs an LLM endpoint: set OPENAI_BASE_URL and/or OPENAI_API_KEY")
    client = AsyncOpenAI(api_key=key or "not-needed", base_url=settings.openai_base_url, max_retries=2)
    judge = LLMJudge(client, options.judge_model or settings.model, cache=cache)
    return judge, {"model": judge.model, "template": judge.template}


def select(scenarios: Sequence[LoadedScenario], only: Sequence[str], tags: Sequence[str]) -> list[LoadedScenario]:
    """The scenarios whose id matches any `only` glob and that carry any of `tags` (no filter: all)."""
    from fnmatch import fnmatchcase

    return [s for s in scenarios
            if (not only or any(fnmatchcase(s.scenario.id, pattern) for pattern in only))
            and (not tags or set(tags) & set(s.scenario.tags))]


async def _run_and_close(runner: Runner, scenarios: Sequence[LoadedScenario], options: RunOptions,
                         backend: PipelineBackend) -> list[ScenarioResult]:
    try:
        return await runner.run(scenarios, options)
    finally:
        if backend.aclose is not None:
            await backend.aclose()


def run_eval(options: EvalOptions, settings: Settings, *, factory: BackendFactory | None = None,
             err: TextIO | None = None, out: TextIO | None = None) -> int:
    err = err if err is not None else sys.stderr
    out = out if out is not None else sys.stdout
    if options.repeat < 1 or options.concurrency < 1:
        print("coach eval: --repeat and --concurrency must be at least 1", file=err)
        return EXIT_CANNOT_START
    loaded = load_paths(options.paths)
    for error in loaded.errors:
        print(f"coach eval: {error}", file=err)
    scenarios = select(loaded.scenarios, options.only, options.tags)
    if not scenarios:
        what = "matched --only/--tag" if loaded.scenarios else "could be loaded"
        print(f"coach eval: no scenario {what}; nothing to run", file=err)
        return EXIT_CANNOT_START
    backend_name = _resolve_backend(settings, options.backend)
    cache = None
    if options.use_cache:
        cache = ResponseCache(settings.resolved_cache_dir / "eval-responses")
    try:
        backend = (factory or build_backend)(settings, backend_name, cache, options.retrieval)
        for template in options.templates:
            backend.check_template(template)
        judge, judge_meta = _build_judge(settings, options, cache) if options.judge else (None, None)
    except CoachError as exc:
        print(f"coach eval: cannot start: {exc.message}", file=err)
        return EXIT_CANNOT_START
    except ImportError as exc:
        print(f"coach eval: cannot start: the pipeline is not available ({exc})", file=err)
        return EXIT_CANNOT_START
    templates: tuple[str | None, ...] = tuple(dict.fromkeys(options.templates)) or (backend.default_template,)
    total = len(scenarios) * len(templates) * options.repeat
    bar = ProgressBar(total, err) if options.progress else None
    runner = Runner(backend.suggest, validate_reply, reply_concessions, judge=judge, progress=bar)
    if backend.prepare is not None:  # the queries' vectors in batches, ahead of the runner
        backend.prepare([item.scenario.conversation.turns for item in scenarios])
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    run_options = RunOptions(templates=templates, repeat=options.repeat, concurrency=options.concurrency)
    results = asyncio.run(_run_and_close(runner, scenarios, run_options, backend))
    if bar is not None:
        bar.close()
    run_meta: dict[str, object] = {
        "backend": backend.backend, "model": backend.model,
        "started": started.isoformat(timespec="seconds"), "duration_s": round(time.perf_counter() - t0, 3),
        "repeat": options.repeat, "concurrency": options.concurrency, "cache": options.use_cache,
        "retrieval": options.retrieval,
        "scenario_files": list(loaded.files), "judge": judge_meta, **options.extra_run,
    }
    report = build_report(results, run_meta, loaded.errors)
    path = write_json(report, options.out)
    (options.out / "report.html").write_text(render_html(report), encoding="utf-8")
    (options.out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    s = report["summary"]
    print(f"{s['passed']}/{s['total']} passed ({s['pass_rate'] * 100:.1f}%), "  # type: ignore[index]
          f"tokens {s['tokens']['total']}, cost ${s['cost_usd']:.4f}, "  # type: ignore[index]
          f"{run_meta['duration_s']} s; report: {path}", file=out)
    all_passed = s["passed"] == s["total"] and not loaded.errors  # type: ignore[index]
    return EXIT_OK if all_passed else EXIT_FAILED
