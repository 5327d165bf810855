"""`coach eval compare RUN_A RUN_B`: what got better, what broke, what changed between two runs.

Results are matched by scenario id when each run used a single template (so reply@v1 in run A is
compared with reply@v2 in run B), otherwise by (template, scenario id). A regression is a scenario
that passed in A and fails in B, or B's p50 latency beyond the margin over A's (coach.evaluation.latency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.evaluation.latency import DEFAULT_MARGIN, LatencyCheck, LatencyMargin, check_latency

_RATES = ("pass_rate", "first_try_valid_rate", "repair_rate", "degraded_rate", "citation_rate",
          "concession_adherence", "error_rate")


@dataclass
class Comparison:
    run_a: dict[str, Any]
    run_b: dict[str, Any]
    newly_failing: list[str] = field(default_factory=list)
    newly_passing: list[str] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    changed_replies: list[dict[str, str]] = field(default_factory=list)
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)
    metric_deltas: dict[str, dict[str, float]] = field(default_factory=dict)
    latency: LatencyCheck | str = "not compared"

    @property
    def latency_regression(self) -> bool:
        return isinstance(self.latency, LatencyCheck) and self.latency.regression

    @property
    def regression(self) -> bool:
        return bool(self.newly_failing) or self.latency_regression

    def as_dict(self) -> dict[str, object]:
        return {
            "run_a": self.run_a, "run_b": self.run_b, "regression": self.regression,
            "newly_failing": self.newly_failing, "newly_passing": self.newly_passing,
            "still_failing": self.still_failing, "changed_replies": self.changed_replies,
            "only_in_a": self.only_in_a, "only_in_b": self.only_in_b, "metric_deltas": self.metric_deltas,
            "latency_regression": self.latency_regression,
            "latency": self.latency.as_dict() if isinstance(self.latency, LatencyCheck) else self.latency,
        }


def _keyed(report: dict[str, Any], by_id: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in report.get("results", []):
        key = str(r.get("id")) if by_id else f"{r.get('template')}/{r.get('id')}"
        out[key] = r
    return out


def _templates(report: dict[str, Any]) -> set[str]:
    return {str(r.get("template")) for r in report.get("results", [])}


def _delta(a: object, b: object) -> dict[str, float] | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return {"a": a, "b": b, "delta": round(float(b) - float(a), 6)}
    return None


def metric_deltas(sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in ("total", "passed", *_RATES, "cost_usd", "llm_calls"):
        d = _delta(sa.get(name), sb.get(name))
        if d is not None:
            out[name] = d
    for group in ("latency_ms", "tokens"):
        ga, gb = sa.get(group) or {}, sb.get(group) or {}
        for name in sorted(set(ga) | set(gb)):
            d = _delta(ga.get(name, 0), gb.get(name, 0))
            if d is not None:
                out[f"{group}.{name}"] = d
    va, vb = sa.get("violations_by_rule") or {}, sb.get("violations_by_rule") or {}
    for rule in sorted(set(va) | set(vb)):
        d = _delta(va.get(rule, 0), vb.get(rule, 0))
        if d is not None:
            out[f"violations.{rule}"] = d
    return out


def compare(a: dict[str, Any], b: dict[str, Any], *, latency_margin: LatencyMargin | None = DEFAULT_MARGIN) -> Comparison:
    by_id = len(_templates(a)) <= 1 and len(_templates(b)) <= 1
    ka, kb = _keyed(a, by_id), _keyed(b, by_id)
    cmp = Comparison(run_a=a.get("run", {}), run_b=b.get("run", {}))
    for key in sorted(set(ka) | set(kb)):
        ra, rb = ka.get(key), kb.get(key)
        if ra is None:
            cmp.only_in_b.append(key)
            continue
        if rb is None:
            cmp.only_in_a.append(key)
            continue
        if ra.get("passed") and not rb.get("passed"):
            cmp.newly_failing.append(key)
        elif not ra.get("passed") and rb.get("passed"):
            cmp.newly_passing.append(key)
        elif not ra.get("passed") and not rb.get("passed"):
            cmp.still_failing.append(key)
        if ra.get("reply") != rb.get("reply"):
            cmp.changed_replies.append({"key": key, "a": str(ra.get("reply", "")), "b": str(rb.get("reply", ""))})
    cmp.metric_deltas = metric_deltas(a.get("summary", {}), b.get("summary", {}))
    cmp.latency = check_latency(a.get("summary", {}), b.get("summary", {}), latency_margin)
    return cmp


def _label(run: dict[str, Any]) -> str:
    templates = run.get("templates") or [run.get("template")]
    return f"{', '.join(str(t) for t in templates)} ({run.get('backend', '?')}, {run.get('model', '?')})"


def render_text(cmp: Comparison, *, max_replies: int = 20) -> str:
    lines = [f"A: {_label(cmp.run_a)}", f"B: {_label(cmp.run_b)}", ""]
    for title, keys in (("newly failing", cmp.newly_failing), ("newly passing", cmp.newly_passing),
                        ("still failing", cmp.still_failing), ("only in A", cmp.only_in_a),
                        ("only in B", cmp.only_in_b)):
        lines.append(f"{title}: {len(keys)}")
        lines.extend(f"  - {k}" for k in keys)
    lines.append(f"changed replies: {len(cmp.changed_replies)}")
    for change in cmp.changed_replies[:max_replies]:
        lines.append(f"  * {change['key']}")
        lines.append(f"    A: {_clip(change['a'])}")
        lines.append(f"    B: {_clip(change['b'])}")
    if len(cmp.changed_replies) > max_replies:
        lines.append(f"  ... and {len(cmp.changed_replies) - max_replies} more")
    lines.append("metrics (A -> B):")
    for name, d in cmp.metric_deltas.items():
        sign = "+" if d["delta"] > 0 else ""
        lines.append(f"  {name}: {d['a']} -> {d['b']} ({sign}{d['delta']})")
    latency = cmp.latency.describe() if isinstance(cmp.latency, LatencyCheck) else f"latency {cmp.latency}"
    lines.append(latency)
    lines.append(_verdict(cmp))
    return "\n".join(lines) + "\n"


def _verdict(cmp: Comparison) -> str:
    if not cmp.regression:
        return "no regression"
    reasons = [f"{len(cmp.newly_failing)} newly failing"] if cmp.newly_failing else []
    if cmp.latency_regression:
        reasons.append("p50 latency beyond the margin")
    return f"REGRESSION: {', '.join(reasons)}"


def _clip(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
