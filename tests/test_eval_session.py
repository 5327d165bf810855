"""A whole `coach eval run` over the fake backend: reports written, exit statuses, bad files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from coach.config import Settings
from coach.evaluation.session import EvalOptions, run_eval
from tests.fakes_eval import FakeSuggest, fake_backend

SET = """\
name: t
scenarios:
  - id: a
    description: opens by demanding a manager
    conversation: {locale: zh-CN, turns: [{role: customer, text: 叫你们领导来}]}
    expect: {must_match: ["帮您"]}
  - id: b
    description: asks for money
    conversation: {locale: en, turns: [{role: customer, text: I want 100 dollars}]}
    expect: {concession: none}
"""


@pytest.fixture(autouse=True)
def _real_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # the session uses the validator's checks; keep these tests about the session with the fakes
    from tests import fakes_eval

    monkeypatch.setattr("coach.evaluation.session.validate_reply", fakes_eval.fake_validate)
    monkeypatch.setattr("coach.evaluation.session.reply_concessions", fakes_eval.fake_concessions)


def run(tmp_path: Path, suggest: FakeSuggest, paths: list[str], **kw: object) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    options = EvalOptions(paths=paths, out=tmp_path / "run", **kw)  # type: ignore[arg-type]
    code = run_eval(options, Settings(_env_file=None), factory=fake_backend(suggest), err=err, out=out)
    return code, err.getvalue(), out.getvalue()


def test_all_pass_writes_three_reports(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SET, encoding="utf-8")
    code, err, out = run(tmp_path, FakeSuggest(), [str(tmp_path / "s.yaml")], backend="offline")
    assert code == 0, err
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["passed"] == 2 and report["run"]["backend"] == "offline"
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "2/2 passed" in (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "2/2 passed" in out and "2/2" in err  # progress bar on stderr


def test_some_fail_exit_1_and_matrix(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SET, encoding="utf-8")
    suggest = FakeSuggest(reply_fn=lambda c: "给您100元" if c.template == "reply@v2" else "我帮您")
    code, _, _ = run(tmp_path, suggest, [str(tmp_path)], templates=["reply@v1", "reply@v2"], repeat=2)
    assert code == 1
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["templates"] == ["reply@v1", "reply@v2"] and report["run"]["repeat"] == 2
    assert report["summary"]["by_template"]["reply@v1"]["pass_rate"] == 1.0
    assert report["summary"]["by_template"]["reply@v2"]["pass_rate"] == 0.0


def test_bad_file_is_reported_and_others_run(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SET, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(SET.replace("id: a", "id: a2").replace("id: b", "id: b2")
                                       .replace("concession: none", "concession: never"), encoding="utf-8")
    code, err, _ = run(tmp_path, FakeSuggest(), [str(tmp_path)])
    assert code == 1
    assert "bad.yaml:10: scenarios.1.expect.concession" in err
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["total"] == 2 and report["load_errors"][0]["line"] == 10


def test_only_and_tag_select_scenarios(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SET.replace("    description: asks for money\n",
                                                 "    description: asks for money\n    tags: [money]\n"), encoding="utf-8")
    suggest = FakeSuggest()
    code, _, _ = run(tmp_path, suggest, [str(tmp_path)], only=["a*"])
    assert code == 0 and [c.conversation_id for c in suggest.seen] == ["a"]
    suggest = FakeSuggest()
    run(tmp_path, suggest, [str(tmp_path)], tags=["money"])
    assert [c.conversation_id for c in suggest.seen] == ["b"]
    code, err, _ = run(tmp_path, FakeSuggest(), [str(tmp_path)], only=["zzz"])
    assert code == 2 and "matched --only/--tag" in err


@pytest.mark.parametrize(
    ("paths", "kw", "message"),
    [(["missing.yaml"], {}, "no scenario could be loaded"),
     (["SET"], {"templates": ["reply@v9"]}, "no prompt template"),
     (["SET"], {"judge": True}, "--judge needs an LLM endpoint"),
     (["SET"], {"repeat": 0}, "at least 1")],
)
def test_cannot_start_exits_2(tmp_path: Path, paths: list[str], kw: dict, message: str) -> None:
    (tmp_path / "s.yaml").write_text(SET, encoding="utf-8")
    paths = [str(tmp_path / "s.yaml") if p == "SET" else str(tmp_path / p) for p in paths]
    code, err, _ = run(tmp_path, FakeSuggest(), paths, **kw)
    assert code == 2 and message in err
    assert not (tmp_path / "run" / "report.json").exists()


def test_judge_is_recorded_in_the_run(tmp_path: Path) -> None:
    import httpx
    import respx

    verdict = {"empathy": 4, "principle": 4, "helpfulness": 2, "rubric": 4, "passed": True, "reasons": "不够具体"}
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "j",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(verdict, ensure_ascii=False)}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 5, "total_tokens": 35}}
    (tmp_path / "s.yaml").write_text(SET.replace('expect: {must_match: ["帮您"]}',
                                                 'expect: {must_match: ["帮您"], judge: 先安抚再帮忙}'), encoding="utf-8")
    settings = Settings(_env_file=None, OPENAI_BASE_URL="http://judge.test/v1", COACH_MODEL="judge-m")  # type: ignore[call-arg]
    with respx.mock:
        route = respx.post("http://judge.test/v1/chat/completions").mock(return_value=httpx.Response(200, json=body))
        err, out = io.StringIO(), io.StringIO()
        options = EvalOptions(paths=[str(tmp_path / "s.yaml")], out=tmp_path / "run", judge=True, use_cache=False)
        code = run_eval(options, settings, factory=fake_backend(FakeSuggest()), err=err, out=out)
    assert code == 1 and route.call_count == 1  # helpfulness 2 < 3 fails the judged scenario
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["judge"] == {"model": "judge-m", "template": "judge@v1"}
    judged = next(r for r in report["results"] if r["id"] == "a")
    assert judged["judge"]["reasons"] == "不够具体" and not judged["passed"]
    assert report["summary"]["judge"]["judged"] == 1 and report["summary"]["tokens"]["judge_prompt"] == 30
