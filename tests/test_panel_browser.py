"""The panel in a real browser: Playwright driving Debian's Chromium (tests/panel_harness.py).

The tests type as an agent would and check what the page shows and what the database got.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coach.text import detect_script

from tests.panel_harness import (  # noqa: F401  (fixtures)
    CUSTOMER,
    KEY,
    PanelServer,
    browser,
    chromium_path,
    free_port,
    open_page,
    playwright_instance,
    server,
)


@pytest.fixture(scope="module")
def dead_llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelServer]:
    """Configured for an LLM endpoint where nothing listens: every answer is degraded."""
    srv = PanelServer(
        tmp_path_factory.mktemp("panel-degraded") / "feedback.sqlite3",
        COACH_BACKEND="openai", OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1", OPENAI_API_KEY="unused",
        COACH_LLM_RETRIES="0",
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def page(browser, server):  # noqa: ANN001, ANN201, F811
    context, pg = open_page(browser)
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


def test_suggestions_stream_in_and_feedback_lands_in_sqlite(page, server: PanelServer) -> None:  # noqa: ANN001
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
    # Shown in the customer's Simplified; the Traditional source one click away, and back.
    shown = passage.locator(".full").inner_text()
    toggle = passage.locator("button.original-toggle")
    toggle.click()
    original = passage.locator(".full").inner_text()
    assert original != shown and detect_script(original) == "zh-Hant" and detect_script(shown) == "zh-Hans"
    toggle.click()
    assert passage.locator(".full").inner_text() == shown

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


def test_live_lint_underlines_the_violating_span(page, server: PanelServer) -> None:  # noqa: ANN001
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


def test_desktop_embeds_the_panel_and_sends_turns_by_postmessage(page, server: PanelServer) -> None:  # noqa: ANN001
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


def test_keys_set_and_no_key_entered_in_chinese_the_panel_says_it_could_not_check(browser, server: PanelServer) -> None:  # noqa: ANN001, E501
    context, page = open_page(browser, locale="zh-CN")
    try:
        page.goto(f"{server.url}/panel")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        page.fill("#turn-text", CUSTOMER)
        page.click("#add-turn")

        # The lint got a 401: the reply is marked unchecked and the note says why and how to fix it.
        page.locator("#reply").type("这事我做不了主。", delay=5)
        page.wait_for_function("() => document.getElementById('lint').dataset.state === 'unavailable'")
        note = page.locator("#lint-note")
        assert note.is_visible()
        said = note.inner_text()
        assert "没能检查这段回复" in said and "服务需要密钥" in said
        assert "“设置”" in said and "/panel#key=" in said
        assert "✓" not in said and "HTTP 401" in said
        assert page.locator("#reply-backdrop mark").count() == 0
        assert "unchecked" in (page.get_attribute("#reply", "class") or "")

        # The suggestion call got a 401 too: said in the pane and in the status bar.
        page.click("#suggest")
        problem = page.locator("#suggestions .problem")
        problem.wait_for()
        assert "没能获取建议" in problem.inner_text() and "/panel#key=" in problem.inner_text()
        assert page.locator("#status").inner_text().startswith("没能获取建议。服务需要密钥")
        assert page.get_attribute("#status", "class") == "status error"

        # The fix: the note's button opens Settings at the key field; the key entered, the reply
        # is checked again and the underline appears.
        note.locator("button[data-action=settings]").click()
        assert page.evaluate("document.getElementById('settings').open")
        assert page.evaluate("document.activeElement.id") == "key"
        page.keyboard.type(KEY)
        mark = page.locator("#reply-backdrop mark.violation")
        mark.first.wait_for()
        assert mark.first.inner_text() == "我做不了主"
        assert page.locator("#lint").get_attribute("data-state") == "violations"
        assert note.is_hidden()
        assert "unchecked" not in (page.get_attribute("#reply", "class") or "")
        assert "权限" in page.locator("#lint li[data-rule=authority_exposure]").inner_text()

        page.click("#suggest")
        page.locator("#suggestions .suggestion").first.wait_for()
        assert page.locator("#suggestions .problem").count() == 0
    finally:
        context.close()


def test_sse_parser_and_span_mapping_in_the_page(page, server: PanelServer) -> None:  # noqa: ANN001
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


def test_degraded_answer_shows_the_badge(browser, dead_llm_server: PanelServer) -> None:  # noqa: ANN001
    context, page = open_page(browser)
    try:
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
