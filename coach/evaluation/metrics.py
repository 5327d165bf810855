"""Summary metrics of a run: pure functions over scenario results.

Scenario-level: `passed` means every repeat passed, so `pass_rate` is pass^N when `--repeat N`.
Trial-level rates (first-try valid, repair, degraded, citation, concession adherence) count every
repeat of every scenario.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence

from coach.evaluation.runner import ScenarioResult


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return round(ordered[rank - 1], 3)


def _rate(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


class Summary:
    """The summary of a run, accumulated one scenario result at a time, so that a run read back
    from disk (a batch run's results) is summarised without holding it in memory. Latencies are
    kept as a packed array of doubles (8 bytes a trial) for the exact percentiles."""

    def __init__(self) -> None:
        self.total = self.passed = self.repeat = 0
        self.trials = self.answered = 0
        self.first_try = self.repaired = self.degraded = self.cited = 0
        self.concession_checks = self.concession_passed = 0
        self.violations: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.latencies = array("d")
        self.prompt_tokens = self.completion_tokens = 0
        self.judge_prompt = self.judge_completion = 0
        self.cost = 0.0
        self.llm_calls = self.cache_hits = 0
        self.mean_passed = 0
        self.judge = _JudgeTally()

    def add(self, result: ScenarioResult) -> None:
        self.total += 1
        self.passed += result.passed
        self.repeat = max(self.repeat, len(result.trials))
        for t in result.trials:
            self.trials += 1
            self.mean_passed += t.passed
            self.violations.update(v.rule for v in t.violations)
            self.rejected.update(t.rejected)
            for c in t.checks:
                if c.name == "concession":
                    self.concession_checks += 1
                    self.concession_passed += c.passed
            self.prompt_tokens += t.usage.prompt_tokens
            self.completion_tokens += t.usage.completion_tokens
            self.cost += t.usage.cost_usd
            self.llm_calls += t.drafter_calls
            self.cache_hits += t.cache_hits
            if t.judge is not None:
                self.judge_prompt += t.judge.usage.prompt_tokens
                self.judge_completion += t.judge.usage.completion_tokens
                self.cost += t.judge.usage.cost_usd
                self.judge.add(t.judge)
            if t.error is not None:
                continue
            self.answered += 1
            self.first_try += t.attempts == 1 and not t.degraded
            self.repaired += t.attempts > 1
            self.degraded += t.degraded
            self.cited += bool(t.cited)
            self.latencies.append(t.latency_ms)

    def as_dict(self) -> dict[str, object]:
        n = self.trials
        repeat = self.repeat or 1
        latencies = self.latencies
        summary: dict[str, object] = {
            "total": self.total,
            "passed": self.passed,
            "failed": self.total - self.passed,
            "pass_rate": _rate(self.passed, self.total),
            "first_try_valid_rate": _rate(self.first_try, n),
            "repair_rate": _rate(self.repaired, n),
            "degraded_rate": _rate(self.degraded, n),
            "error_rate": _rate(n - self.answered, n),
            "citation_rate": _rate(self.cited, n),
            "concession_adherence": _rate(self.concession_passed, self.concession_checks),
            "violations_by_rule": dict(sorted(self.violations.items())),
            "rejected_drafts_by_rule": dict(sorted(self.rejected.items())),
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                           "max": round(max(latencies), 3) if latencies else 0.0},
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens,
                       "total": self.prompt_tokens + self.completion_tokens,
                       "judge_prompt": self.judge_prompt, "judge_completion": self.judge_completion},
            "cost_usd": round(self.cost, 6),
            "llm_calls": self.llm_calls,
            "cache_hits": self.cache_hits,
            "repeat": repeat,
        }
        if repeat > 1:
            summary["pass_pow_n"] = summary["pass_rate"]
            summary["mean_pass_rate"] = _rate(self.mean_passed, n)
        if self.judge.judged:
            summary["judge"] = self.judge.as_dict()
        return summary


class _JudgeTally:
    def __init__(self) -> None:
        self.judged = self.passed = self.errors = 0
        self.scores: dict[str, list[int]] = {}

    def add(self, verdict: object) -> None:
        self.judged += 1
        self.passed += bool(verdict.passed)  # type: ignore[attr-defined]
        self.errors += verdict.error is not None  # type: ignore[attr-defined]
        for name, score in verdict.scores.items():  # type: ignore[attr-defined]
            self.scores.setdefault(name, []).append(score)

    def as_dict(self) -> dict[str, object]:
        return {
            "judged": self.judged, "passed": self.passed, "errors": self.errors,
            "mean_scores": {k: round(sum(s) / len(s), 3) for k, s in sorted(self.scores.items())},
        }


def summarise(results: Sequence[ScenarioResult]) -> dict[str, object]:
    summary = Summary()
    for result in results:
        summary.add(result)
    return summary.as_dict()


def summarise_by_template(results: Sequence[ScenarioResult]) -> dict[str, dict[str, object]]:
    templates: dict[str, list[ScenarioResult]] = {}
    for r in results:
        templates.setdefault(r.template, []).append(r)
    return {name: summarise(group) for name, group in templates.items()}
