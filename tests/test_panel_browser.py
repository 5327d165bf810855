"""The panel in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

One server (uvicorn in a thread, loopback, free port, offline drafter, a service key) serves the
panel; the tests type as an agent would and check what the page shows and what the database got.
Under CI (CI=true) a missing Chromium is a failure, never a skip.
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


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, db: Path, **env: str) -> None:
        values = {"COACH_BACKEND": "offline", "COACH_API_KEYS": KEY, "COACH_DATABASE": str(db), **env}
        settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
        self.db = db
        self.app = create_app(settings)
        self.app.add_api_route("/_desk", self._desk, include_in_schema=False)
        self.port = _free_port()
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    srv = _Server(tmp_path_factory.mktemp("panel") / "feedback.sqlite3")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def dead_llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    """Configured for an LLM endpoint where nothing listens: every answer is degraded."""
    srv = _Server(
        tmp_path_factory.mktemp("panel-degraded") / "feedback.sqlite3",
        COACH_BACKEND="openai", OPENAI_BASE_URL=f"http://127.0.0.1:{_free_port()}/v1", OPENAI_API_KEY="unused",
        COACH_LLM_RETRIES="0",
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server):  # noqa: ANN001, ANN201
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


# Records the order in which guideline and suggestion cards first appear.
_ORDER_PROBE = """
window.__order = [];
new MutationObserver(() => {
  for (const [sel, name] of [["#passages .passage", "passages"], ["#suggestions .suggestion", "suggestion"]]) {
    if (document.querySelector(sel) && !window.__order.includes(name)) window.__order.push(name);
  }
}).observe(document, {subtree: true, childList: true});
"""


def test_suggestions_stream_in_and_feedback_lands_in_sqlite(page, server: _Server) -> None:  # noqa: ANN001
    page.add_init_script(_ORDER_PROBE)
    streamed: list[str] = []
    page.on("response", lambda r: streamed.append(r.headers.get("content-type", "")) if r.url.endswith("/v1/suggestions") else None)
    page.goto(f"{server.url}/panel#key={KEY}")
    assert "key=" not in page.url  # the key left the address bar
    page.fill("#turn-text", CUSTOMER)
    page.click("#add-turn")
    assert page.locator("#turns .turn.customer").inner_text().endswith(CUSTOMER)
    page.click("#settings summary")
    page.select_option("#n", "2")
    page.click("#suggest")

    cards = page.locator("#suggestions .suggestion")
    cards.first.wait_for()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('offline')")
    assert page.evaluate("window.__order") == ["passages", "suggestion"]
    assert any("text/event-stream" in c for c in streamed)
    assert page.locator("#passages .passage").count() >= 1
    assert cards.count() == 2
    assert page.locator("#degraded").is_hidden()
    first_text = cards.nth(0).locator(".text").inner_text()
    assert first_text.strip()

    # Guideline cards expand to the full passage.
    passage = page.locator("#passages .passage").first
    passage.locator("summary").click()
    assert passage.locator(".full").is_visible()

    # Use the first suggestion, edit it, send: an "edited" verdict with the final text.
    cards.nth(0).locator("button[data-action=use]").click()
    assert page.input_value("#reply") == first_text
    page.locator("#reply").press("End")
    page.locator("#reply").type("祝您生活愉快。")
    page.click("#send")
    page.wait_for_function("() => document.getElementById('feedback-status').textContent.includes('edited')")
    # Reject the second one.
    cards.nth(1).locator("button[data-action=reject]").click()
    page.wait_for_function("() => document.getElementById('feedback-status').textContent.includes('rejected')")
    assert page.locator("#turns .turn.agent").inner_text().endswith("祝您生活愉快。")

    rows = server.rows()
    assert [r["verdict"] for r in rows[-2:]] == ["edited", "rejected"]
    edited, rejected = rows[-2:]
    assert edited["suggestion"] == first_text
    assert edited["final_text"] == first_text + "祝您生活愉快。"
    assert CUSTOMER in str(edited["conversation_json"])
    assert edited["request_id"] and edited["request_id"] == rejected["request_id"]
    assert rejected["suggestion_index"] == 1 and rejected["source"] == "offline"


def test_live_lint_underlines_the_violating_span(page, server: _Server) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/panel#key={KEY}")
    page.fill("#turn-text", CUSTOMER)
    page.click("#add-turn")
    page.locator("#reply").type("很抱歉，这件事我真的无能为力了。", delay=5)
    mark = page.locator("#reply-backdrop mark.violation")
    mark.first.wait_for()
    assert mark.first.inner_text() == "无能为力"
    assert "authority_exposure" in (mark.first.get_attribute("data-rule") or "")
    assert mark.first.get_attribute("title")  # message and hint on hover
    item = page.locator("#lint li[data-rule=authority_exposure]")
    assert "无能为力" in item.inner_text()
    assert item.locator(".lint-hint").inner_text().strip()
    # The underline sits under the very characters: the mark's box overlaps the textarea's text.
    box = mark.first.bounding_box()
    area = page.locator("#reply").bounding_box()
    assert box and area and area["x"] <= box["x"] < area["x"] + area["width"]
    # Fixing the text clears the underline.
    page.fill("#reply", "我理解您的心情，我马上为您跟进，今天下午给您回电。")
    page.wait_for_function("() => document.getElementById('lint').dataset.state === 'clean'")
    assert page.locator("#reply-backdrop mark").count() == 0


def test_desktop_embeds_the_panel_and_sends_turns_by_postmessage(page, server: _Server) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/_desk")
    frame = page.frame_locator("#coach")
    frame.locator("#suggest").wait_for()
    page.evaluate(
        """t => document.getElementById('coach').contentWindow.postMessage(
             {type: 'coach:turn', turn: {role: 'customer', text: t, round: 1}}, '*')""",
        CUSTOMER,
    )
    cards = frame.locator("#suggestions .suggestion")
    cards.first.wait_for()
    text = cards.first.locator(".text").inner_text()
    cards.first.locator("button[data-action=use]").click()
    frame.locator("#send").click()
    page.wait_for_function("() => window.sent.length === 1")
    assert page.evaluate("window.sent[0]") == text
    assert server.rows()[-1]["verdict"] == "accepted"


def test_panel_without_key_shows_the_401(page, server: _Server) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/panel")
    page.fill("#turn-text", CUSTOMER)
    page.click("#add-turn")
    page.click("#suggest")
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('401')")
    assert page.locator("#status").get_attribute("class") == "status error"


def test_sse_parser_and_span_mapping_in_the_page(page, server: _Server) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/panel")
    events = page.evaluate(
        """() => {
            const seen = [];
            const p = new CoachSSE.SSEParser((name, data) => seen.push([name, data]));
            // split anywhere: inside a field name, between CR and LF, inside the data
            for (const chunk of ["ev", "ent: passages\\r", "\\ndata: {\\"a\\"", ":1}\\r\\n\\r\\n",
                                 ": keep-alive\\n\\n", "data: x\\ndata: y\\n\\n", "event: done\\ndata: z"]) p.push(chunk);
            p.end();
            return seen;
        }"""
    )
    assert events == [["passages", '{"a":1}'], ["message", "x\ny"], ["done", "z"]]
    # Spans count code points (Python); the page slices UTF-16: an emoji before the span.
    marked = page.evaluate(
        """() => {
            const text = "😀 我真的无能为力了";
            const div = document.createElement("div");
            CoachLint.renderBackdrop(div, text, [{rule: "authority_exposure", severity: "block",
                                                  message: "m", hint: "h", span: [5, 9]}]);
            return div.querySelector("mark").textContent;
        }"""
    )
    assert marked == "无能为力"


def test_degraded_answer_shows_the_badge(browser, dead_llm_server: _Server) -> None:  # noqa: ANN001
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{dead_llm_server.url}/panel#key={KEY}")
        page.fill("#turn-text", CUSTOMER)
        page.click("#add-turn")
        page.click("#suggest")
        page.locator("#suggestions .suggestion").first.wait_for()
        badge = page.locator("#degraded")
        badge.wait_for(state="visible")
        assert "llm_error" in badge.inner_text()
        assert page.locator("#suggestions .suggestion .badge-offline").count() >= 1
    finally:
        context.close()
