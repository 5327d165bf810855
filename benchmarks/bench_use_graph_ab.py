"""The query's USE vector by the int8 graph (coach.knowledge.encoders.use_onnx) or by the package's
numpy pass, interleaved in one process under the same load (issue 15, round rq4).

    python benchmarks/bench_use_graph_ab.py [--n 400] [--block 20]

1. Search alone: `KnowledgeBase.search_turns` over bench_pipeline.py's conversations with a new
   last customer turn each time (no cache answers), the two ways in turn, request by request.
2. Coach's overhead as bench_pipeline.py measures it (suggestion p50 minus a bare SDK call's p50,
   the scripted server composing a distinct reply per request), the two ways in alternating
   blocks of --block requests; client CPU per suggestion per way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import (CONVERSATIONS, FixedRetriever, bare_calls, distinct_script, make_coach, pct,  # noqa: E402
                            settings_for, start_server, vary)

from coach.config import Settings  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge.encoders import use_onnx  # noqa: E402
from coach.types import Conversation  # noqa: E402

WAYS = ("graph", "package")


@contextmanager
def way(name: str):  # noqa: ANN201
    """The query's USE by the graph (as shipped) or by the package (as before)."""
    model = use_onnx.query_model()
    if name == "package":
        use_onnx._MODEL, use_onnx._FAILED = None, True
    try:
        yield
    finally:
        use_onnx._MODEL, use_onnx._FAILED = model, False


def searches(kb, conversations: list[Conversation], n: int) -> None:  # noqa: ANN001
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    for i in range(2 * n):
        name = WAYS[i % 2]
        conversation = vary(conversations[(i // 2) % len(conversations)], i)
        with way(name):
            t = time.perf_counter()
            kb.search_turns(conversation.turns, 5)
            times[name].append((time.perf_counter() - t) * 1000)
    for name, values in times.items():
        print(f"search [{name:<7}] p50 {statistics.median(values):6.2f} ms  p90 {pct(values, 0.9):6.2f} ms  (n={len(values)})")


async def suggestions(url: str, kb, conversations: list[Conversation], n: int, block: int) -> None:  # noqa: ANN001
    settings = settings_for(url)
    sample = make_coach(settings, FixedRetriever())
    from coach.prompts import build_context

    messages = [m.model_dump() for m in sample.prompts.get(None).render(
        build_context(conversations[0], sample.analyse(conversations[0]), FixedRetriever.passages))]
    await bare_calls(url, 20, messages)
    bare = await bare_calls(url, n, messages)
    bare50 = statistics.median(bare)
    coach = make_coach(settings, kb)
    times: dict[str, list[float]] = {w: [] for w in WAYS}
    cpu: dict[str, float] = {w: 0.0 for w in WAYS}
    i = 0
    for _ in range(10):  # warm-up
        await coach.suggest(vary(conversations[i % len(conversations)], i))
        i += 1
    for b in range(2 * n // block):
        name = WAYS[b % 2]
        with way(name):
            started = time.process_time()
            for _ in range(block):
                conversation = vary(conversations[i % len(conversations)], i)
                i += 1
                t = time.perf_counter()
                r = await coach.suggest(conversation)
                times[name].append((time.perf_counter() - t) * 1000)
                assert not r.degraded and r.suggestions[0].attempts == 1, r
            cpu[name] += time.process_time() - started
    print(f"bare SDK call p50 {bare50:6.2f} ms  p99 {pct(bare, 0.99):6.2f} ms (n={n})")
    for name, values in times.items():
        print(f"suggest [{name:<7}] overhead p50 {statistics.median(values) - bare50:6.2f} ms  "
              f"p99 {pct(values, 0.99) - pct(bare, 0.99):6.2f} ms  client CPU {cpu[name] * 1000 / len(values):5.2f} ms/call"
              f"  (n={len(values)})")
    await coach.llm.aclose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=400, help="requests each way")
    p.add_argument("--block", type=int, default=20)
    args = p.parse_args()
    os.environ.pop("COACH_PROMPTS_DIR", None)
    conversations = [Conversation.model_validate(c) for c in CONVERSATIONS]
    kb = load_knowledge_base(Settings(_env_file=None))
    kb.wait_for_vectors()
    assert use_onnx.query_model() is not None, "the USE query graph could not be built"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
    searches(kb, conversations, args.n)
    server, url = start_server(0.0, distinct_script())
    try:
        asyncio.run(suggestions(url, kb, conversations, args.n, args.block))
    finally:
        server.terminate()
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
