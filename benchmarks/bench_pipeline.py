"""Pipeline benchmarks against the scripted OpenAI-compatible server (benchmarks/scripted_llm_server.py).

    .venv/bin/python benchmarks/bench_pipeline.py [--n 200] [--concurrency 64] [--slow-delay 0.5] [--tracing]
                                                  [--distinct-replies]

1. Coach's own overhead: p50 of Coach.suggest() minus p50 of a bare SDK call to the same server
   (no delay), for three retrievers: fixed passages (pure pipeline overhead), the real knowledge
   base lexical-only, and the real knowledge base as configured (BM25 + dense when vectors exist).
2. Concurrency: 64 concurrent suggestions over an LLM that takes 0.5 s, against one call, for the
   same three retrievers (the configured one embeds 64 distinct queries).
3. Streaming: time to the `passages` event of Coach.stream() while the LLM takes 0.5 s.
4. With --tracing (or --tracing-only): section 1's fixed-passages suggestion with OpenTelemetry off
   (no exporter configured) and on (SDK, batch processor, OTLP/HTTP to benchmarks/otlp_receiver.py
   in another process), interleaved rounds; and the cost of one disabled stage span.
The server runs in a subprocess; the machine is shared, so compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.pipeline import Coach, build_coach  # noqa: E402
from coach.types import Conversation, Passage  # noqa: E402

CONVERSATIONS = [
    {"turns": [{"role": "customer", "text": "你们到底能不能解决？不行就叫你们领导来接电话！"}]},
    {"turns": [{"role": "customer", "text": "手機又壞了，你們要賠我！", "round": 1},
               {"role": "agent", "text": "非常抱歉給您帶來不便，先為您申請20元代金券。", "round": 1},
               {"role": "customer", "text": "20元？太少了，至少100！", "round": 1}],
     "policy": {"max_compensation": {"amount": 50, "currency": "CNY"}}},
    {"turns": [{"role": "customer", "text": "This is the third time I'm calling about my parcel. Get me your manager."}]},
]


class FixedRetriever:
    passages = [Passage(id=f"p-00{i}-001", source=f"00{i}.txt", title="t", text="先处理心情，再处理事情。" * 8) for i in range(5)]

    def search(self, query, k=5):
        return self.passages[:k]

    def search_turns(self, turns, k=5):
        return self.passages[:k]


def vary(conversation: Conversation, i: int) -> Conversation:
    """A unique last customer turn, so no cache (query embeddings, retrieval) answers for free."""
    turns = list(conversation.turns)
    last = turns[-1]
    turns[-1] = last.model_copy(update={"text": f"{last.text} #{i}-{time.perf_counter_ns() % 100000}"})
    return conversation.model_copy(update={"turns": tuple(turns)})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Replies in the language the prompt asks for, each passing the validator on the first try.
SCRIPT = {
    # the server sees the last user message: the conversation, one JSON object per turn
    "rules": [{"when": '"role": "customer", "round": \\d+, "text": "[^"]*[\u4e00-\u9fff]',
               "content": {"reply": "非常理解您的心情，这件事我来负责跟进，今天下午五点前给您回电。", "citations": []}}],
    "steps": [{"content": {"reply": "I understand how frustrating this is. I will look into it and call you back by 5 pm today.",
                           "citations": []}}],
}


def distinct_script() -> dict:
    """Every reply differs (one phrase of each of bench_eval.py's lists, by request number), so the
    validator reads each one afresh, as it does in service."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_eval

    return {"rules": [{"when": SCRIPT["rules"][0]["when"], "reply_parts": bench_eval._HANS_PARTS}],
            "steps": [{"reply_parts": bench_eval._ENGLISH_PARTS}]}


def start_server(delay: float, spec: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    script = Path(tempfile.mkdtemp()) / "script.json"
    script.write_text(json.dumps(spec or SCRIPT, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "scripted_llm_server.py"), "--port", str(port), "--delay", str(delay),
         "--script", str(script)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/stats", timeout=0.5)
            return proc, url + "/v1"
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the scripted server did not start")


def settings_for(base_url: str) -> Settings:
    return Settings(_env_file=None, OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-bench", COACH_MODEL="gpt-4o-mini",
                    COACH_BACKEND="openai", COACH_DEADLINE_S=30, COACH_LLM_TIMEOUT_S=30)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def bare_calls(base_url: str, n: int, messages) -> list[float]:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0, timeout=30)
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=400,
                                             temperature=0.4, response_format={"type": "json_object"})
        out.append((time.perf_counter() - t) * 1000)
    await client.close()
    return out


async def raw_calls(base_url: str, n: int, messages) -> list[float]:
    """The SDK client's low-level post with the body as plain JSON: the way coach's drafter calls."""
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0, timeout=30)
    body = {"model": "gpt-4o-mini", "messages": messages, "max_tokens": 400, "temperature": 0.4,
            "response_format": {"type": "json_object"}}
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = await client.post("/chat/completions", cast_to=httpx.Response, body=body)
        r.json()
        out.append((time.perf_counter() - t) * 1000)
    await client.close()
    return out


