"""Graceful shutdown: a request in flight when the server is told to stop still gets its answer,
and `coach serve --workers 2` leaves no metrics folder behind.

(Draining under load with several workers is exercised by benchmarks/bench_load.py --workers 2.)"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import httpx
import pytest
import uvicorn

from coach.api.app import create_app
from coach.cli.serve_cmd import multiprocess_metrics_dir
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


@pytest.mark.parametrize(
    ("operator_folder", "kept"),
    [
        (False, False),  # a folder coach made for itself goes with the server
        (True, True),  # PROMETHEUS_MULTIPROC_DIR set by the operator: cleared of old samples, kept
    ],
)
@pytest.mark.parametrize("fails", [False, True])
def test_metrics_folder_lifetime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operator_folder: bool,
                                 kept: bool, fails: bool) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    if operator_folder:
        mine = tmp_path / "ops-metrics"
        mine.mkdir()
        (mine / "counter_1.db").write_bytes(b"old samples")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(mine))
    seen: list[Path] = []
    with pytest.raises(RuntimeError) if fails else nullcontext():
        with multiprocess_metrics_dir() as folder:
            seen.append(folder)
            assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
            assert folder.is_dir() and not list(folder.glob("*.db"))
            (folder / "counter_2.db").write_bytes(b"samples")
            if fails:
                raise RuntimeError("the server failed")
    assert seen[0].exists() is kept
    assert list(tmp_path.glob("coach-metrics-*")) == []
    assert ("PROMETHEUS_MULTIPROC_DIR" in os.environ) is operator_folder


def test_serve_with_workers_removes_its_metrics_folder_on_shutdown(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(TMPDIR=str(tmp_path), COACH_DATABASE=str(tmp_path / "f.db"), COACH_BACKEND="offline",
               COACH_LOG_FORMAT="text")
    server = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--workers", "2", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        scraped = False
        while time.monotonic() < deadline and server.poll() is None and not scraped:
            try:
                scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.1)
        folders = list(tmp_path.glob("coach-metrics-*"))
        assert scraped, "coach serve --workers 2 never answered /metrics"
        assert len(folders) == 1 and list(folders[0].glob("*.db")), "the workers wrote no samples"
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode(errors="replace")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, output
    assert list(tmp_path.glob("coach-metrics-*")) == [], f"left behind after shutdown: {folders}"
