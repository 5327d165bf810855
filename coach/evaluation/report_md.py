"""report.md: a short summary of a run, fit to paste into a pull request."""

from __future__ import annotations

from typing import Any

_ROWS = (
    ("pass rate", "pass_rate", "pct"), ("passed", "passed", "int"), ("total", "total", "int"),
    ("first-try valid", "first_try_valid_rate", "pct"), ("repair rate", "repair_rate", "pct"),
    ("degraded rate", "degraded_rate", "pct"), ("citation rate", "citation_rate", "pct"),
    ("concession adherence", "concession_adherence", "pct"), ("pass^N", "pass_pow_n", "pct"),
    ("mean pass rate (trials)", "mean_pass_rate", "pct"),
)


def _fmt(value: object, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
    return str(value)


def _summaries(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    summary = report["summary"]
    by_template = summary.get("by_template")
    if by_template:
        return dict(by_template)
    return {str(report["run"].get("template")): summary}


def render_markdown(report: dict[str, Any], *, max_failures: int = 30) -> str:
    run, summary = report["run"], report["summary"]
    lines = [
        f"## coach eval: {summary['passed']}/{summary['total']} passed ({summary['pass_rate'] * 100:.1f}%)",
        "",
        f"backend `{run.get('backend')}`, model `{run.get('model')}`, repeat {run.get('repeat', 1)}, "
        f"{run.get('duration_s')} s, started {run.get('started')}",
    ]
    if run.get("judge"):
        lines.append(f"judge: `{run['judge'].get('model')}` with `{run['judge'].get('template')}`")
    sums = _summaries(report)
    lines += ["", "| metric | " + " | ".join(f"`{t}`" for t in sums) + " |",
              "| --- | " + " | ".join("---" for _ in sums) + " |"]
    for label, key, kind in _ROWS:
        if any(s.get(key) is not None for s in sums.values()):
            lines.append(f"| {label} | " + " | ".join(_fmt(s.get(key), kind) for s in sums.values()) + " |")
    lines.append("| latency p50 / p95 (ms) | " + " | ".join(
        f"{s['latency_ms']['p50']:.0f} / {s['latency_ms']['p95']:.0f}" for s in sums.values()) + " |")
    lines.append("| tokens (prompt + completion) | " + " | ".join(
        f"{s['tokens']['prompt']} + {s['tokens']['completion']}" for s in sums.values()) + " |")
    lines.append("| cost (USD) | " + " | ".join(f"{s['cost_usd']:.4f}" for s in sums.values()) + " |")
    if summary.get("violations_by_rule"):
        lines += ["", "violations in final replies: " + ", ".join(
            f"`{k}` {v}" for k, v in summary["violations_by_rule"].items())]
    failures: list[dict[str, Any]] = []  # the first max_failures; one pass, so results may be a stream
    failed = 0
    for r in report["results"]:
        if not r["passed"]:
            failed += 1
            if len(failures) < max_failures:
                failures.append(r)
    if failed:
        lines += ["", f"### failing ({failed})", ""]
        for r in failures:
            why = "; ".join(f"{c['name']}: {c['detail']}" for c in r["checks"] if not c["passed"]) or r.get("error")
            lines.append(f"- `{r['id']}` [{r['template']}]: {why}")
        if failed > max_failures:
            lines.append(f"- ... and {failed - max_failures} more (see report.html)")
    if report.get("load_errors"):
        lines += ["", "### scenario files with errors", ""]
        for e in report["load_errors"]:
            where = f"{e['file']}:{e['line']}" if e.get("line") else e["file"]
            lines.append(f"- `{where}`: {e['message']}")
    return "\n".join(lines) + "\n"
