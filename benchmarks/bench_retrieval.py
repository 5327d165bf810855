"""Retrieval at scale: a synthetic corpus of 100,000 passages through the product's own path.

    .venv/bin/python benchmarks/bench_retrieval.py [--passages 100000] [--queries 2000]

Phases, each in a fresh process so its peak memory is its own:
1. write the synthetic corpus (benchmarks/bench_retrieval_corpus.py) as guideline files;
2. build: load_knowledge_base() on that folder with an empty cache (read, clean, chunk, segment,
   BM25, write the cache): wall time and peak RSS;
3. restart: load_knowledge_base() again in a new process (cache hit): wall time of the call and
   from process start (imports included), peak RSS;
4. search: per-query latency of KnowledgeBase.search(q, 5) (segmentation, glossary expansion,
   BM25 scoring and top-k included) and of search_turns() over 3-turn conversations.
At 100,000 passages a custom corpus has no vectors (too many to embed), so this is the lexical
path; the dense side is measured separately (bench_retrieval_quality.py prints its per-query cost).
Numbers are wall-clock on a shared machine: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _peak_mb() -> float:
    """Peak RSS of this process. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a
    child would report its parent's peak (the corpus generator's) as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _settings(folder: str, cache: str):
    from coach.config import Settings

    return Settings(_env_file=None, COACH_GUIDELINES_DIR=folder, COACH_CACHE_DIR=cache)  # type: ignore[call-arg]


def phase_build(folder: str, cache: str) -> dict:
    from coach.knowledge import load_knowledge_base

    base = _peak_mb()
    started = time.perf_counter()
    kb = load_knowledge_base(_settings(folder, cache))
    took = time.perf_counter() - started
    return {"build_s": took, "passages": len(kb.passages), "vocabulary": len(kb.bm25.vocab),
            "peak_rss_mb": _peak_mb(), "rss_before_mb": base, "vectors": kb.has_vectors}


def _queries(kb, n: int, rng: random.Random) -> list[str]:
    from coach.knowledge.evaluate import load_labelled
    from coach.knowledge.tokenize import tokenize
    from coach.text import to_traditional

    labelled = [it.q for it in load_labelled(ROOT / "tests" / "data" / "retrieval" / "labelled.yaml")]
    out: list[str] = []
    while len(out) < n:
        kind = rng.random()
        if kind < 0.2:
            out.append(rng.choice(labelled))
            continue
        words = tokenize(rng.choice(kb.passages).text)
        span = rng.randint(2, 6)
        start = rng.randrange(max(1, len(words) - span))
        q = "".join(words[start : start + span]) or "客户"
        out.append(to_traditional(q) if kind < 0.4 else q)
    return out


def phase_restart(folder: str, cache: str, n_queries: int) -> dict:
    from coach.knowledge import load_knowledge_base
    from coach.types import Turn

    started = time.perf_counter()
    kb = load_knowledge_base(_settings(folder, cache))
    load_s = time.perf_counter() - started
    ready_from_start_s = time.perf_counter() - T0
    rng = random.Random(11)
    queries = _queries(kb, n_queries, rng)
    for q in queries[:100]:  # warm caches (OpenCC, rjieba) as a running service would be
        kb.search(q, 5)
    lat = []
    empty = 0
    for q in queries:
        t = time.perf_counter()
        got = kb.search(q, 5)
        lat.append((time.perf_counter() - t) * 1000)
        empty += not got
    conv = []
    for i in range(0, min(len(queries) - 3, 600), 3):
        turns = [Turn(role="customer", text=q) for q in queries[i : i + 3]]
        t = time.perf_counter()
        kb.search_turns(turns, 5)
        conv.append((time.perf_counter() - t) * 1000)
    lat.sort()
    conv.sort()

    def pct(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, int(p * len(xs)))]

    return {"load_s": load_s, "ready_from_process_start_s": ready_from_start_s, "peak_rss_mb": _peak_mb(),
            "queries": len(lat), "empty_results": empty,
            "search_ms": {"p50": pct(lat, 0.5), "p90": pct(lat, 0.9), "p99": pct(lat, 0.99), "max": lat[-1]},
            "search_turns_ms": {"p50": pct(conv, 0.5), "p99": pct(conv, 0.99)}}


def phase_compare(folder: str, cache: str, which: str) -> dict:
    """Index the same tokens with bm25s' own index() or with Bm25Index.build (one per process)."""
    import bm25s

    from coach.knowledge import load_knowledge_base
    from coach.knowledge.bm25 import Bm25Index
    from coach.knowledge.tokenize import tokenize

    kb = load_knowledge_base(_settings(folder, cache))
    cols = kb.columns
    tokens = [tokenize(f"{t}\n{x}") for t, x in zip(cols.title, cols.text)]
    base = _peak_mb()
    started = time.perf_counter()
    if which == "bm25s":
        bm25s.BM25().index(tokens, show_progress=False)
    else:
        Bm25Index.build(tokens)
    return {"index_s": time.perf_counter() - started, "peak_rss_mb": _peak_mb(), "rss_before_mb": base}


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--compare-bm25s", action="store_true", help="also time bm25s' own index() on the same tokens")
    ap.add_argument("--phase", choices=["build", "restart", "bm25s", "ours"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.folder, args.cache)))
        return 0
    if args.phase == "restart":
        print(json.dumps(phase_restart(args.folder, args.cache, args.queries)))
        return 0
    if args.phase in ("bm25s", "ours"):
        print(json.dumps(phase_compare(args.folder, args.cache, args.phase)))
        return 0

    from bench_retrieval_corpus import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = os.path.join(tmp, "corpus"), os.path.join(tmp, "cache")
        t = time.perf_counter()
        chars = write_corpus(Path(folder), args.passages)
        print(f"corpus: {args.passages} paragraphs, {chars / 1e6:.1f} M characters, written in {time.perf_counter() - t:.1f} s")
        build = _child("--phase", "build", "--folder", folder, "--cache", cache)
        print(f"build: {build['build_s']:.1f} s for {build['passages']} passages, vocabulary {build['vocabulary']} terms, "
              f"peak RSS {build['peak_rss_mb']:.0f} MB (after imports {build['rss_before_mb']:.0f} MB), vectors: {build['vectors']}")
        restart = _child("--phase", "restart", "--folder", folder, "--cache", cache, "--queries", str(args.queries))
        print(f"restart (cache hit): load_knowledge_base {restart['load_s']:.2f} s, ready {restart['ready_from_process_start_s']:.2f} s "
              f"after process start, peak RSS {restart['peak_rss_mb']:.0f} MB")
        s, c = restart["search_ms"], restart["search_turns_ms"]
        print(f"search over {restart['queries']} queries (k=5): p50 {s['p50']:.2f} ms, p90 {s['p90']:.2f} ms, "
              f"p99 {s['p99']:.2f} ms, max {s['max']:.1f} ms; {restart['empty_results']} with no passage")
        print(f"search_turns (3 customer turns): p50 {c['p50']:.2f} ms, p99 {c['p99']:.2f} ms")
        if args.compare_bm25s:
            for which in ("ours", "bm25s"):
                r = _child("--phase", which, "--folder", folder, "--cache", cache)
                label = "Bm25Index.build (vectorised)" if which == "ours" else "bm25s.BM25.index"
                print(f"indexing the same tokens, {label}: {r['index_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB "
                      f"(tokens in memory before: {r['rss_before_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
