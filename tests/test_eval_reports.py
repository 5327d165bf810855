"""report.json (contract shape), report.html (self-contained, matrix, highlighted spans), report.md."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from coach.evaluation.report_html import highlight, render_html
from coach.evaluation.report_json import build_report, load_report, write_json
from coach.evaluation.report_md import render_markdown
from coach.evaluation.runner import Runner, RunOptions
from tests.fakes_eval import FakeSuggest, fake_concessions, fake_validate
from tests.test_eval_runner import REPLIES, SCENARIOS


async def make_report(templates: tuple[str, ...] = ("reply@v1",), repeat: int = 1) -> dict:
    results = await Runner(FakeSuggest(REPLIES), fake_validate, fake_concessions).run(
        SCENARIOS, RunOptions(templates=templates, repeat=repeat))
    return build_report(results, {"backend": "offline", "started": "2026-01-01T00:00:00+00:00", "duration_s": 0.1})


async def test_report_json_has_the_contract_shape(tmp_path) -> None:
    report = await make_report()
    assert set(report["run"]) >= {"template", "model", "backend", "started", "duration_s"}
    assert report["run"]["template"] == "reply@v1" and report["run"]["model"] == "fake-model"
    assert set(report["summary"]) >= {"total", "passed", "pass_rate", "first_try_valid_rate", "violations_by_rule",
                                      "latency_ms", "repair_rate", "degraded_rate", "citation_rate",
                                      "concession_adherence", "tokens", "cost_usd"}
    assert set(report["summary"]["latency_ms"]) >= {"p50", "p95"}
    first = report["results"][0]
    assert set(first) >= {"id", "passed", "reply", "attempts", "degraded", "violations", "checks"}
    assert set(first["checks"][0]) == {"name", "passed", "detail"}
    exposes = next(r for r in report["results"] if r["id"] == "exposes")
    assert exposes["violations"][0]["span"] == [6, 10] and exposes["violations"][0]["rule"] == "authority_exposure"
    path = write_json(report, tmp_path / "run")
    assert load_report(tmp_path / "run") == load_report(path)


async def test_repeat_adds_trials_and_pass_pow_n() -> None:
    report = await make_report(repeat=2)
    assert report["summary"]["pass_pow_n"] == report["summary"]["pass_rate"]
    assert all(len(r["trials"]) == 2 for r in report["results"])


async def test_html_is_self_contained_with_matrix_and_marks() -> None:
    report = await make_report(templates=("reply@v1", "reply@v2"))
    page = render_html(report)
    assert "<style>" in page and "<script>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing may be fetched"
    assert "<th>reply@v1</th><th>reply@v2</th>" in page
    assert '<mark title="authority_exposure' in page and ">无能为力</mark>" in page
    assert 'id="only-failing"' in page and 'data-passed="false"' in page
    assert "by_template" in report["summary"] and set(report["summary"]["by_template"]) == {"reply@v1", "reply@v2"}


async def test_markdown_lists_failures_briefly() -> None:
    md = render_markdown(await make_report())
    assert md.startswith("## coach eval: 2/4 passed (50.0%)")
    assert "`exposes` [reply@v1]: rules_clean" in md and "`concedes`" in md and "`good`" not in md


@given(st.text(max_size=40), st.lists(st.tuples(st.integers(-5, 50), st.integers(-5, 50)), max_size=4))
def test_highlight_never_loses_or_invents_text(text: str, spans: list[tuple[int, int]]) -> None:
    violations = [{"span": [a, b], "rule": "r", "hint": "h"} for a, b in spans]
    marked = highlight(text, violations)
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", marked)) == text
