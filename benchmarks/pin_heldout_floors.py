"""Pin a blind held-out round's floors, once, right after measuring it.

    python benchmarks/pin_heldout_floors.py v11 heldout_v11.yaml [more files of the round]

Measures the shipped validator (both tiers) on the round's files in tests/data/rules/heldout/ and
writes, under `rounds.<name>` of floors.yaml, each rule's precision and recall per script and
overall, less 0.05 and rounded down, beside what was measured. tests/test_rules_heldout.py and test_rules_heldout_newer.py then hold
them in CI. A round is pinned once: the script refuses a name already in floors.yaml.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import yaml

from bench_validate_accuracy import load, measure

from coach.rules import DEFAULT_VALIDATOR, RULE_IDS

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "rules" / "heldout"
SLACK = 0.05


def floors_of(counts: dict) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for rule in RULE_IDS:
        for script in ("zh-Hans", "zh-Hant", "en", "all"):
            cells = [v for (r, s), v in counts.items() if r == rule and (script == "all" or s == script)]
            tp, fp, fn = (sum(c[i] for c in cells) for i in range(3))
            if tp + fn == 0:
                continue
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn)
            out[f"{rule}/{script}"] = {
                "precision": math.floor(max(0.0, precision - SLACK) * 100) / 100,
                "recall": math.floor(max(0.0, recall - SLACK) * 100) / 100,
                "measured": f"P {precision:.3f} R {recall:.3f} (n={tp + fn})",
            }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name", help="the round's name in floors.yaml, e.g. v11")
    ap.add_argument("files", nargs="+", help="the round's files in tests/data/rules/heldout/")
    args = ap.parse_args(argv)
    path = HELDOUT / "floors.yaml"
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    if args.name in doc["rounds"]:
        print(f"round {args.name} is already pinned: a new measurement needs a new round", file=sys.stderr)
        return 2
    cases = [c for f in args.files for c in load(HELDOUT / f)]
    counts, _ = measure(DEFAULT_VALIDATOR, cases)
    doc["rounds"][args.name] = {"files": list(args.files), "floors": floors_of(counts)}
    header = text[: text.index("rounds:")]
    path.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    print(f"pinned {args.name}: {len(cases)} drafts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
