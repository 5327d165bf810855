"""Benchmark: `coach eval run` over N scenarios against the scripted OpenAI-compatible server.

    .venv/bin/python benchmarks/bench_eval.py [--scenarios 1000] [--delay 0.2] [--concurrency 32]
                                              [--retrieval lexical|auto] [--cycle] [--distinct-replies]

Starts benchmarks/scripted_llm_server.py on a free port (every call answers, after --delay seconds,
a valid reply in the language the prompt asks for), writes N scenarios built from the shipped sets (by default each one made distinct
by a suffix, so no memo or cache helps), runs the real `coach eval run --backend openai --no-cache`
as a subprocess and prints the run time against the ideal N x delay / concurrency, and against
the same N calls made straight through the openai SDK (what the machine and the server allow: on a
shared, loaded machine that is the fair yardstick).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "benchmarks" / "scripted_llm_server.py"


# Valid replies in the customer's language (the validator rejects a reply in the wrong one). The
# server matches rules against the last user message, which ends with the conversation as JSON
# lines: the rules look at the last customer turn before </conversation>.
_LAST_TURN = r'"text": "{chars}"\}}\s*</conversation>'
_TRADITIONAL = "們這說請來個會為對還沒麼時問題處給幫嗎買電話錢讓應該經態結東歡當樣後過發裡點實與麼開關長"
SCRIPT = {
    "rules": [
        {"when": _LAST_TURN.format(chars=f'[^"]*[{_TRADITIONAL}][^"]*'),
         "content": {"reply": "我理解您的心情，這件事我馬上幫您查看處理，今天下午五點前給您回電。", "citations": []}},
        {"when": _LAST_TURN.format(chars="[ -~]*"),
         "content": {"reply": "I understand how frustrating this is. I'll look into it right away and call you "
                              "back by 5 pm today.", "citations": []}},
    ],
    "steps": [{"content": {"reply": "我理解您的心情，这件事我马上帮您查看处理，今天下午五点前给您回电。", "citations": []}}],
}


# --distinct-replies: every reply differs (one phrase of each list, by request number: 1,000 of each
# script), so the validator cannot answer a reply from what it read for an earlier one.
_HANS_PARTS = [
    ["我理解您的心情，", "非常理解您的感受，", "让您着急了，真的很抱歉，", "您的心情我完全明白，", "给您添麻烦了，很抱歉，",
     "谢谢您耐心说明情况，", "这件事确实让人烦心，", "您反映的情况我都记下了，", "我明白这对您很重要，", "感谢您告诉我们这些，"],
    ["这件事我马上帮您查看处理，", "我现在就帮您跟进这个问题，", "我这边立刻帮您核实一下，", "我会亲自帮您盯着这件事，",
     "我先帮您把情况登记清楚，", "我马上联系相关同事处理，", "我现在就帮您查一下进度，", "我来负责跟进到底，",
     "我会尽快帮您把问题弄清楚，", "我这就帮您催一下，"],
    ["今天下午五点前给您回电。", "今天下班前给您一个明确答复。", "下午五点前打电话告诉您结果。", "今天之内给您回复。",
     "稍后给您回电说明进展。", "有结果第一时间通知您。", "今天下午给您打电话确认。", "处理好后马上告诉您。",
     "今天下午五点前短信通知您。", "今天会给您一个答复。"],
]
_ENGLISH_PARTS = [
    ["I understand how frustrating this is. ", "I'm sorry for the trouble. ", "Thank you for explaining. ",
     "I can see why you're upset. ", "I hear you. ", "Thanks for your patience. ", "I'm sorry this happened. ",
     "That sounds really annoying. ", "I appreciate you telling me. ", "I understand. "],
    ["I'll look into it right away ", "I'm checking this for you now ", "I'll follow this up myself ",
     "I'm passing this to the right team now ", "I'll find out what happened ", "I'm on it now ",
     "I'll chase this for you ", "I'm logging every detail now ", "I'll sort this out ", "I'm taking care of it "],
    ["and call you back by 5 pm today.", "and update you before 5 pm today.", "and get back to you today.",
     "and call you this afternoon.", "and email you an update today.", "and let you know as soon as I can.",
     "and send you news by 5 pm.", "and phone you with the result today.", "and reply to you today.",
     "and keep you posted today."],
]


def distinct_script() -> dict:
    traditional = [[to_traditional(p) for p in ps] for ps in _HANS_PARTS]
    rules = SCRIPT["rules"]
    return {"rules": [{"when": rules[0]["when"], "reply_parts": traditional},
                      {"when": rules[1]["when"], "reply_parts": _ENGLISH_PARTS}],
            "steps": [{"reply_parts": _HANS_PARTS}]}


def to_traditional(text: str) -> str:
    sys.path.insert(0, str(ROOT))
    from coach.text import to_traditional as convert

    return convert(text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the scripted server did not start")


def requests_served(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
        return int(json.loads(r.read())["requests"])


async def bare_sdk_seconds(port: int, n: int, concurrency: int) -> float:
    """The same number of calls straight through the openai SDK: what the machine and server allow."""
    import asyncio

    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="bench", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await client.chat.completions.create(model="m", max_tokens=100,
                                                 messages=[{"role": "user", "content": f"hello {i}"}])

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def write_scenarios(folder: Path, n: int, distinct: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from coach.evaluation.scenarios import load_paths

    shipped = [s.scenario for s in load_paths([ROOT / "eval" / "scenarios"]).scenarios]
    out = []
    for i in range(n):
        base = shipped[i % len(shipped)].model_dump(mode="json", exclude_none=True)
        base["id"] = f"bench-{i:05d}"
        if distinct:
            turns = base["conversation"]["turns"]
            turns[-1]["text"] = f"{turns[-1]['text']} (#{i})"
        out.append(base)
    (folder / "bench.yaml").write_text(yaml.safe_dump({"name": "bench", "scenarios": out}, allow_unicode=True),
                                       encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenarios", type=int, default=1000)
    p.add_argument("--delay", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--retrieval", choices=("auto", "lexical"), default="lexical")
    p.add_argument("--cycle", action="store_true", help="repeat the shipped conversations instead of making each distinct")
    p.add_argument("--distinct-replies", action="store_true",
                   help="every LLM reply differs too (by default the server answers each script with one reply)")
    args = p.parse_args(argv)

    port = free_port()
    script = Path(tempfile.mkdtemp()) / "script.json"
    spec = distinct_script() if args.distinct_replies else SCRIPT
    script.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(SERVER), "--port", str(port), "--delay", str(args.delay),
                               "--script", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_scenarios(folder, args.scenarios, distinct=not args.cycle)
            # the default cache dir keeps the guideline index warm; --no-cache keeps LLM answers out
            env = {**os.environ, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "bench"}
            cmd = [sys.executable, "-m", "coach", "eval", "run", str(folder / "bench.yaml"), "--backend", "openai",
                   "--no-cache", "--no-progress", "--concurrency", str(args.concurrency),
                   "--retrieval", args.retrieval, "--out", str(folder / "run")]
            import asyncio

            bare = asyncio.run(bare_sdk_seconds(port, args.scenarios, args.concurrency))
            started = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
            wall = time.perf_counter() - started
            if proc.returncode == 2:
                print(proc.stderr, file=sys.stderr)
                return 2
            report = json.loads((folder / "run" / "report.json").read_text(encoding="utf-8"))
    finally:
        served = requests_served(port) if server.poll() is None else -1
        server.terminate()
        server.wait(timeout=10)
    ideal = args.scenarios * args.delay / args.concurrency
    run_s = float(report["run"]["duration_s"])
    s = report["summary"]
    print(f"scenarios={args.scenarios} delay={args.delay}s concurrency={args.concurrency} "
          f"retrieval={args.retrieval} distinct={not args.cycle} distinct_replies={args.distinct_replies}")
    print(f"LLM calls made by the eval: {served - args.scenarios} (first-try valid {s['first_try_valid_rate']:.3f}, degraded {s['degraded_rate']:.3f})")
    print(f"ideal {ideal:.2f} s | bare SDK calls {bare:.2f} s ({bare / ideal:.2f}x ideal) | "
          f"eval run {run_s:.2f} s ({run_s / ideal:.2f}x ideal, {run_s / bare:.2f}x bare SDK) | "
          f"whole command incl. start-up {wall:.2f} s")
    print(f"latency p50 {s['latency_ms']['p50']:.0f} ms, p95 {s['latency_ms']['p95']:.0f} ms; "
          f"passed {s['passed']}/{s['total']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
