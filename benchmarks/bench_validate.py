"""Benchmark of the rule validator.

1. `coach validate` over N drafts (default 20,000) through a real subprocess: drafts/s with start-up
   excluded, measured two ways: (a) wall time minus the median start-up, a run of one draft (the
   models load on the first draft), and
   (b) from the first answer line to the last one (start-up cannot be in it).
2. In-process: Validator.many() throughput and the latency of one draft (p50, p99, max), both tiers,
   with no memory of scored clauses; and the lexical tier alone for comparison.

Drafts come from the labelled set (tests/data/rules/*.yaml) with variations: polite openings and
closings, a ticket number, zh-Hans drafts sometimes rendered in Traditional, and the case's turns and
policy. Run:  .venv/bin/python benchmarks/bench_validate.py [--n 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "rules"

OPENINGS = {
    "zh": ["", "您好，", "非常理解您的心情，", "感谢您的耐心等待，", "给您带来不便非常抱歉，"],
    "en": ["", "Hi there, ", "Thanks for your patience. ", "I completely understand. "],
}
CLOSINGS = {
    "zh": ["", "如有其他问题请随时联系我们。", "工单号A{n}已为您登记。", "祝您生活愉快！"],
    "en": ["", " Let me know if anything else comes up.", " Your ticket A{n} is on file.", " Have a good day!"],
}


def build_requests(n: int, seed: int) -> list[dict]:
    from coach.text import to_traditional

    fixtures = yaml.safe_load((DATA / "fixtures.yaml").read_text(encoding="utf-8"))
    cases = []
    for path in sorted(DATA.glob("*.yaml")):
        if path.name != "fixtures.yaml":
            cases.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])
    rng = random.Random(seed)
    out = []
    for i in range(n):
        case = rng.choice(cases)
        lang = "en" if case["lang"] == "en" else "zh"
        draft = rng.choice(OPENINGS[lang]) + case["draft"] + rng.choice(CLOSINGS[lang]).format(n=1000 + i)
        if case["lang"] == "zh-Hans" and rng.random() < 0.3:
            draft = to_traditional(draft)
        turns = case.get("turns", [])
        if isinstance(turns, str):
            turns = fixtures["turns"][turns]
        policy = case.get("policy", {})
        if isinstance(policy, str):
            policy = fixtures["policies"][policy]
        out.append({"draft": draft, "turns": turns, "policy": policy})
    return out


def _reference_us() -> float:
    """A fixed CPU workload, to tell a slow (shared, loaded) machine from slow code."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(20_000):
            json.loads('{"draft": "ok", "turns": [], "n": 1}')
        best = min(best, (time.perf_counter() - t0) / 20_000 * 1e6)
    return best


def _cli(payload: bytes) -> tuple[float, float | None, float | None, int, float]:
    """Runs `coach validate`; returns (wall, first_line_at, last_line_at, lines, child_cpu)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "coach", "validate"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    marks: dict[str, float] = {}
    count = 0

    def reader() -> None:
        nonlocal count
        assert proc.stdout is not None
        for _line in proc.stdout:
            count += 1
            now = time.perf_counter()
            marks.setdefault("first", now)
            marks["last"] = now

    t = threading.Thread(target=reader)
    t.start()
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    proc.wait()
    t.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    first = marks.get("first")
    last = marks.get("last")
    return wall, (first - start) if first else None, (last - start) if last else None, count, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    print(f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"reference (json.loads of a 40-byte object): {_reference_us():.2f} us")
    requests = build_requests(args.n, args.seed)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests).encode("utf-8")
    print(f"drafts: {args.n}, payload {len(payload) / 1e6:.1f} MB, "
          f"{sum(bool(r['turns']) for r in requests)} with turns")

    # Start-up is one draft's run: the encoder's weights, its graph and the heads load on the first
    # draft, not before (an empty input loads none of them), so an empty run would leave them in
    # the rate. The one draft is then left out of the count.
    one = (json.dumps(requests[0], ensure_ascii=False) + "\n").encode("utf-8")
    startups = [_cli(one) for _ in range(args.repeat)]
    startup_wall = statistics.median(s[0] for s in startups)
    startup_cpu = statistics.median(s[4] for s in startups)
    empty = _cli(b"")
    print(f"start-up (one draft, models loaded): wall {startup_wall:.3f}s, cpu {startup_cpu:.3f}s (median of {args.repeat}); "
          f"empty input {empty[0]:.3f}s")

    runs = [_cli(payload) for _ in range(args.repeat)]
    for wall, first, last, lines, cpu in runs:
        assert lines == args.n, (lines, args.n)
        a = (args.n - 1) / (wall - startup_wall)
        b = (args.n - 1) / (last - first) if first is not None and last is not None and last > first else float("nan")
        c = (args.n - 1) / max(1e-9, cpu - startup_cpu)
        print(f"coach validate: wall {wall:.2f}s -> {a:,.0f} drafts/s (wall - start-up); "
              f"first->last line {b:,.0f} drafts/s; cpu {cpu:.2f}s -> {c:,.0f} drafts/s (cpu - start-up cpu)")

    from coach.rules import Validator
    from coach.rules.semantic.heads import ClauseScorer
    from coach.types import Policy, Turn

    prepared = [(r["draft"], tuple(Turn.model_validate(t) for t in r["turns"]), Policy.model_validate(r["policy"]))
                for r in requests]
    # No memory across batches: each batch of 256 starts with an empty scorer (a clause repeated
    # within the batch is encoded once, as in `coach validate`'s chunks).
    fresh = Validator(scorer=ClauseScorer(memory=0))
    fresh.warm()
    encoder = fresh.scorer.encoder  # type: ignore[union-attr]
    t0 = time.perf_counter()
    for start in range(0, len(prepared), 256):
        batch = Validator(scorer=ClauseScorer(encoder=encoder, memory=4096))
        batch.many([(d, t, p, None) for d, t, p in prepared[start:start + 256]])
    batch_s = time.perf_counter() - t0
    print(f"in-process Validator.many(), batches of 256, no memory across batches: {len(prepared) / batch_s:,.0f} drafts/s")
    lexical = Validator(scorer=None)
    t0 = time.perf_counter()
    for d, t, p in prepared:
        lexical(d, t, p)
    print(f"in-process lexical tier alone: {len(prepared) / (time.perf_counter() - t0):,.0f} drafts/s")
    samples = []
    for draft, turns, policy in prepared:
        t0 = time.perf_counter_ns()
        fresh(draft, turns, policy)
        samples.append(time.perf_counter_ns() - t0)
    samples.sort()
    q = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))] / 1000  # noqa: E731
    print(f"machine after: load average {os.getloadavg()[0]:.1f}; reference {_reference_us():.2f} us")
    print(f"in-process one draft, both tiers, no clause memory: p50 {q(0.50):.1f} us, p99 {q(0.99):.1f} us, max {samples[-1] / 1000:.1f} us, "
          f"mean {statistics.fmean(samples) / 1000:.1f} us")


if __name__ == "__main__":
    main()
