"""`coach eval compare`: newly failing/passing, changed replies, metric deltas, exit status."""

from __future__ import annotations

import json
from pathlib import Path

from coach.cli import main
from coach.evaluation.compare import compare, render_text


def report(results: list[tuple[str, bool, str]], template: str = "reply@v1", pass_rate: float = 0.5) -> dict:
    return {
        "run": {"template": template, "templates": [template], "backend": "offline", "model": "m"},
        "summary": {"total": len(results), "passed": sum(p for _, p, _ in results), "pass_rate": pass_rate,
                    "latency_ms": {"p50": 1.0, "p95": 2.0}, "violations_by_rule": {"authority_exposure": 1},
                    "tokens": {"prompt": 10, "completion": 5, "total": 15}, "cost_usd": 0.0},
        "results": [{"id": i, "template": template, "passed": p, "reply": r} for i, p, r in results],
    }


A = report([("a", True, "x"), ("b", False, "y"), ("c", True, "z"), ("d", False, "w")])
B = report([("a", False, "x2"), ("b", True, "y"), ("c", True, "z"), ("e", True, "v")], template="reply@v2",
           pass_rate=0.75)


def test_compare_single_template_runs_by_id() -> None:
    cmp = compare(A, B)
    assert cmp.newly_failing == ["a"] and cmp.newly_passing == ["b"]
    assert cmp.only_in_a == ["d"] and cmp.only_in_b == ["e"]
    assert [c["key"] for c in cmp.changed_replies] == ["a"]
    assert cmp.metric_deltas["pass_rate"] == {"a": 0.5, "b": 0.75, "delta": 0.25}
    assert cmp.metric_deltas["violations.authority_exposure"]["delta"] == 0
    assert cmp.regression
    text = render_text(cmp)
    assert "newly failing: 1\n  - a" in text and "REGRESSION" in text


def test_matrix_runs_compare_by_template_and_id() -> None:
    a = report([("a", True, "x")])
    a["results"].append({"id": "a", "template": "reply@v2", "passed": True, "reply": "q"})
    b = report([("a", True, "x")])
    b["results"].append({"id": "a", "template": "reply@v2", "passed": False, "reply": "q"})
    assert compare(a, b).newly_failing == ["reply@v2/a"]


def test_cli_exit_status(tmp_path: Path, capsys) -> None:
    for name, data in (("a", A), ("b", B)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--fail-on-regression"]) == 1
    assert main(["eval", "compare", str(tmp_path / "b"), str(tmp_path / "b"), "--fail-on-regression"]) == 0
    capsys.readouterr()
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b" / "report.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["newly_failing"] == ["a"]
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "missing")]) == 2
