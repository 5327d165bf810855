"""benchmarks/scripted_llm_server.py as a real OpenAI-compatible server for tests: uvicorn in a
thread on a free loopback port, one per `with ScriptedEndpoint(...)` block.

    with ScriptedEndpoint([{"content": "not JSON"}], model="qwen2.5") as llm:
        settings = Settings(_env_file=None, OPENAI_BASE_URL=llm.v1)
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "scripted_llm_server.py"


def _server_module():  # noqa: ANN202
    name = "scripted_llm_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_url() -> str:
    """The /v1 URL of a loopback port where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"


class ScriptedEndpoint:
    """A scripted chat-completions server (steps as in benchmarks/scripted_llm_server.py)."""

    def __init__(self, steps: Any = None, *, model: str = "scripted-model", delay: float = 0.0) -> None:
        mod = _server_module()
        self.script = mod.Script(steps) if steps is not None else mod.Script()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = mod.make_app(self.script, delay=delay, model=model)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def v1(self) -> str:
        return f"{self.url}/v1"

    @property
    def requests(self) -> int:
        """Chat completions asked for so far."""
        return self.script.requests

    def __enter__(self) -> ScriptedEndpoint:
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
        raise RuntimeError("the scripted LLM server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
