"""The floor of the blind retrieval round q1 (tests/data/retrieval/blind_q1.yaml: 96 paraphrased
queries over the bundled guidelines and the SOP corpus, 16 per corpus and script, written on
2026-12-01 by a session that saw only the documents). Measured once, with
`python benchmarks/bench_retrieval_blind.py tests/data/retrieval/blind_q1.yaml`: hybrid hit@3 0.71
(bundled 0.60, SOP 0.81). Each floor is that less 0.05, rounded down; never tune on this round."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval_blind import measure  # noqa: E402

FLOORS = {"all": 0.66, "bundled": 0.55, "sop": 0.76}


def test_the_blind_round_holds_its_floor() -> None:
    hits = measure(ROOT / "tests" / "data" / "retrieval" / "blind_q1.yaml", "hybrid")
    got = {"all": [h for v in hits.values() for h in v]}
    for (corpus, _), v in hits.items():
        got.setdefault(corpus, []).extend(v)
    below = {k: round(sum(v) / len(v), 3) for k, v in got.items() if sum(v) / len(v) < FLOORS[k]}
    assert not below, f"hit@3 below the floor: {below} (floors {FLOORS})"