async def coach_calls(coach: Coach, conversations: list[Conversation], n: int) -> list[float]:
    out = []
    for i in range(n):
        conversation = vary(conversations[i % len(conversations)], i)
        t = time.perf_counter()
        r = await coach.suggest(conversation)
        out.append((time.perf_counter() - t) * 1000)
        assert not r.degraded and r.suggestions[0].attempts == 1, r
    return out


def make_coach(settings: Settings, retriever) -> Coach:
    return build_coach(settings, retriever)


async def overhead(base_url: str, n: int, conversations: list[Conversation], retrievers: dict) -> None:
    settings = settings_for(base_url)
    sample = make_coach(settings, FixedRetriever())
    messages = [m.model_dump() for m in sample.prompts.get(None).render(
        __import__("coach.prompts", fromlist=["x"]).build_context(
            conversations[0], sample.analyse(conversations[0]), FixedRetriever.passages))]
    await bare_calls(base_url, 20, messages)  # warm-up
    cpu = time.process_time()
    bare = await bare_calls(base_url, n, messages)
    bare_cpu = (time.process_time() - cpu) * 1000 / n
    bare50 = statistics.median(bare)
    print(f"bare SDK call        p50 {bare50:7.2f} ms  p95 {pct(bare, 0.95):7.2f} ms  client CPU {bare_cpu:5.2f} ms/call (n={n})")
    await raw_calls(base_url, 20, messages)
    cpu = time.process_time()
    raw = await raw_calls(base_url, n, messages)
    raw_cpu = (time.process_time() - cpu) * 1000 / n
    raw50 = statistics.median(raw)
    print(f"bare SDK raw post    p50 {raw50:7.2f} ms  p95 {pct(raw, 0.95):7.2f} ms  client CPU {raw_cpu:5.2f} ms/call")
    for label, retriever in retrievers.items():
        coach = make_coach(settings, retriever)
        await coach_calls(coach, conversations, 10)  # warm-up
        cpu = time.process_time()
        times = await coach_calls(coach, conversations, n)
        cpu_ms = (time.process_time() - cpu) * 1000 / n
        p50 = statistics.median(times)
        print(f"suggest [{label:<13}] p50 {p50:7.2f} ms  p95 {pct(times, 0.95):7.2f} ms  client CPU {cpu_ms:5.2f} ms/call"
              f"  overhead p50 {p50 - bare50:6.2f} ms (vs raw post {p50 - raw50:6.2f} ms)"
              f"  p99 {pct(times, 0.99) - pct(bare, 0.99):6.2f} ms")
        await coach.llm.aclose()


