"""The held-out floors' check, shared by the two halves of the rounds (test_rules_heldout.py and
test_rules_heldout_newer.py): the rounds are split in two files so that the test runner's workers
validate them side by side (each round's drafts take about 5 s of one core; all of them together
would be the suite's longest file).

Each round was written by someone who saw only the rule definitions, never the word lists, the
training clauses or the model; it is measured once after tuning and never trained or tuned on. Its
measured precision and recall per rule and script (both tiers) are pinned in floors.yaml, so a
change that makes the validator worse on data it never saw fails here. A new measurement needs a
new round, written blind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_validate_accuracy import load, measure  # noqa: E402

from coach.rules import DEFAULT_VALIDATOR  # noqa: E402

HELDOUT = ROOT / "tests" / "data" / "rules" / "heldout"
FLOORS = yaml.safe_load((HELDOUT / "floors.yaml").read_text(encoding="utf-8"))["rounds"]
ROUNDS = sorted(FLOORS)
HALVES = (ROUNDS[0::2], ROUNDS[1::2])  # alternate rounds: both halves hold old and new ones


def measure_rounds(names: list[str]) -> dict[str, dict]:
    """Each round's counts, one round after another on this worker's one thread: the other half
    runs on another worker, and a second thread here would starve the suite's real servers of the
    machine's two cores (a first suggestion timed out at 30 s that way)."""
    return {name: measure(DEFAULT_VALIDATOR, [c for f in FLOORS[name]["files"] for c in load(HELDOUT / f)])[0]
            for name in names}


def below_floors(round_name: str, counts: dict) -> list[str]:
    """The cells of a round under their pinned floors, said in words."""
    below = []
    for key, floor in FLOORS[round_name]["floors"].items():
        rule, script = key.split("/")
        cells = [v for (r, s), v in counts.items() if r == rule and (script == "all" or s == script)]
        tp = sum(c[0] for c in cells)
        fp = sum(c[1] for c in cells)
        fn = sum(c[2] for c in cells)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        if precision < floor["precision"] or recall < floor["recall"]:
            below.append(f"{key}: precision {precision:.3f} (floor {floor['precision']}), recall {recall:.3f} (floor {floor['recall']})")
    return below


def half(n: int) -> tuple:
    """The fixture and the test of half n of the rounds, for a test file to bind at module level."""
    import pytest

    @pytest.fixture(scope="module")
    def measured() -> dict[str, dict]:
        return measure_rounds(HALVES[n])

    @pytest.mark.parametrize("round_name", HALVES[n])
    def test_floors_hold_on_an_untouched_round(round_name: str, measured: dict[str, dict]) -> None:
        below = below_floors(round_name, measured[round_name])
        assert not below, "\n".join(below)

    return measured, test_floors_hold_on_an_untouched_round
