"""The runner over a fake suggest function: checks, matrix, repeats, concurrency, errors."""

from __future__ import annotations

from coach.errors import LLMError
from coach.evaluation.metrics import percentile, summarise
from coach.evaluation.runner import JudgeVerdict, Runner, RunOptions
from coach.evaluation.scenarios import Expect, LoadedScenario, Scenario
from coach.types import Conversation, Turn
from tests.fakes_eval import FakeSuggest, fake_concessions, fake_validate


def item(sid: str, expect: Expect | None = None, text: str = "叫你们领导来！") -> LoadedScenario:
    conv = Conversation(locale="zh-CN", turns=(Turn(role="customer", text=text),))
    return LoadedScenario(Scenario(id=sid, description=f"scenario {sid}", conversation=conv,
                                   expect=expect or Expect()), file="x.yaml", set_name="s", line=1)


SCENARIOS = [
    item("good", Expect(concession="none", must_match=["帮您"], cites_any=["找领导"])),
    item("exposes", Expect()),
    item("concedes", Expect(concession="none")),
    item("must-concede", Expect(concession="required")),
]
REPLIES = {
    "good": "我理解您的心情，我马上帮您查看处理。",
    "exposes": "这件事我真的无能为力。",
    "concedes": "给您补偿20元。",
    "must-concede": "我理解，先给您20元代金券。",
}


async def test_each_scenario_is_checked_against_its_expectations() -> None:
    suggest = FakeSuggest(REPLIES)
    results = await Runner(suggest, fake_validate, fake_concessions).run(SCENARIOS, RunOptions())
    outcome = {r.item.scenario.id: r.passed for r in results}
    assert outcome == {"good": True, "exposes": False, "concedes": False, "must-concede": True}
    exposes = next(r for r in results if r.item.scenario.id == "exposes").trials[0]
    assert exposes.violations[0].evidence == "无能为力"
    assert [s.conversation_id for s in suggest.seen] == [s.scenario.id for s in SCENARIOS]
    summary = summarise(results)
    assert summary["total"] == 4 and summary["passed"] == 2 and summary["pass_rate"] == 0.5
    assert summary["violations_by_rule"] == {"authority_exposure": 1}
    assert summary["concession_adherence"] == 0.6667
    assert summary["citation_rate"] == 1.0 and summary["tokens"]["total"] == 480


async def test_template_matrix_and_repeats() -> None:
    suggest = FakeSuggest(reply_fn=lambda c: "我帮您" if c.template == "reply@v2" else "无能为力")
    options = RunOptions(templates=("reply@v1", "reply@v2"), repeat=3)
    results = await Runner(suggest, fake_validate, fake_concessions).run(SCENARIOS[:2], options)
    assert len(suggest.seen) == 2 * 2 * 3
    assert {(r.template, r.item.scenario.id, len(r.trials)) for r in results} == {
        ("reply@v1", "good", 3), ("reply@v1", "exposes", 3), ("reply@v2", "good", 3), ("reply@v2", "exposes", 3)}
    summary = summarise(results)
    assert summary["repeat"] == 3 and summary["pass_pow_n"] == summary["pass_rate"]


async def test_pass_pow_n_is_stricter_than_the_mean() -> None:
    calls = {"n": 0}

    def flaky(_: Conversation) -> str:
        calls["n"] += 1
        return "无能为力" if calls["n"] % 2 == 0 else "我帮您"

    results = await Runner(FakeSuggest(reply_fn=flaky), fake_validate, fake_concessions).run(
        [item("f")], RunOptions(repeat=4, concurrency=1))
    assert results[0].pass_rate == 0.5 and not results[0].passed
    summary = summarise(results)
    assert summary["pass_pow_n"] == 0.0 and summary["mean_pass_rate"] == 0.5


async def test_concurrency_is_bounded_and_used() -> None:
    suggest = FakeSuggest(delay=0.01)
    items = [item(f"s{i}") for i in range(40)]
    await Runner(suggest, fake_validate, fake_concessions).run(items, RunOptions(concurrency=5))
    assert suggest.max_in_flight == 5


async def test_a_failing_call_fails_its_scenario_only() -> None:
    suggest = FakeSuggest(errors={"exposes": LLMError("endpoint down")})
    seen: list[bool] = []
    results = await Runner(suggest, fake_validate, fake_concessions, progress=seen.append).run(SCENARIOS[:2], RunOptions())
    by_id = {r.item.scenario.id: r for r in results}
    assert by_id["good"].passed and not by_id["exposes"].passed
    assert "endpoint down" in (by_id["exposes"].trials[0].error or "")
    assert sorted(seen) == [False, True]
    assert summarise(results)["error_rate"] == 0.5


async def test_a_crashing_check_or_judge_fails_its_scenario_only() -> None:
    def broken_validate(*args: object) -> None:
        raise ValueError("validator bug")

    results = await Runner(FakeSuggest(), broken_validate, fake_concessions).run(SCENARIOS[:2], RunOptions())  # type: ignore[arg-type]
    assert all(not r.passed and "validator bug" in (r.trials[0].error or "") for r in results)
    assert results[0].trials[0].checks[0].name == "checks"

    async def broken_judge(it: LoadedScenario, reply: str, sample: int) -> JudgeVerdict:
        raise RuntimeError("judge bug")

    results = await Runner(FakeSuggest(), fake_validate, fake_concessions, judge=broken_judge).run(
        [item("j", Expect(judge="r"))], RunOptions())
    assert results[0].trials[0].checks[0].name == "judge" and not results[0].passed


async def test_judge_runs_only_for_scenarios_with_a_rubric() -> None:
    asked: list[str] = []

    async def judge(it: LoadedScenario, reply: str, sample: int) -> JudgeVerdict:
        asked.append(it.scenario.id)
        return JudgeVerdict(passed=False, scores={"empathy": 2}, reasons="太冷淡")

    items = [item("j", Expect(judge="先安抚情绪")), item("nj")]
    results = await Runner(FakeSuggest(), fake_validate, fake_concessions, judge=judge).run(items, RunOptions())
    assert asked == ["j"]
    by_id = {r.item.scenario.id: r for r in results}
    assert not by_id["j"].passed and by_id["nj"].passed
    assert by_id["j"].trials[0].checks[-1].detail == "太冷淡"
    assert summarise(results)["judge"]["mean_scores"] == {"empathy": 2.0}


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0


def test_progress_bar_redraws_on_a_terminal_and_prints_a_few_lines_otherwise() -> None:
    import io

    from coach.evaluation.progress import ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = ProgressBar(4, tty)
    for passed in (True, False, True, True):
        bar(passed)
    bar.close()
    assert tty.getvalue().count("\r") == 4 and "4/4 failed 1" in tty.getvalue()
    plain = io.StringIO()
    bar = ProgressBar(100, plain)
    for _ in range(100):
        bar(True)
    assert 3 <= plain.getvalue().count("\n") <= 6 and "100/100" in plain.getvalue()
