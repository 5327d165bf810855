"""/docs and /redoc render in a real browser that cannot leave the machine (Debian's Chromium).

Every request to a host other than the coach server is aborted and recorded, as on a contact
centre's network without internet: the explorers must render all the same and ask for nothing
outside. Under CI (CI=true) a missing Chromium is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from coach.api.app import create_app
from coach.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("docs") / "feedback.sqlite3"
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(db))  # type: ignore[call-arg]
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if server.started and httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the coach server did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def offline_page(browser, base_url: str):  # noqa: ANN001, ANN201
    """A page whose requests to any other host fail, as without internet; `page.outside` lists them."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    own = urlsplit(base_url).netloc
    outside: list[str] = []

    def route(r) -> None:  # noqa: ANN001
        url = r.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            outside.append(url)
            r.abort("internetdisconnected")
        else:
            r.continue_()

    context.route("**/*", route)
    failed: list[str] = []
    refused: list[str] = []  # what the page's Content-Security-Policy kept from loading
    page.on("requestfailed", lambda req: failed.append(f"{req.url} {req.failure}"))
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.outside = outside  # type: ignore[attr-defined]
    page.failed = failed  # type: ignore[attr-defined]
    page.refused = refused  # type: ignore[attr-defined]
    yield page
    context.close()


def test_swagger_ui_renders_offline(offline_page, base_url: str) -> None:  # noqa: ANN001
    page = offline_page
    page.goto(f"{base_url}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "coach" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path[data-path='/v1/suggestions']").wait_for()
    assert page.locator(".opblock").count() >= 8
    assert page.outside == [] and page.failed == [] and page.refused == []


def test_redoc_renders_offline(offline_page, base_url: str) -> None:  # noqa: ANN001
    page = offline_page
    page.goto(f"{base_url}/redoc")
    page.get_by_text("/v1/suggestions").first.wait_for()
    assert page.locator("h1").first.inner_text().startswith("coach")
    assert page.outside == []
    # ReDoc's bundle shows its vendor's logo from the vendor's host: the page's policy refuses it
    # before any request is made (and ReDoc then leaves the logo out).
    assert all(f.startswith("https://cdn.redoc.ly/") and f.endswith(" csp") for f in page.failed), page.failed
    assert all("cdn.redoc.ly" in message for message in page.refused), page.refused
