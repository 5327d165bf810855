"""False positives and negatives of the validator, per rule, on the labelled drafts.

Two sets: the table of tests/data/rules/*.yaml (written alongside the rules; the pytest suite
requires it to be exact) and tests/data/rules/heldout/*.yaml (written after the rules and never
used to tune them). A false positive is a rule that fired on a draft not labelled with it; a false
negative is a labelled rule that did not fire. Run: .venv/bin/python benchmarks/bench_validate_accuracy.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from coach.rules import RULE_IDS, validate
from coach.types import Policy, Turn

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "rules"
FIXTURES = yaml.safe_load((DATA / "fixtures.yaml").read_text(encoding="utf-8"))


def load(folder: Path) -> list[dict]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "fixtures.yaml":
            cases.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])
    return cases


def score(name: str, cases: list[dict]) -> None:
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    wrong = []
    for c in cases:
        turns = c.get("turns", [])
        turns = FIXTURES["turns"][turns] if isinstance(turns, str) else turns
        policy = c.get("policy", {})
        policy = FIXTURES["policies"][policy] if isinstance(policy, str) else policy
        got = {v.rule for v in validate(c["draft"], [Turn(**t) for t in turns], Policy.model_validate(policy)).violations}
        want = set(c["expect"])
        for rule in got - want:
            fp[rule] += 1
        for rule in want - got:
            fn[rule] += 1
        if got != want:
            wrong.append((c["id"], sorted(want), sorted(got), c["draft"]))
    positives = Counter(rule for c in cases for rule in c["expect"])
    print(f"{name}: {len(cases)} drafts, {sum(not c['expect'] for c in cases)} clean, {len(wrong)} wrong")
    for rule in RULE_IDS:
        print(f"  {rule:20s} labelled {positives[rule]:3d}  false positives {fp[rule]:2d}  false negatives {fn[rule]:2d}")
    for case_id, want, got, draft in wrong:
        print(f"  x {case_id}: want {want} got {got}: {draft}")


if __name__ == "__main__":
    score("labelled table", load(DATA))
    score("held-out", load(DATA / "heldout"))
