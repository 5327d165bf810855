"""Runs scenarios through a suggest function: a matrix of templates x scenarios x repeats,
bounded concurrency, every reply checked against the scenario's expectations.

The runner knows nothing of the pipeline: it calls a `SuggestFn` (the real `Coach.suggest`, or a
fake in tests), the validator and the concession detector through plain callables.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from coach.evaluation.checks import Check, ConcessionFn, ValidateFn, run_checks
from coach.evaluation.recording import trial_log
from coach.evaluation.scenarios import LoadedScenario
from coach.types import Conversation, Passage, SuggestionResponse, Usage, Violation

SuggestFn = Callable[[Conversation], Awaitable[SuggestionResponse]]
ProgressFn = Callable[[bool], None]


@dataclass(frozen=True)
class JudgeVerdict:
    passed: bool
    scores: dict[str, int]
    reasons: str
    usage: Usage = Usage()
    error: str | None = None


JudgeFn = Callable[[LoadedScenario, str, int], Awaitable[JudgeVerdict]]


class TrialDeferred(Exception):  # noqa: N818 - not an error: the answer is not there yet
    """Raised by a suggest function that cannot answer yet (a batch run whose LLM calls are still
    out): the runner lets it through instead of recording a failed trial."""


@dataclass(frozen=True)
class Trial:
    reply: str
    passed: bool
    checks: tuple[Check, ...]
    latency_ms: float
    citations: tuple[str, ...] = ()
    cited: tuple[Passage, ...] = ()
    source: str = ""
    attempts: int = 0
    degraded: bool = False
    degraded_reason: str | None = None
    violations: tuple[Violation, ...] = ()
    usage: Usage = Usage()
    model: str = ""
    template: str = ""
    drafter_calls: int = 0
    cache_hits: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    judge: JudgeVerdict | None = None
    error: str | None = None


@dataclass
class ScenarioResult:
    item: LoadedScenario
    template: str
    trials: list[Trial]

    @property
    def passed(self) -> bool:
        return bool(self.trials) and all(t.passed for t in self.trials)

    @property
    def pass_rate(self) -> float:
        return sum(t.passed for t in self.trials) / len(self.trials) if self.trials else 0.0


# The request's clock of a scenario that gives none (`conversation.now`): a fixed instant, so that
# replies proposing a time are the same on every run. Naive, hence read as UTC with the customer's
# timezone from the scenario's `timezone` or locale: 14:30 in Beijing and Taipei.
DEFAULT_NOW = datetime(2025, 3, 11, 6, 30)


@dataclass(frozen=True)
class RunOptions:
    templates: tuple[str | None, ...] = (None,)
    repeat: int = 1
    concurrency: int = 8
    now: datetime = DEFAULT_NOW


class Runner:
    def __init__(
        self,
        suggest: SuggestFn,
        validate: ValidateFn,
        concessions: ConcessionFn,
        *,
        judge: JudgeFn | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self._suggest = suggest
        self._validate = validate
        self._concessions = concessions
        self._judge = judge
        self._progress = progress

    async def run(self, scenarios: Sequence[LoadedScenario], options: RunOptions) -> list[ScenarioResult]:
        sem = asyncio.Semaphore(max(1, options.concurrency))
        jobs = [
            (template, item, rep)
            for template in options.templates
            for item in scenarios
            for rep in range(max(1, options.repeat))
        ]
        trials = await asyncio.gather(*(self._guarded(sem, t, item, rep, options.now) for t, item, rep in jobs))
        grouped: dict[tuple[str | None, str], ScenarioResult] = {}
        for (template, item, _), trial in zip(jobs, trials):
            key = (template, item.scenario.id)
            if key not in grouped:
                grouped[key] = ScenarioResult(item=item, template=template or "", trials=[])
            grouped[key].trials.append(trial)
        results = list(grouped.values())
        for result in results:  # a default template is named by what the pipeline answered
            if not result.template:
                result.template = next((t.template for t in result.trials if t.template), "default")
        return results

    async def _guarded(self, sem: asyncio.Semaphore, template: str | None, item: LoadedScenario,
                       sample: int, now: datetime = DEFAULT_NOW) -> Trial:
        async with sem:
            trial = await self.trial(template, item, sample, now)
        if self._progress is not None:
            self._progress(trial.passed)
        return trial

    async def trial(self, template: str | None, item: LoadedScenario, sample: int, now: datetime = DEFAULT_NOW) -> Trial:
        """One scenario under one template, checked (and judged) at the eval's clock `now`;
        TrialDeferred passes through."""
        scenario = item.scenario
        update: dict[str, object] = {"conversation_id": scenario.conversation.conversation_id or scenario.id,
                                     "now": scenario.conversation.now or now}
        if template:
            update["template"] = template
        conversation = scenario.conversation.model_copy(update=update)
        started = time.perf_counter()
        stage = "suggest"
        try:  # a failing scenario (pipeline, checks or judge) must never stop the run
            with trial_log(sample) as log:
                response = await self._suggest(conversation)
            latency = (time.perf_counter() - started) * 1000
            stage = "checks"
            trial = self._evaluate(item, conversation, response, latency)
            trial = _with_log(trial, log.drafter_calls, log.cache_hits, dict(log.rejected))
            if self._judge is not None and scenario.expect.judge is not None and trial.error is None:
                stage = "judge"
                verdict = await self._judge(item, trial.reply, sample)
                detail = verdict.error or verdict.reasons
                checks = trial.checks + (Check("judge", verdict.passed, detail),)
                trial = _replace(trial, judge=verdict, checks=checks, passed=trial.passed and verdict.passed)
            return trial
        except TrialDeferred:
            raise
        except Exception as exc:  # noqa: BLE001
            latency = (time.perf_counter() - started) * 1000
            message = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
            return Trial(reply="", passed=False, latency_ms=latency, error=message,
                         checks=(Check(stage, False, message),), template=template or "")

    def _evaluate(self, item: LoadedScenario, conversation: Conversation, response: SuggestionResponse,
                  latency: float) -> Trial:
        if not response.suggestions:
            return Trial(reply="", passed=False, latency_ms=latency, error="no suggestion returned",
                         checks=(Check("suggest", False, "no suggestion returned"),),
                         template=response.template, model=response.model)
        best = response.suggestions[0]
        turns = conversation.turns
        validation = self._validate(best.text, turns, conversation.policy, conversation.locale)
        offers = self._concessions(best.text, turns, conversation.policy, conversation.locale)
        by_id = {p.id: p for p in response.passages}
        cited = tuple(by_id[c] for c in best.citations if c in by_id)
        checks = tuple(run_checks(item.scenario.expect, best.text, validation, offers, cited, conversation))
        return Trial(
            reply=best.text,
            passed=all(c.passed for c in checks),
            checks=checks,
            latency_ms=latency,
            citations=tuple(best.citations),
            cited=cited,
            source=best.source,
            attempts=best.attempts,
            degraded=response.degraded,
            degraded_reason=response.degraded_reason,
            violations=validation.violations,
            usage=response.usage,
            model=response.model,
            template=response.template,
        )


def _replace(trial: Trial, **changes: object) -> Trial:
    from dataclasses import replace

    return replace(trial, **changes)


def _with_log(trial: Trial, calls: int, hits: int, rejected: dict[str, int]) -> Trial:
    return _replace(trial, drafter_calls=calls, cache_hits=hits, rejected=rejected)
