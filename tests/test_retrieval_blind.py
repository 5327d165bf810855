"""The floors of the blind retrieval rounds (tests/data/retrieval/blind_q*.yaml: paraphrased queries
over the bundled guidelines and the SOP corpus, written on 2026-12-01 by sessions that saw only the
documents). Each was measured once with `python benchmarks/bench_retrieval_blind.py FILE`; each
floor is the measured hit@3 less 0.05, rounded down. Never tune on these rounds.

- q1 (96 queries, 16 per corpus and script): hybrid hit@3 0.71 (bundled 0.60, SOP 0.81).
- q2 (120 queries, 20 per corpus and script), measured after the term bridge was settled: 0.80
  (bundled 0.70, SOP 0.90; main's method before it: 0.77, 0.67, 0.87).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval_blind import measure  # noqa: E402

FLOORS = {
    "blind_q1.yaml": {"all": 0.66, "bundled": 0.55, "sop": 0.76},
    "blind_q2.yaml": {"all": 0.75, "bundled": 0.65, "sop": 0.85},
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_blind_round_holds_its_floor(name: str) -> None:
    floors = FLOORS[name]
    hits = measure(ROOT / "tests" / "data" / "retrieval" / name, "hybrid")
    got = {"all": [h for v in hits.values() for h in v]}
    for (corpus, _), v in hits.items():
        got.setdefault(corpus, []).extend(v)
    below = {k: round(sum(v) / len(v), 3) for k, v in got.items() if sum(v) / len(v) < floors[k]}
    assert not below, f"{name}: hit@3 below the floor: {below} (floors {floors})"
