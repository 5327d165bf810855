"""CPU cost of the service layer per request: the full app (keys, body limit, request id,
metering, access log, error mapping) against the bare route, in process (no sockets).

    .venv/bin/python benchmarks/bench_load_overhead.py [--n 1500]

Uses POST /v1/validate, a sub-millisecond route, so the difference is the middleware's own cost.
CPU time (process_time), not wall time: less sensitive to the machine being shared.
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


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1500)
    asyncio.run(main(p.parse_args().n))
