"""One finished trial as one JSON line of a batch run's results.jsonl, and back.

A batch run never holds its results in memory: each trial is written as soon as it is settled and
the report is read back from the file. The line keeps everything the live report is made of (the
scenario, the trial with its checks, passages and judge verdict), so the report built from it is
the one a live run writes.
"""

from __future__ import annotations

from typing import Any

from coach.evaluation.checks import Check
from coach.evaluation.runner import JudgeVerdict, Trial
from coach.evaluation.scenarios import LoadedScenario, Scenario
from coach.types import Passage, Usage, Violation


def _judge_out(verdict: JudgeVerdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {"passed": verdict.passed, "scores": verdict.scores, "reasons": verdict.reasons,
            "usage": verdict.usage.model_dump(), "error": verdict.error}


def _judge_in(data: dict[str, Any] | None) -> JudgeVerdict | None:
    if data is None:
        return None
    return JudgeVerdict(passed=bool(data["passed"]), scores=dict(data["scores"]), reasons=str(data["reasons"]),
                        usage=Usage.model_validate(data["usage"]), error=data.get("error"))


def trial_out(t: Trial) -> dict[str, Any]:
    return {
        "reply": t.reply, "passed": t.passed, "checks": [c.as_dict() for c in t.checks],
        "latency_ms": t.latency_ms, "citations": list(t.citations),
        "cited": [p.model_dump(mode="json") for p in t.cited], "source": t.source, "attempts": t.attempts,
        "degraded": t.degraded, "degraded_reason": t.degraded_reason,
        "violations": [v.model_dump(mode="json") for v in t.violations], "usage": t.usage.model_dump(),
        "model": t.model, "template": t.template, "drafter_calls": t.drafter_calls, "cache_hits": t.cache_hits,
        "rejected": dict(t.rejected), "judge": _judge_out(t.judge), "error": t.error,
    }


def trial_in(d: dict[str, Any]) -> Trial:
    return Trial(
        reply=d["reply"], passed=bool(d["passed"]),
        checks=tuple(Check(c["name"], bool(c["passed"]), c["detail"]) for c in d["checks"]),
        latency_ms=float(d["latency_ms"]), citations=tuple(d["citations"]),
        cited=tuple(Passage.model_validate(p) for p in d["cited"]), source=d["source"], attempts=int(d["attempts"]),
        degraded=bool(d["degraded"]), degraded_reason=d["degraded_reason"],
        violations=tuple(Violation.model_validate(v) for v in d["violations"]),
        usage=Usage.model_validate(d["usage"]), model=d["model"], template=d["template"],
        drafter_calls=int(d["drafter_calls"]), cache_hits=int(d["cache_hits"]), rejected=dict(d["rejected"]),
        judge=_judge_in(d["judge"]), error=d["error"],
    )


def record(job: int, template: str | None, item: LoadedScenario, trial: Trial,
           batch_errors: list[str]) -> dict[str, Any]:
    """The results.jsonl line of one trial. `batch_errors` names the batch requests of this trial
    that failed for good (after their retries): the scenario reports them, nothing is dropped."""
    return {
        "job": job, "template": template,
        "item": {"file": item.file, "set": item.set_name, "line": item.line,
                 "scenario": item.scenario.model_dump(mode="json")},
        "trial": trial_out(trial), "batch_errors": batch_errors,
    }


def item_in(d: dict[str, Any]) -> LoadedScenario:
    return LoadedScenario(scenario=Scenario.model_validate(d["scenario"]), file=d["file"], set_name=d["set"],
                          line=d["line"])