async def tracing_overhead(base_url: str, n: int, conversations: list[Conversation], rounds: int = 3) -> None:
    """Coach.suggest (fixed passages) with tracing off and on, interleaved rounds, same process.
    On: the SDK with its batch processor exporting over OTLP/HTTP to a receiver in another process."""
    from coach import tracing

    receiver_port = free_port()
    receiver = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "otlp_receiver.py"), "--port",
                                 str(receiver_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        traced = Settings(_env_file=None, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver_port}")
        assert tracing.configure(traced)
        provider = tracing._provider
        tracing.uninstall()
        # the disabled path alone: what every stage pays when no exporter is configured
        loops = 200_000
        t = time.perf_counter()
        for _ in range(loops):
            with tracing.span("coach.situation") as span:
                if span.is_recording():
                    raise AssertionError
        off_ns = (time.perf_counter() - t) / loops * 1e9
        coach = make_coach(settings_for(base_url), FixedRetriever())
        await coach_calls(coach, conversations, 20)
        rows: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for _ in range(rounds):
            for mode in ("off", "on"):
                if mode == "on":
                    tracing.install(provider)
                cpu = time.process_time()
                times = await coach_calls(coach, conversations, n)
                if mode == "on":
                    provider.force_flush()  # the export's CPU is counted in its round
                rows[mode].append(((time.process_time() - cpu) * 1000 / n, statistics.median(times)))
                tracing.uninstall()
        await coach.llm.aclose()
        off_cpu = min(r[0] for r in rows["off"])
        on_cpu = min(r[0] for r in rows["on"])
        off_p50 = statistics.median(r[1] for r in rows["off"])
        on_p50 = statistics.median(r[1] for r in rows["on"])
        print(f"tracing off: {off_cpu:5.2f} ms CPU/suggestion (best of {rounds} x {n}), p50 {off_p50:6.2f} ms; "
              f"a disabled stage span costs {off_ns:.0f} ns")
        print(f"tracing on (OTLP/HTTP, batch processor): {on_cpu:5.2f} ms CPU/suggestion, p50 {on_p50:6.2f} ms; "
              f"on/off CPU {on_cpu / off_cpu:4.2f}x, p50 {on_p50 / off_p50:4.2f}x")
        print("  each round (CPU ms/suggestion): off " + ", ".join(f"{r[0]:.2f}" for r in rows["off"])
              + "; on " + ", ".join(f"{r[0]:.2f}" for r in rows["on"]))
        tracing.install(provider)
        tracing.shutdown()
    finally:
        receiver.terminate()
        receiver.wait(10)


def server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) the LLM server process has used so far (Linux /proc)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def concurrency(base_url: str, conversations: list[Conversation], count: int, retriever, label: str,
                      trials: int = 3, server_pid: int | None = None) -> None:
    """`trials` rounds, alternating coach and bare SDK calls so both see the same machine load."""
    coach = make_coach(settings_for(base_url), retriever)
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0, timeout=30)
    sample = conversations[0]
    messages = [m.model_dump() for m in coach.prompts.get(None).render(
        __import__("coach.prompts", fromlist=["x"]).build_context(sample, coach.analyse(sample), retriever.search_turns(sample.turns)))]
    await coach.suggest(sample)
    ones, manys, bares, degraded = [], [], [], 0
    cpu_coach = cpu_bare = cpu_server = 0.0
    for _ in range(trials):
        t = time.perf_counter()
        await coach.suggest(sample)
        ones.append(time.perf_counter() - t)
        batch = [vary(conversations[i % len(conversations)], i) for i in range(count)]
        t, cpu, server = time.perf_counter(), time.process_time(), server_cpu(server_pid)
        results = await asyncio.gather(*(coach.suggest(c) for c in batch))
        manys.append(time.perf_counter() - t)
        cpu_coach += time.process_time() - cpu
        cpu_server += server_cpu(server_pid) - server
        degraded += sum(r.degraded for r in results)
        t, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=400)
                               for _ in range(count)))
        bares.append(time.perf_counter() - t)
        cpu_bare += time.process_time() - cpu
    await client.close()
    one, many, bare = (statistics.median(x) for x in (ones, manys, bares))
    print(f"{count} concurrent [{label:<13}] {many:6.3f} s vs one {one:6.3f} s: {many / one:4.2f}x "
          f"(median of {trials}; each {', '.join(f'{m / o:.2f}x' for m, o in zip(manys, ones))}; degraded {degraded})")
    print(f"{count} concurrent bare SDK calls    {bare:6.3f} s: {bare / one:4.2f}x one suggestion (baseline, same rounds)")
    print(f"  CPU per batch of {count}: coach process {cpu_coach / trials * 1000:6.1f} ms "
          f"({cpu_coach / trials / count * 1000:4.2f} ms/suggestion), bare SDK {cpu_bare / trials * 1000:6.1f} ms, "
          f"LLM server {cpu_server / trials * 1000:6.1f} ms")
    # time to the first (passages) event while the LLM works
    firsts = []
    for i in range(5):
        t = time.perf_counter()
        async for event in coach.stream(vary(conversations[i % len(conversations)], i)):
            if event.kind == "passages":
                firsts.append((time.perf_counter() - t) * 1000)
    print(f"stream [{label:<13}] passages event after p50 {statistics.median(firsts):6.2f} ms (LLM takes {one:.2f} s)")
    await coach.llm.aclose()


