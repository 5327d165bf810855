"""The pinned offline baseline (eval/baselines/offline) still describes the shipped sets (the same
files, the same scenario ids), and the offline backend still answers as it did: same pass/fail,
same reply, same citations. A file that does not belong in eval/scenarios/ is named.

A deterministic sample of scenarios runs by default (the offline drafter is deterministic, so any
drift shows); COACH_EVAL_FULL_BASELINE=1 runs every scenario. Regenerate the baseline with
    coach eval run eval/scenarios --backend offline --out eval/baselines/offline --no-progress
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from coach.config import Settings
from coach.evaluation.backend import build_backend, reply_concessions, validate_reply
from coach.evaluation.report_json import result_dict
from coach.evaluation.runner import Runner, RunOptions
from coach.evaluation.scenarios import discover, load_paths

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = Path("eval") / "scenarios"
BASELINE = ROOT / "eval" / "baselines" / "offline" / "report.json"
REGENERATE = "regenerate the baseline as eval/README.md shows"
SAMPLE_EVERY = 9  # about a dozen scenarios, spread over every set


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shipped() -> list:
    loaded = load_paths([ROOT / SCENARIOS])
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return list(loaded.scenarios)


def _from_eval(file: str) -> str:
    """A pinned file as eval/scenarios/..., whether the baseline was made with a relative or absolute path."""
    posix = Path(file).as_posix()
    at = posix.rfind(SCENARIOS.as_posix() + "/")
    return posix[at:] if at >= 0 else posix


def scenario_file_problems(root: Path, pinned: Iterable[str]) -> list[str]:
    """Each file under root/eval/scenarios/ the baseline does not pin, and each pinned file that is gone."""
    found = {f.relative_to(root).as_posix() for f in discover([root / SCENARIOS])[0]}
    pinned = {_from_eval(f) for f in pinned}
    problems = [
        f"{f} is not one of the shipped scenario sets (the baseline pins {len(pinned)} files): move it out of "
        f"{SCENARIOS.as_posix()}/ (feedback exports go elsewhere, e.g. runs/feedback.yaml), "
        f"or, if it is meant to ship, {REGENERATE}"
        for f in sorted(found - pinned)
    ]
    problems += [f"{f} is pinned by the baseline but missing: restore it or {REGENERATE}" for f in sorted(pinned - found)]
    return problems


def test_scenario_folder_holds_exactly_the_pinned_files(baseline: dict) -> None:
    problems = scenario_file_problems(ROOT, baseline["run"]["scenario_files"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("add", "remove", "named"),
    [
        (["from-feedback.yaml"], [], ["eval/scenarios/from-feedback.yaml is not one of the shipped scenario sets"]),
        (["exports/cases.json", "notes.yml"], [],
         ["eval/scenarios/exports/cases.json is not one", "eval/scenarios/notes.yml is not one"]),
        ([], ["warranty.yaml"], ["eval/scenarios/warranty.yaml is pinned by the baseline but missing"]),
        (["README.md"], [], []),  # not a scenario file: `coach eval run` does not read it either
    ],
)
def test_unexpected_scenario_files_are_named(tmp_path: Path, baseline: dict, add: list[str], remove: list[str],
                                             named: list[str]) -> None:
    for pinned in baseline["run"]["scenario_files"]:  # the shipped sets as pinned, whatever lies in ROOT
        (tmp_path / pinned).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / pinned, tmp_path / pinned)
    for name in add:
        (tmp_path / SCENARIOS / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / SCENARIOS / name).write_text("name: stray\nscenarios: []\n", encoding="utf-8")
    for name in remove:
        (tmp_path / SCENARIOS / name).unlink()
    problems = scenario_file_problems(tmp_path, baseline["run"]["scenario_files"])
    assert len(problems) == len(named)
    for problem, fragment in zip(problems, named):
        assert problem.startswith(fragment)


def test_baseline_covers_exactly_the_shipped_scenarios(baseline: dict, shipped: list) -> None:
    assert baseline["run"]["backend"] == "offline"
    errored = [r["id"] for r in baseline["results"] if r.get("error")]
    assert not errored, f"the baseline was generated while the pipeline failed: {errored[:3]}"
    pinned = {r["id"]: r.get("file") for r in baseline["results"]}
    now = {s.scenario.id: Path(s.file).resolve().relative_to(ROOT).as_posix() for s in shipped}
    stale = [f"{i} ({now[i]}) is not in the baseline" for i in sorted(set(now) - set(pinned))]
    stale += [f"{i} ({pinned[i]}) is in the baseline but no longer shipped" for i in sorted(set(pinned) - set(now))]
    assert not stale, ("eval/scenarios/ and eval/baselines/offline disagree (if the shipped sets changed on "
                       "purpose, " + REGENERATE + "):\n" + "\n".join(stale))


def test_offline_backend_still_matches_the_baseline(baseline: dict, shipped: list) -> None:
    full = os.environ.get("COACH_EVAL_FULL_BASELINE") == "1"
    items = shipped if full else shipped[::SAMPLE_EVERY]
    retrieval = baseline["run"].get("retrieval", "auto")
    backend = build_backend(Settings(_env_file=None), "offline", None, retrieval)
    if backend.prepare is not None:  # as `coach eval run` does: every query text, in its fixed batches
        done = backend.prepare([item.scenario.conversation.turns for item in shipped])
        if done is not None:
            done.result(300)
    runner = Runner(backend.suggest, validate_reply, reply_concessions)
    results = asyncio.run(runner.run(items, RunOptions(concurrency=4)))
    pinned = {r["id"]: r for r in baseline["results"]}
    drift = []
    for result in results:
        now, then = result_dict(result), pinned[result.item.scenario.id]
        for key in ("passed", "reply", "citations"):
            if now[key] != then[key]:
                drift.append(f"{now['id']}.{key}: {then[key]!r} -> {now[key]!r}")
    assert not drift, "offline output drifted from eval/baselines/offline (regenerate if intended):\n" + "\n".join(drift)
