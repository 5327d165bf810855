"""Shared by the service benchmarks: start the scripted LLM server and `coach serve` as real
processes on loopback, fire suggestion requests over HTTP, summarise latencies.

Not part of the product.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"

# Varied customer turns (no two requests share a conversation, as in a contact centre).
_OPENINGS = [
    "你们到底能不能解决？不行就叫你们领导来接电话！",
    "我的快递已经延误{n}天了，你们必须给我一个说法。",
    "手機又壞了，這是第{n}次了，你們要賠我！",
    "This is call number {n} about my refund. Put your manager on the line.",
    "你们的客服态度太差了，我要投诉，订单尾号{n}。",
    "说好的{n}元补偿呢？到现在还没到账！",
]


def conversation(i: int) -> dict[str, object]:
    text = _OPENINGS[i % len(_OPENINGS)].format(n=i % 97 + 2)
    return {"conversation_id": f"bench-{i}", "turns": [{"role": "customer", "text": text, "round": 1}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout_s} s")


# The scripted LLM answers in the customer's language (a reply in another language is rejected
# by the pipeline's language check and would be repaired): English for the English opening.
_SCRIPT = {
    "rules": [{"when": "call number", "content": {
        "reply": "I understand how frustrating this is. I will look into it now and call you back by 5 pm today.",
        "citations": []}}],
    "steps": [{"content": {"reply": "非常理解您的心情，我马上为您核实情况，今天下午五点前给您回电。", "citations": []}}],
}


class LLMServer:
    def __init__(self, delay: float) -> None:
        self.port = free_port()
        script = Path(tempfile.mkdtemp(prefix="coach-llm-")) / "script.json"
        script.write_text(json.dumps(_SCRIPT, ensure_ascii=False), encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "scripted_llm_server.py"), "--port", str(self.port),
             "--delay", str(delay), "--script", str(script)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{self.port}/stats")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: the LLM endpoint vanishes mid-answer
            self.proc.wait()


class CoachServer:
    def __init__(self, llm_base_url: str | None, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="coach-bench-"))
        self.log_path = self.dir / "coach.log"
        full_env = {
            **os.environ,
            "COACH_API_KEYS": KEY,
            "COACH_DATABASE": str(self.dir / "feedback.sqlite3"),
            "COACH_LOG_FORMAT": "json",
        }
        if llm_base_url:
            full_env.update({"OPENAI_BASE_URL": llm_base_url, "OPENAI_API_KEY": "bench", "COACH_BACKEND": "openai"})
        else:
            full_env["COACH_BACKEND"] = "offline"
        full_env.update(env)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coach", "serve", "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
            env=full_env, stdout=self._log, stderr=self._log, cwd=self.dir,
        )
        wait_http(f"{self.url}/readyz")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout_s: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout_s)
        self._log.close()
        return code


@dataclass
class Result:
    status: int
    seconds: float
    degraded: bool | None = None
    reason: str | None = None
    n_suggestions: int = 0
    error: str | None = None
    retry_after: str | None = None


@dataclass
class Batch:
    results: list[Result] = field(default_factory=list)
    wall_s: float = 0.0

    def latencies(self) -> list[float]:
        return sorted(r.seconds for r in self.results if r.status == 200)

    def pct(self, q: float) -> float:
        lat = self.latencies()
        if not lat:
            return float("nan")
        return lat[min(len(lat) - 1, max(0, round(q * (len(lat) - 1))))]

    def count(self, status: int) -> int:
        return sum(1 for r in self.results if r.status == status)

    def errors(self) -> list[Result]:
        return [r for r in self.results if r.status != 200 or r.error or r.n_suggestions == 0]

    def degraded(self) -> int:
        return sum(1 for r in self.results if r.degraded)

    def summary(self) -> str:
        reasons: dict[str, int] = {}
        for r in self.results:
            if r.degraded:
                reasons[r.reason or "?"] = reasons.get(r.reason or "?", 0) + 1
        return (
            f"n={len(self.results)} ok={self.count(200)} errors={len(self.errors())} "
            f"degraded={self.degraded()} {reasons or ''} p50={self.pct(0.5) * 1000:.0f}ms "
            f"p99={self.pct(0.99) * 1000:.0f}ms max={self.pct(1.0) * 1000:.0f}ms wall={self.wall_s:.2f}s"
        )


def client(timeout_s: float = 120) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=timeout_s,
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000),
        headers={"Authorization": f"Bearer {KEY}"},
    )


async def suggest(http: httpx.AsyncClient, url: str, i: int) -> Result:
    started = time.perf_counter()
    try:
        response = await http.post(f"{url}/v1/suggestions", json=conversation(i))
    except httpx.HTTPError as exc:
        return Result(0, time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        return Result(response.status_code, elapsed, error=response.text[:200], retry_after=response.headers.get("Retry-After"))
    body = response.json()
    return Result(200, elapsed, body.get("degraded"), body.get("degraded_reason"), len(body.get("suggestions", [])))


async def burst(url: str, n: int, start_index: int = 0, stagger_s: float = 0.0) -> Batch:
    """n suggestions, all in flight at once (or started `stagger_s` apart)."""
    async with client() as http:
        started = time.perf_counter()

        async def one(i: int) -> Result:
            if stagger_s:
                await asyncio.sleep(i * stagger_s)
            return await suggest(http, url, start_index + i)

        results = await asyncio.gather(*(one(i) for i in range(n)))
        return Batch(list(results), time.perf_counter() - started)


async def sequential(url: str, n: int, start_index: int = 0) -> Batch:
    async with client() as http:
        started = time.perf_counter()
        results = [await suggest(http, url, start_index + i) for i in range(n)]
        return Batch(results, time.perf_counter() - started)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
