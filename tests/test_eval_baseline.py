"""The pinned offline baseline (eval/baselines/offline) still describes the shipped sets, and the
offline backend still answers as it did: same pass/fail, same reply, same citations.

A deterministic sample of scenarios runs by default (the offline drafter is deterministic, so any
drift shows); COACH_EVAL_FULL_BASELINE=1 runs every scenario. Regenerate the baseline with
    coach eval run eval/scenarios --backend offline --out eval/baselines/offline --no-progress
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from coach.config import Settings
from coach.evaluation.backend import build_backend, reply_concessions, validate_reply
from coach.evaluation.report_json import result_dict
from coach.evaluation.runner import Runner, RunOptions
from coach.evaluation.scenarios import load_paths

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "eval" / "baselines" / "offline" / "report.json"
SAMPLE_EVERY = 9  # about a dozen scenarios, spread over every set


@pytest.fixture(scope="module")
def baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shipped() -> list:
    loaded = load_paths([ROOT / "eval" / "scenarios"])
    assert not loaded.errors
    return list(loaded.scenarios)


def test_baseline_covers_exactly_the_shipped_scenarios(baseline: dict, shipped: list) -> None:
    assert baseline["run"]["backend"] == "offline"
    errored = [r["id"] for r in baseline["results"] if r.get("error")]
    assert not errored, f"the baseline was generated while the pipeline failed: {errored[:3]}"
    assert sorted(r["id"] for r in baseline["results"]) == sorted(s.scenario.id for s in shipped), (
        "eval/baselines/offline is stale: regenerate it (see eval/README.md)")


def test_offline_backend_still_matches_the_baseline(baseline: dict, shipped: list) -> None:
    full = os.environ.get("COACH_EVAL_FULL_BASELINE") == "1"
    items = shipped if full else shipped[::SAMPLE_EVERY]
    retrieval = baseline["run"].get("retrieval", "auto")
    backend = build_backend(Settings(_env_file=None), "offline", None, retrieval)
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
