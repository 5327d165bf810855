"""The panel's browser tests share this: Playwright driving Debian's Chromium (never a downloaded
one) against one coach server (uvicorn in a thread, loopback, free port, offline drafter, a
service key). Under CI (CI=true) a missing Chromium is a failure, never a skip.

Test modules import the fixtures they use (`from tests.panel_harness import browser, server`);
each module gets its own server, Playwright and browser, all gone when the module ends (no
Playwright event loop lives on into the asyncio tests after them).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.responses import HTMLResponse

from coach.api.app import create_app
from coach.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
KEY = "panel-test-key"
CUSTOMER = "你们到底能不能解决？不行就叫你们领导来接电话！"
TIMEOUT_MS = 10_000


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PanelServer:
    def __init__(self, db: Path, **env: str) -> None:
        values = {"COACH_BACKEND": "offline", "COACH_API_KEYS": KEY, "COACH_DATABASE": str(db), **env}
        settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
        self.db = db
        self.app = create_app(settings)
        self.app.add_api_route("/_desk", self._desk, include_in_schema=False)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @staticmethod
    async def _desk() -> HTMLResponse:
        # A stand-in agent desktop (same origin) that embeds the panel and talks to it.
        return HTMLResponse(
            "<!doctype html><meta charset='utf-8'><body>"
            f"<iframe id='coach' src='/panel#key={KEY}' style='width:900px;height:900px'></iframe>"
            "<script>window.sent=[];addEventListener('message',e=>{if(e.data&&e.data.type==='coach:send')"
            "window.sent.push(e.data.text)});</script></body>"
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        raise RuntimeError("the coach server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def rows(self) -> list[dict[str, object]]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]
        finally:
            conn.close()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def launch(pw, chromium: Path, env: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    return pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True, env=env)


@pytest.fixture(scope="module")
def playwright_instance(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance, chromium_path: Path) -> Iterator[object]:  # noqa: ANN001
    instance = launch(playwright_instance, chromium_path)
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelServer]:
    srv = PanelServer(tmp_path_factory.mktemp("panel") / "feedback.sqlite3")
    srv.start()
    yield srv
    srv.stop()


def open_page(browser, locale: str = "en-US"):  # noqa: ANN001, ANN201
    """A fresh context (no stored key, no stored language) whose browser speaks `locale`."""
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page
