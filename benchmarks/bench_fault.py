"""Fault: the LLM server is killed (SIGKILL) in the middle of a run. Every request must still be
answered, 200 with a validated suggestion (degraded, from the offline drafter, once the LLM is
gone), and none lost.

    .venv/bin/python benchmarks/bench_fault.py [--n 120] [--spread 3.0] [--kill-at 1.0] [--delay 0.3]

Requests start evenly over --spread seconds; the LLM dies --kill-at seconds in, so some requests
are mid-call when it dies, some start after. Loopback only; the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load_harness import Batch, CoachServer, LLMServer, client, sequential, suggest  # noqa: E402


async def run(url: str, llm: LLMServer, n: int, spread: float, kill_at: float) -> tuple[Batch, list[float]]:
    starts: list[float] = []
    async with client() as http:
        t0 = time.perf_counter()

        async def one(i: int):  # noqa: ANN202
            await asyncio.sleep(i * spread / n)
            starts.append(time.perf_counter() - t0)
            return await suggest(http, url, 7000 + i)

        async def killer() -> None:
            await asyncio.sleep(kill_at)
            await asyncio.to_thread(llm.kill)

        kill = asyncio.create_task(killer())
        results = await asyncio.gather(*(one(i) for i in range(n)))
        await kill
        return Batch(list(results), time.perf_counter() - t0), starts


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=120)
    p.add_argument("--spread", type=float, default=3.0)
    p.add_argument("--kill-at", type=float, default=1.0)
    p.add_argument("--delay", type=float, default=0.3)
    args = p.parse_args()
    llm = LLMServer(args.delay)
    server = CoachServer(llm.base_url)
    try:
        asyncio.run(sequential(server.url, 2, 6900))  # warm-up while the LLM is alive
        batch, _ = asyncio.run(run(server.url, llm, args.n, args.spread, args.kill_at))
        metrics = httpx.get(f"{server.url}/metrics").text
    finally:
        server.stop()
        llm.kill()
    served_by_llm = sum(1 for r in batch.results if r.status == 200 and not r.degraded)
    print(f"LLM killed at {args.kill_at:.1f}s of a {args.spread:.1f}s ramp of {args.n} requests (LLM delay {args.delay}s)")
    print(f"answered {batch.count(200)}/{args.n}, with a suggestion {sum(1 for r in batch.results if r.n_suggestions)}, "
          f"from the LLM {served_by_llm}, degraded {batch.degraded()}, lost {args.n - batch.count(200)}")
    print(f"latency: {batch.summary()}")
    degraded_lat = sorted(r.seconds for r in batch.results if r.degraded)
    if degraded_lat:
        print(f"degraded answers: p50 {degraded_lat[len(degraded_lat) // 2] * 1000:.0f} ms, "
              f"max {degraded_lat[-1] * 1000:.0f} ms")
    for line in metrics.splitlines():
        if line.startswith(("coach_degraded_total{", "coach_llm_errors_total{", "coach_llm_retries_total ")):
            print("  metric", line)
    failures = []
    if batch.errors():
        failures.append(f"{len(batch.errors())} requests not answered with a suggestion: {batch.errors()[:2]}")
    if batch.degraded() == 0:
        failures.append("no degraded answer: the LLM was not killed mid-run?")
    if served_by_llm == 0:
        failures.append("no answer from the LLM before it was killed")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
