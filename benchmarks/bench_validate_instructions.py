"""Deterministic cost of the validator: instructions per draft, by stage, under callgrind.

Timings on the shared dev box move 2-3x with the load; instruction counts do not. Each stage is run
over the first N drafts of the benchmark set in-process under `valgrind --tool=callgrind`, minus a run
over none; stages are cumulative (normalise, + the registry's Aho-Corasick pass, + phrase rules,
+ offer analysis, + full validate(), which re-runs the phrase rules).

Run: .venv/bin/python benchmarks/bench_validate_instructions.py [--n 1000]   (needs valgrind; ~3 min)
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("norm", "scan", "phrase", "offers", "full")


def child(stage: str, n: int, data: Path) -> None:
    """Parses every request (so parsing is in the baseline too), then runs the stage over n."""
    from coach.api.schemas_validate import REQUEST_ADAPTER
    from coach.rules import Validator

    validate = Validator(scorer=None)  # instruction counts of the lexical tier
    from coach.rules.authority import AUTHORITY_EXPOSURE
    from coach.rules.normalize import normalize
    from coach.rules.offers import find_offers
    from coach.rules.prefilter import REGISTRY
    from coach.rules.tone import HOSTILE_TONE

    reqs = [REQUEST_ADAPTER.validate_json(line) for line in data.read_bytes().splitlines()]
    validate("预热", ())
    for r in reqs[:n]:
        norm = normalize(r.draft)
        if stage == "norm":
            continue
        REGISTRY.scan(norm.text)
        if stage == "scan":
            continue
        AUTHORITY_EXPOSURE.lexical_hits(norm)
        HOSTILE_TONE.lexical_hits(norm)
        if stage == "phrase":
            continue
        find_offers(r.draft)
        if stage == "offers":
            continue
        validate(r.draft, r.turns, r.policy)


def instructions(stage: str, n: int, data: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable, __file__,
             "--child", stage, "--n", str(n), "--data", str(data)],
            capture_output=True, text=True, check=True,
        )
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--child")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.n, Path(args.data))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_validate import build_requests

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for r in build_requests(args.n, 7):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        data = Path(f.name)
    base = instructions("norm", 0, data)
    for stage in STAGES:
        total = instructions(stage, args.n, data)
        print(f"{stage:7s} cumulative: {(total - base) // args.n:,} instructions/draft")


if __name__ == "__main__":
    main()
