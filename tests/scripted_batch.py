"""benchmarks/scripted_batch_server.py as a real Batch API server for tests: uvicorn in a thread on
a free loopback port, one per `with ScriptedBatchServer(...)` block.

    with ScriptedBatchServer(rules, knobs=Knobs(expire_batches=1, expire_after=2)) as server:
        settings = Settings(_env_file=None, OPENAI_BASE_URL=server.v1)
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.scripted_endpoint import free_port

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "scripted_batch_server.py"


def server_module():  # noqa: ANN201
    name = "scripted_batch_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class ScriptedBatchServer:
    def __init__(self, script: Any = None, *, directory: Path | None = None, **knobs: Any) -> None:
        mod = server_module()
        self.state = mod.BatchServer(script, directory=directory, knobs=mod.Knobs(**knobs))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.state.app(), host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def v1(self) -> str:
        return f"{self.url}/v1"

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/stats", timeout=5).json()

    def control(self, **knobs: Any) -> None:
        httpx.post(f"{self.url}/control", json=knobs, timeout=5).raise_for_status()

    def __enter__(self) -> ScriptedBatchServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    httpx.get(f"{self.url}/stats", timeout=2)
                    return self
                except httpx.TransportError:
                    pass
            time.sleep(0.02)
        raise RuntimeError("the scripted batch server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
