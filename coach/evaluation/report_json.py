"""report.json: the run, its summary and one result per scenario (and template), as the contract
shows, plus the fields the HTML report and `coach eval compare` need."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coach.errors import InvalidInput, NotFound
from coach.evaluation.metrics import summarise, summarise_by_template
from coach.evaluation.runner import JudgeVerdict, ScenarioResult, Trial
from coach.evaluation.scenarios import LoadError

REPORT_NAME = "report.json"


def _violation(v: Any) -> dict[str, object]:
    return {"rule": v.rule, "severity": v.severity, "message": v.message, "span": list(v.span),
            "evidence": v.evidence, "hint": v.hint}


def _judge(verdict: JudgeVerdict | None) -> dict[str, object] | None:
    if verdict is None:
        return None
    return {"passed": verdict.passed, "scores": verdict.scores, "reasons": verdict.reasons, "error": verdict.error}


def _trial(t: Trial) -> dict[str, object]:
    return {
        "passed": t.passed, "reply": t.reply, "attempts": t.attempts, "degraded": t.degraded,
        "degraded_reason": t.degraded_reason, "source": t.source, "citations": list(t.citations),
        "violations": [_violation(v) for v in t.violations], "checks": [c.as_dict() for c in t.checks],
        "latency_ms": round(t.latency_ms, 3), "error": t.error, "judge": _judge(t.judge),
    }


def result_dict(r: ScenarioResult) -> dict[str, object]:
    first = r.trials[0]
    scenario = r.item.scenario
    out: dict[str, object] = {
        "id": scenario.id,
        "template": r.template,
        "passed": r.passed,
        "reply": first.reply,
        "attempts": first.attempts,
        "degraded": first.degraded,
        "degraded_reason": first.degraded_reason,
        "violations": [_violation(v) for v in first.violations],
        "checks": [c.as_dict() for c in first.checks],
        "source": first.source,
        "citations": list(first.citations),
        "cited_passages": [{"id": p.id, "source": p.source, "title": p.title, "text": p.text} for p in first.cited],
        "rejected_drafts_by_rule": first.rejected,
        "latency_ms": round(first.latency_ms, 3),
        "usage": first.usage.model_dump(),
        "error": first.error,
        "judge": _judge(first.judge),
        "pass_rate": round(r.pass_rate, 4),
        "description": scenario.description,
        "file": r.item.file,
        "line": r.item.line,
        "set": r.item.set_name,
        "locale": scenario.conversation.locale,
        "conversation": [t.model_dump() for t in scenario.conversation.turns],
        "expect": scenario.expect.model_dump(),
    }
    if len(r.trials) > 1:
        out["trials"] = [_trial(t) for t in r.trials]
    return out


def build_report(results: Sequence[ScenarioResult], run: dict[str, object],
                 load_errors: Sequence[LoadError] = ()) -> dict[str, object]:
    summary = summarise(results)
    templates = list(dict.fromkeys(r.template for r in results))
    if len(templates) > 1:
        summary["by_template"] = summarise_by_template(results)
    run = dict(run)
    run.setdefault("template", templates[0] if templates else None)
    run["templates"] = templates
    models = sorted({t.model for r in results for t in r.trials if t.model})
    run.setdefault("model", models[0] if len(models) == 1 else ",".join(models))
    return {
        "run": run,
        "summary": summary,
        "load_errors": [{"file": e.file, "line": e.line, "message": e.message} for e in load_errors],
        "results": [result_dict(r) for r in results],
    }


def write_json(report: dict[str, object], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_report(path: str | Path) -> dict[str, Any]:
    """A run's report.json, given the run folder or the file itself."""
    p = Path(path)
    if p.is_dir():
        p = p / REPORT_NAME
    if not p.is_file():
        raise NotFound(f"no run report at {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{p} is not a readable report.json: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise InvalidInput(f"{p} is not a run report (no `results` list)")
    return data
