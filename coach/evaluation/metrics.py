"""Summary metrics of a run: pure functions over scenario results.

Scenario-level: `passed` means every repeat passed, so `pass_rate` is pass^N when `--repeat N`.
Trial-level rates (first-try valid, repair, degraded, citation, concession adherence) count every
repeat of every scenario.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from coach.evaluation.runner import ScenarioResult, Trial


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return round(ordered[rank - 1], 3)


def _rate(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def _trials(results: Sequence[ScenarioResult]) -> list[Trial]:
    return [t for r in results for t in r.trials]


def summarise(results: Sequence[ScenarioResult]) -> dict[str, object]:
    trials = _trials(results)
    answered = [t for t in trials if t.error is None]
    total = len(results)
    passed = sum(r.passed for r in results)
    repeat = max((len(r.trials) for r in results), default=1)
    concession_checks = [c for t in trials for c in t.checks if c.name == "concession"]
    violations = Counter(v.rule for t in trials for v in t.violations)
    rejected: Counter[str] = Counter()
    for t in trials:
        rejected.update(t.rejected)
    latencies = [t.latency_ms for t in answered]
    prompt_tokens = sum(t.usage.prompt_tokens for t in trials)
    completion_tokens = sum(t.usage.completion_tokens for t in trials)
    judge_prompt = sum(t.judge.usage.prompt_tokens for t in trials if t.judge)
    judge_completion = sum(t.judge.usage.completion_tokens for t in trials if t.judge)
    summary: dict[str, object] = {
        "total": total,
        "passed": passed,
        "failed": total - passed,
        "pass_rate": _rate(passed, total),
        "first_try_valid_rate": _rate(sum(t.attempts == 1 and not t.degraded for t in answered), len(trials)),
        "repair_rate": _rate(sum(t.attempts > 1 for t in answered), len(trials)),
        "degraded_rate": _rate(sum(t.degraded for t in answered), len(trials)),
        "error_rate": _rate(len(trials) - len(answered), len(trials)),
        "citation_rate": _rate(sum(bool(t.cited) for t in answered), len(trials)),
        "concession_adherence": _rate(sum(c.passed for c in concession_checks), len(concession_checks)),
        "violations_by_rule": dict(sorted(violations.items())),
        "rejected_drafts_by_rule": dict(sorted(rejected.items())),
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                       "max": round(max(latencies), 3) if latencies else 0.0},
        "tokens": {"prompt": prompt_tokens, "completion": completion_tokens,
                   "total": prompt_tokens + completion_tokens,
                   "judge_prompt": judge_prompt, "judge_completion": judge_completion},
        "cost_usd": round(sum(t.usage.cost_usd for t in trials)
                          + sum(t.judge.usage.cost_usd for t in trials if t.judge), 6),
        "llm_calls": sum(t.drafter_calls for t in trials),
        "cache_hits": sum(t.cache_hits for t in trials),
        "repeat": repeat,
    }
    if repeat > 1:
        summary["pass_pow_n"] = summary["pass_rate"]
        summary["mean_pass_rate"] = _rate(sum(t.passed for t in trials), len(trials))
    judged = [t.judge for t in trials if t.judge is not None]
    if judged:
        summary["judge"] = _judge_summary(judged)
    return summary


def _judge_summary(verdicts: Sequence[object]) -> dict[str, object]:
    scores: dict[str, list[int]] = {}
    for v in verdicts:
        for name, score in v.scores.items():  # type: ignore[attr-defined]
            scores.setdefault(name, []).append(score)
    return {
        "judged": len(verdicts),
        "passed": sum(v.passed for v in verdicts),  # type: ignore[attr-defined]
        "errors": sum(v.error is not None for v in verdicts),  # type: ignore[attr-defined]
        "mean_scores": {k: round(sum(s) / len(s), 3) for k, s in sorted(scores.items())},
    }


def summarise_by_template(results: Sequence[ScenarioResult]) -> dict[str, dict[str, object]]:
    templates: dict[str, list[ScenarioResult]] = {}
    for r in results:
        templates.setdefault(r.template, []).append(r)
    return {name: summarise(group) for name, group in templates.items()}