def sse_over_http(llm_url: str, requests: int = 6) -> None:
    """`coach serve` (real knowledge base as configured) over the slow LLM: when each SSE event arrives."""
    port = free_port()
    env = {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "sk-bench", "COACH_BACKEND": "openai",
           "COACH_LOG_FORMAT": "text"}
    proc = subprocess.Popen([sys.executable, "-m", "coach", "serve", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        arrivals: dict[str, list[float]] = {}
        for i in range(requests):
            body = {**vary(Conversation.model_validate(CONVERSATIONS[i % len(CONVERSATIONS)]), i).model_dump(mode="json"), "n": 2}
            t = time.perf_counter()
            with httpx.stream("POST", base + "/v1/suggestions", json=body,
                              headers={"Accept": "text/event-stream"}, timeout=30) as r:
                seen = set()
                for line in r.iter_lines():
                    if line.startswith("event: ") and line[7:] not in seen:
                        seen.add(line[7:])
                        arrivals.setdefault(line[7:], []).append((time.perf_counter() - t) * 1000)
        for kind, times in arrivals.items():
            print(f"SSE over HTTP: first '{kind}' event p50 {statistics.median(times):7.1f} ms (n={len(times)})")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--slow-delay", type=float, default=0.5)
    p.add_argument("--skip-real-kb", action="store_true")
    p.add_argument("--http", action="store_true", help="also time SSE events through `coach serve`")
    p.add_argument("--tracing", action="store_true", help="also time suggestions with tracing off and on")
    p.add_argument("--tracing-only", action="store_true", help="only the tracing comparison")
    p.add_argument("--distinct-replies", action="store_true",
                   help="every LLM reply differs (by default each script gets one reply, which the validator "
                        "reads once and then remembers)")
    args = p.parse_args()
    os.environ.pop("COACH_PROMPTS_DIR", None)
    conversations = [Conversation.model_validate(c) for c in CONVERSATIONS]
    retrievers: dict[str, object] = {"fixed": FixedRetriever()}
    if not args.skip_real_kb:
        from coach.knowledge import load_knowledge_base

        kb = load_knowledge_base(Settings(_env_file=None))
        retrievers["kb lexical"] = kb.lexical_only()
        retrievers["kb configured"] = kb
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
    spec = distinct_script() if args.distinct_replies else None
    fast, fast_url = start_server(0.0, spec)
    slow, slow_url = start_server(args.slow_delay, spec)
    try:
        if args.tracing or args.tracing_only:
            asyncio.run(tracing_overhead(fast_url, args.n, conversations))
        if args.tracing_only:
            return 0
        asyncio.run(overhead(fast_url, args.n, conversations, retrievers))
        for label in ("fixed", "kb lexical", "kb configured"):
            if label in retrievers:
                asyncio.run(concurrency(slow_url, conversations, args.concurrency, retrievers[label], label,
                                        server_pid=slow.pid))
        if args.http:
            sse_over_http(slow_url)
    finally:
        fast.terminate()
        slow.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
