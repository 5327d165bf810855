"""Benchmark: `coach eval run --batch` over many scenarios against the scripted Batch API server.

    .venv/bin/python benchmarks/bench_eval_batch.py [--sizes 1000,10000,100000] [--tracemalloc 10000]

Starts benchmarks/scripted_batch_server.py in its own process (its memory is not counted), writes
the largest set once (scenarios built from the shipped sets, each made distinct by a suffix, 1,000
to a file; one in 20 gets a first draft that the validator rejects, so it is repaired in a second
round), and runs the batch eval over the first N scenarios for each size, each in a fresh process,
so that its peak resident memory (getrusage ru_maxrss) is that run's alone. Memory is flat when the
peak does not grow with N. With --tracemalloc N one more run at that size reports the peak of
Python's own allocations (tracemalloc slows it down; its time is not comparable).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_eval import SCRIPT as LIVE_SCRIPT  # noqa: E402
from bench_eval import free_port, wait_ready  # noqa: E402

PER_FILE = 1000
BAD = {"reply": "很抱歉，这件事我真的无能为力了。", "citations": []}
# A marked scenario's first draft is rejected (authority_exposure); its repair prompt (which holds
# "rejected draft") falls through to the language rules and is answered cleanly.
SCRIPT = {"rules": [{"when": r'\(#\d+ r\)"\}\s*</conversation>(?![\s\S]*rejected draft)', "content": BAD},
                    *LIVE_SCRIPT["rules"]],
          "steps": LIVE_SCRIPT["steps"]}


def write_set(folder: Path, n: int) -> None:
    from coach.evaluation.scenarios import load_paths

    shipped = [s.scenario.model_dump(mode="json", exclude_none=True)
               for s in load_paths([ROOT / "eval" / "scenarios"]).scenarios]
    for start in range(0, n, PER_FILE):
        out = []
        for i in range(start, min(n, start + PER_FILE)):
            base = json.loads(json.dumps(shipped[i % len(shipped)]))
            base["id"] = f"bench-{i:06d}"
            turns = base["conversation"]["turns"]
            turns[-1]["text"] = f"{turns[-1]['text']} (#{i}{' r' if i % 20 == 0 else ''})"
            out.append(base)
        text = yaml.safe_dump({"name": f"bench-{start // PER_FILE:03d}", "scenarios": out}, allow_unicode=True)
        (folder / f"bench-{start // PER_FILE:03d}.yaml").write_text(text, encoding="utf-8")


def tracemalloc_peak() -> float:
    import tracemalloc

    return round(tracemalloc.get_traced_memory()[1] / 1e6, 1)


def report_head(path: Path) -> tuple[dict, dict]:
    """The summary and run.batch of a report.json, read without its results."""
    head = b""
    with path.open("rb") as fh:
        while b'"results": [' not in head:
            block = fh.read(1 << 16)
            if not block:
                break
            head += block
    data = json.loads(head.split(b',\n "results": [')[0] + b"\n}")
    return data["summary"], data["run"]["batch"]


def child(args: argparse.Namespace) -> int:
    """One batch run in this process; prints its numbers as JSON on the last line."""
    import io

    if args.trace:
        import tracemalloc

        tracemalloc.start()
    from coach.config import Settings
    from coach.evaluation.batch.session import BatchOptions, start_batch

    files = sorted(Path(args.set).glob("*.yaml"))[: -(-args.child // PER_FILE)]
    settings = Settings(_env_file=None, OPENAI_BASE_URL=args.url, OPENAI_API_KEY="bench",
                        COACH_CACHE_DIR=str(Path(args.out) / "cache"))
    options = BatchOptions(paths=tuple(str(f) for f in files), out=Path(args.out) / "run", poll_s=0.5,
                           retrieval="lexical", use_cache=False, concurrency=8, chunk_requests=10_000)
    err, out = io.StringIO(), io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    code = start_batch(options, settings, err=err, out=out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # the peak before this script reads anything back: the report of 100,000 scenarios is 165 MB of
    # JSON, which json.loads would turn into several times that
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    traced = tracemalloc_peak() if args.trace else None
    s, b = report_head(Path(args.out) / "run" / "report.json")
    numbers = {
        "scenarios": s["total"], "exit": code, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "maxrss_mb": round(maxrss, 1),
        "rounds": b["rounds"], "batches": b["batches"], "requests": b["requests"], "repair_rate": s["repair_rate"],
        "degraded_rate": s["degraded_rate"], "pass_rate": s["pass_rate"],
        "report_mb": round((Path(args.out) / "run" / "report.json").stat().st_size / 1e6, 1),
    }
    if traced is not None:
        numbers["tracemalloc_peak_mb"] = traced
    if code not in (0, 1):
        print(err.getvalue(), file=sys.stderr)
    print(json.dumps(numbers))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--tracemalloc", type=int, default=0, metavar="N", help="one more run of N under tracemalloc")
    p.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--set", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    sizes = [int(x) for x in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="coach-bench-batch-"))
    try:
        started = time.perf_counter()
        (work / "set").mkdir()
        write_set(work / "set", max(sizes))
        print(f"wrote {max(sizes)} scenarios in {time.perf_counter() - started:.0f} s", flush=True)
        port = free_port()
        (work / "script.json").write_text(json.dumps(SCRIPT, ensure_ascii=False), encoding="utf-8")
        server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "scripted_batch_server.py"),
                                   "--port", str(port), "--script", str(work / "script.json"),
                                   "--dir", str(work / "server")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port)
            runs = [(n, False) for n in sizes] + ([(args.tracemalloc, True)] if args.tracemalloc else [])
            for n, trace in runs:
                out = work / f"out-{n}-{int(trace)}"
                cmd = [sys.executable, __file__, "--child", str(n), "--url", f"http://127.0.0.1:{port}/v1",
                       "--set", str(work / "set"), "--out", str(out)] + (["--trace"] if trace else [])
                done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                print(done.stdout.strip().splitlines()[-1], flush=True)
                shutil.rmtree(out, ignore_errors=True)
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as r:
                    stats = json.loads(r.read())
                print(f"  server so far: {stats['batches']} batches, {stats['answered']} answered, "
                      f"{stats['answered_twice']} answered twice", flush=True)
                for f in (work / "server").iterdir():  # the server's copies of the files
                    f.unlink()
        finally:
            server.terminate()
            server.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
