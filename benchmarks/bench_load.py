"""Load on the HTTP service: real `coach serve` processes, the scripted LLM server, loopback.

    .venv/bin/python benchmarks/bench_load.py [--delay 0.5] [--inflight 200] [--concurrency 64] [--workers 1]
        [--queue-timeout S] [--only 1,5,6]

1. One call: median of sequential suggestions over an LLM that takes --delay seconds.
2. --concurrency suggestions at once: wall time against one call (target: within 3x).
3. --inflight suggestions at once: no errors; p50/p99 (default bound 64 in flight + queue).
4. Streaming: time to the `passages` event and to `done` of one SSE suggestion.
5. Shedding: a server bounded to 8 in flight + 8 queued, 100 at once: 429 + Retry-After, no 5xx.
6. Graceful shutdown: SIGTERM while 32 suggestions are in flight: every one answered 200.
7. --workers N (N > 1): the same burst over N processes, /metrics summed over the workers.
The machine is shared: compare ratios within one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load_harness import KEY, CoachServer, LLMServer, burst, conversation, median, sequential  # noqa: E402


async def time_to_passages(url: str) -> tuple[float, float, list[str]]:
    events: list[str] = []
    first = float("nan")
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {KEY}"}) as http:
        started = time.perf_counter()
        async with http.stream("POST", f"{url}/v1/suggestions", json=conversation(7),
                               headers={"Accept": "text/event-stream"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    events.append(line[7:])
                    if line[7:] == "passages":
                        first = time.perf_counter() - started
        return first, time.perf_counter() - started, events


def in_flight(url: str) -> float:
    """Suggestions the server holds (running or queued for a slot), from its own /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
        if line.startswith(("coach_inflight_requests{", "coach_queued_requests{"))
    )


async def sigterm_under_load(server: CoachServer, n: int) -> tuple[int, int, float, list[str]]:
    task = asyncio.create_task(burst(server.url, n, 5000))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and await asyncio.to_thread(in_flight, server.url) < n:
        await asyncio.sleep(0.05)  # until the server has every request in hand
    started = time.perf_counter()
    code = await asyncio.to_thread(server.stop)
    batch = await task
    return batch.count(200), code, time.perf_counter() - started, [str(r.error) for r in batch.errors()]


def stage_means(url: str) -> str:
    """Mean seconds per pipeline stage so far, from the server's own /metrics."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(("coach_stage_seconds_sum{", "coach_stage_seconds_count{")):
            head, value = line.rsplit(" ", 1)
            stage = head.split('stage="', 1)[1].split('"', 1)[0]
            (sums if "_sum{" in head else counts)[stage] = float(value)
    return ", ".join(f"{k} {sums[k] / counts[k] * 1000:.0f} ms" for k in sorted(sums) if counts.get(k))


def sections_1_to_4(llm: LLMServer, args: argparse.Namespace, failures: list[str]) -> None:
    env = {} if args.queue_timeout is None else {"COACH_QUEUE_TIMEOUT_S": str(args.queue_timeout)}
    server = CoachServer(llm.base_url, workers=args.workers, **env)
    try:
        asyncio.run(sequential(server.url, 3, 900))  # warm-up
        one = asyncio.run(sequential(server.url, 7, 1000))
        one_s = median(one.latencies())
        print(f"1. one call (LLM {args.delay}s): median {one_s * 1000:.0f} ms  [{one.summary()}]")

        conc = asyncio.run(burst(server.url, args.concurrency, 2000))
        ratio = conc.wall_s / one_s
        print(f"2. {args.concurrency} concurrent: wall {conc.wall_s:.2f}s = {ratio:.2f}x one call  [{conc.summary()}]")
        print(f"   mean stage time so far (server /metrics): {stage_means(server.url)}")
        if conc.errors() or ratio > 3:
            failures.append(f"{args.concurrency} concurrent: ratio {ratio:.2f}, errors {len(conc.errors())}")

        many = asyncio.run(burst(server.url, args.inflight, 3000))
        print(f"3. {args.inflight} in flight: [{many.summary()}]")
        if many.errors():
            failures.append(f"{args.inflight} in flight: {len(many.errors())} errors, e.g. {many.errors()[0]}")

        first, total, events = asyncio.run(time_to_passages(server.url))
        order = " ".join(dict.fromkeys(events))
        print(f"4. streaming: passages after {first * 1000:.0f} ms, done after {total * 1000:.0f} ms ({order})")
        if not events or events[0] != "passages" or events[-1] != "done":
            failures.append(f"stream order {events}")

        if args.workers > 1:
            metrics = httpx.get(f"{server.url}/metrics").text
            counted = sum(
                float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                if line.startswith("coach_request_seconds_count") and 'route="/v1/suggestions"' in line
            )
            print(f"7. {args.workers} workers: /metrics counts {counted:.0f} suggestions over all workers")
    finally:
        server.stop()


def section_5(llm: LLMServer, failures: list[str]) -> None:
    small = CoachServer(llm.base_url, COACH_MAX_INFLIGHT="8", COACH_MAX_QUEUE="8", COACH_QUEUE_TIMEOUT_S="5")
    try:
        shed = asyncio.run(burst(small.url, 100, 4000))
    finally:
        small.stop()
    retry = sorted({r.retry_after for r in shed.results if r.status == 429})
    lost = sum(1 for r in shed.results if r.status >= 500 or r.status == 0)
    print(f"5. bound 8+8, 100 at once: {shed.count(200)} answered, {shed.count(429)} shed (Retry-After {retry}), "
          f"{lost} 5xx/lost, answered p50 {shed.pct(0.5) * 1000:.0f} ms")
    if lost or shed.count(200) + shed.count(429) != 100 or shed.count(429) == 0:
        failures.append("shedding did not answer 200/429 only")


def section_6(llm: LLMServer, failures: list[str]) -> None:
    draining = CoachServer(llm.base_url)
    answered, code, took, lost = asyncio.run(sigterm_under_load(draining, 32))
    print(f"6. SIGTERM with 32 in flight: {answered}/32 answered 200, exit {code} "
          f"(-15: uvicorn re-raises SIGTERM after a clean drain), stopped after {took:.2f}s")
    if answered != 32:
        failures.append(f"graceful shutdown lost {32 - answered}: {lost[:2]}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--delay", type=float, default=0.5)
    p.add_argument("--inflight", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--queue-timeout", type=float, default=None, help="COACH_QUEUE_TIMEOUT_S of the server (default: its default, 5)")
    p.add_argument("--only", default="1,5,6", help="sections to run: 1 (= 1-4, and 7), 5, 6")
    args = p.parse_args()
    only = {int(x) for x in args.only.split(",") if x.strip()}
    failures: list[str] = []
    llm = LLMServer(args.delay)
    try:
        if only & {1, 2, 3, 4, 7}:
            sections_1_to_4(llm, args, failures)
        if 5 in only:
            section_5(llm, failures)
        if 6 in only:
            section_6(llm, failures)
    finally:
        llm.kill()
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
