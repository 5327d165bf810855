"""Precision and recall of the validator per rule and per script, for each tier and both together.

    python benchmarks/bench_validate_accuracy.py tests/data/rules/dev            # tuned on
    python benchmarks/bench_validate_accuracy.py tests/data/rules/heldout/heldout_v8_en.yaml
    python benchmarks/bench_validate_accuracy.py PATH --tiers both --misses      # list the errors

PATH is a YAML file of labelled drafts or a folder of them (cases: id, lang, draft, expect, and
optional turns/policy, inline or named in tests/data/rules/fixtures.yaml). A rule's precision is
the share of drafts it fired on that are labelled with it; its recall the share of drafts labelled
with it that it fired on. Tiers: lexical (word lists and the offer reader), semantic (the clause
heads alone), both (what ships).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from coach.rules import RULE_IDS, Validator
from coach.rules.semantic.heads import ClauseScorer, load_heads
from coach.types import Policy, Turn

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = yaml.safe_load((ROOT / "tests" / "data" / "rules" / "fixtures.yaml").read_text(encoding="utf-8"))
SCRIPTS = ("zh-Hans", "zh-Hant", "en")


def load(path: Path) -> list[dict]:
    files = sorted(p for p in path.rglob("*.yaml") if p.name not in ("fixtures.yaml", "floors.yaml", "operating_points.yaml")) if path.is_dir() else [path]
    cases = []
    for f in files:
        cases.extend(yaml.safe_load(f.read_text(encoding="utf-8"))["cases"])
    return cases


def request(case: dict) -> tuple[str, list[Turn], Policy, None]:
    turns = case.get("turns", [])
    turns = FIXTURES["turns"][turns] if isinstance(turns, str) else turns
    policy = case.get("policy", {})
    policy = FIXTURES["policies"][policy] if isinstance(policy, str) else policy
    return case["draft"], [Turn(**t) for t in turns], Policy.model_validate(policy), None


def validators(heads: Path | None = None) -> dict[str, Validator]:
    scorer = ClauseScorer(heads=load_heads(heads)) if heads is not None else ClauseScorer()
    return {
        "lexical": Validator(scorer=None),
        "semantic": Validator(scorer=scorer, lexical=False),
        "both": Validator(scorer=scorer),
    }


def measure(validator: Validator, cases: list[dict]) -> tuple[dict, list]:
    """{(rule, script): [tp, fp, fn]}, and the wrong cases."""
    counts: dict = {}
    wrong = []
    results = validator.many([request(c) for c in cases])
    for case, result in zip(cases, results):
        got = {v.rule for v in result.violations}
        want = set(case["expect"])
        for rule in RULE_IDS:
            cell = counts.setdefault((rule, case["lang"]), [0, 0, 0])
            cell[0] += rule in got and rule in want
            cell[1] += rule in got and rule not in want
            cell[2] += rule in want and rule not in got
        if got != want:
            wrong.append((case, sorted(want), sorted(got), result))
    return counts, wrong


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def report(name: str, counts: dict) -> None:
    print(f"  {name}:")
    print(f"    {'rule':20s} " + " ".join(f"{s:>17s}" for s in (*SCRIPTS, "all")))
    for rule in RULE_IDS:
        cells = []
        total = [0, 0, 0]
        for script in SCRIPTS:
            tp, fp, fn = counts.get((rule, script), [0, 0, 0])
            total = [total[0] + tp, total[1] + fp, total[2] + fn]
            cells.append(f"P {ratio(tp, tp + fp)} R {ratio(tp, tp + fn)}")
        tp, fp, fn = total
        cells.append(f"P {ratio(tp, tp + fp)} R {ratio(tp, tp + fn)}")
        print(f"    {rule:20s} " + " ".join(f"{c:>17s}" for c in cells) + f"   (n={tp + fn})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path, nargs="?", default=ROOT / "tests" / "data" / "rules" / "dev")
    ap.add_argument("--tiers", default="lexical,semantic,both")
    ap.add_argument("--misses", action="store_true", help="list every wrong draft of the last tier")
    ap.add_argument("--heads", type=Path, help="a trained heads stem to measure instead of the shipped one")
    args = ap.parse_args(argv)
    cases = load(args.path)
    print(f"{args.path}: {len(cases)} drafts, {sum(not c['expect'] for c in cases)} clean; "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(c['lang'] for c in cases).items())))
    wrong: list = []
    for name, validator in validators(args.heads).items():
        if name not in args.tiers.split(","):
            continue
        started = time.perf_counter()
        counts, wrong = measure(validator, cases)
        report(f"{name} ({(time.perf_counter() - started) * 1000 / len(cases):.2f} ms/draft)", counts)
    if args.misses:
        for case, want, got, result in wrong:
            ev = "; ".join(f"{v.rule}:{v.evidence[:40]}" for v in result.violations)
            print(f"  x {case['id']} want {want} got {got} | {case['draft'][:150]} || {ev}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
