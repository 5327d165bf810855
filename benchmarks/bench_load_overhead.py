"""CPU cost of the service layer per request: the full app (keys, body limit, request id,
metering, access log, error mapping) against the bare route, in process (no sockets).

    .venv/bin/python benchmarks/bench_load_overhead.py [--n 1500]
    .venv/bin/python benchmarks/bench_load_overhead.py --tracing [--n 300]

Uses POST /v1/validate, a sub-millisecond route, so the difference is the middleware's own cost.
CPU time (process_time), not wall time: less sensitive to the machine being shared.

--tracing: POST /v1/suggestions through the full service (offline backend, lexical retrieval, each
conversation distinct) with OpenTelemetry off (no exporter configured) and on (the SDK's batch
processor exporting over OTLP/HTTP to benchmarks/otlp_receiver.py in another process), interleaved
rounds, best of 3 each; the export's CPU is flushed and counted in its round.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.api.app import create_app  # noqa: E402
from coach.api.routes import validate  # noqa: E402
from coach.config import Settings  # noqa: E402

BODY = {
    "draft": "很抱歉，这件事我真的无能为力了。",
    "turns": [{"role": "customer", "text": "你们到底能不能解决？不行就叫你们领导来接电话！"}],
}


async def cpu_ms_per_request(app: FastAPI, headers: dict[str, str], n: int) -> float:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
        for _ in range(50):
            await c.post("/v1/validate", json=BODY)
        started = time.process_time()
        for _ in range(n):
            response = await c.post("/v1/validate", json=BODY)
            assert response.status_code == 200
        return (time.process_time() - started) / n * 1000


async def main(n: int) -> None:
    logging.getLogger("coach.access").setLevel(logging.INFO)  # the access line is part of the cost
    logging.getLogger("coach.access").addHandler(logging.NullHandler())
    logging.getLogger("coach.access").propagate = False
    full = create_app(Settings(_env_file=None, COACH_API_KEYS="k1,k2,k3", COACH_DATABASE="/tmp/coach-overhead.db"))  # type: ignore[call-arg]
    bare = FastAPI()
    bare.include_router(validate.router)
    rows = []
    for _ in range(3):
        rows.append((await cpu_ms_per_request(full, {"Authorization": "Bearer k3"}, n),
                     await cpu_ms_per_request(bare, {}, n)))
    full_ms = min(r[0] for r in rows)
    bare_ms = min(r[1] for r in rows)
    print(f"POST /v1/validate, best of 3 x {n}: full service {full_ms:.3f} ms CPU/request, "
          f"bare route {bare_ms:.3f} ms; the service layer adds {full_ms - bare_ms:.3f} ms")


async def suggestions_cpu_ms(app: FastAPI, n: int, offset: int) -> float:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        started = time.process_time()
        for i in range(n):
            body = {"turns": [{"role": "customer", "text": f"你们到底能不能解决？不行就叫你们领导来接电话！第{offset + i}次"}]}
            response = await c.post("/v1/suggestions", json=body)
            assert response.status_code == 200, response.text
        return (time.process_time() - started) / n * 1000


async def tracing_main(n: int) -> None:
    import subprocess

    from coach import tracing

    port = 43000 + int(time.time()) % 2000
    receiver = subprocess.Popen([sys.executable, str(Path(__file__).with_name("otlp_receiver.py")), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        logging.getLogger("coach").setLevel(logging.WARNING)
        settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_RETRIEVAL="lexical",  # type: ignore[call-arg]
                            COACH_DATABASE="/tmp/coach-overhead.db")
        app = create_app(settings)
        await app.state.runtime.load()
        assert tracing.configure(settings.model_copy(update={"otel_endpoint": f"http://127.0.0.1:{port}"}))
        provider = tracing._provider
        tracing.uninstall()
        await suggestions_cpu_ms(app, 30, 0)  # warm-up
        rows: dict[str, list[float]] = {"off": [], "on": []}
        for round_ in range(3):
            for mode in ("off", "on"):
                if mode == "on":
                    tracing.install(provider)
                started = time.process_time()
                await suggestions_cpu_ms(app, n, (round_ * 2 + (mode == "on")) * n + 100)
                if mode == "on":
                    provider.force_flush()
                rows[mode].append((time.process_time() - started) / n * 1000)
                tracing.uninstall()
        off, on = min(rows["off"]), min(rows["on"])
        print(f"POST /v1/suggestions (offline backend), best of 3 x {n}: tracing off {off:.3f} ms CPU/request, "
              f"on {on:.3f} ms (OTLP/HTTP export included): on/off {on / off:.3f}x, +{on - off:.3f} ms")
        print("  rounds off " + ", ".join(f"{x:.3f}" for x in rows["off"]) + "; on " + ", ".join(f"{x:.3f}" for x in rows["on"]))
        tracing.install(provider)
        tracing.shutdown()
    finally:
        receiver.terminate()
        receiver.wait(10)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--tracing", action="store_true", help="suggestions with tracing off and on instead")
    args = p.parse_args()
    if args.tracing:
        asyncio.run(tracing_main(args.n or 300))
    else:
        asyncio.run(main(args.n or 1500))
