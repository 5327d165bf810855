"""Graceful shutdown: a request in flight when the server is told to stop still gets its answer.

(`coach serve --workers 2` end to end, with SIGTERM, is exercised by benchmarks/bench_load.py
--workers 2: spawning worker processes takes too long for the unit suite.)"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import uvicorn

from coach.api.app import create_app
from coach.config import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_in_flight_request_finishes_after_shutdown_starts(tmp_path) -> None:
    app = create_app(Settings(_env_file=None, COACH_DATABASE=str(tmp_path / "f.db")))  # type: ignore[call-arg]
    started = threading.Event()

    @app.get("/v1/_slow")
    async def _slow() -> dict[str, bool]:
        started.set()
        await asyncio.sleep(0.6)
        return {"finished": True}

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    result: dict[str, object] = {}

    def call() -> None:
        result["response"] = httpx.get(f"http://127.0.0.1:{port}/v1/_slow", timeout=10)

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(5)
    server.should_exit = True  # what SIGTERM does
    caller.join(10)
    thread.join(10)
    response = result["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200 and response.json() == {"finished": True}
    assert not thread.is_alive()
