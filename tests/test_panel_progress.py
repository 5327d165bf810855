"""The panel shows what a slow suggestion is doing (issue 13, item 7): the stream's `attempt`
events, in the agent's language, in the suggestions pane and the status bar, until `done`.

The service is the real one (guidelines, validator, offline drafter, OpenAI-compatible drafter);
only the LLM endpoint is scripted, with respx, slow enough to watch each step.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from tests.panel_harness import (  # noqa: F401  (fixtures)
    CUSTOMER,
    KEY,
    PanelServer,
    browser,
    chromium_path,
    open_page,
    playwright_instance,
)

URL = "http://llm.test/v1/chat/completions"
EXPOSES = "非常抱歉，这事我定不了，必须领导处理。"  # authority_exposure
FIXED = "非常理解您的心情，这个问题我来负责跟进，今天下午五点前给您回电。"

# Every text put into the progress list, in order of first appearance. Recorded as each line goes
# in (a MutationObserver would report after the task, by when the last steps, which arrive in
# the same network chunk as `done`, have given way to the answer).
_PROGRESS_PROBE = """
window.__progress = [];
const append = Node.prototype.appendChild;
Node.prototype.appendChild = function (child) {
  const added = append.call(this, child);
  if (this.matches && this.matches("#progress > ol") && !window.__progress.includes(child.textContent)) {
    window.__progress.push(child.textContent);
  }
  return added;
};
"""
PROGRESS_TEXTS = "() => [...document.querySelectorAll('#progress li')].map(li => li.textContent)"


def completion(reply: str) -> httpx.Response:
    content = json.dumps({"reply": reply, "citations": []}, ensure_ascii=False)
    return httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 1, "model": "qwen2.5-1.5b",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 40, "total_tokens": 1540},
    })


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelServer]:
    srv = PanelServer(
        tmp_path_factory.mktemp("panel-progress") / "feedback.sqlite3",
        COACH_BACKEND="openai", OPENAI_BASE_URL="http://llm.test/v1", OPENAI_API_KEY="unused",
        COACH_DEADLINE_S="20", COACH_LLM_TIMEOUT_S="15", COACH_SSE_KEEPALIVE_S="0.3",
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def llm() -> Iterator[respx.Router]:
    """The scripted endpoint; the panel's own requests (the browser's, the harness's) pass."""
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router


def ask(page, server: PanelServer) -> None:  # noqa: ANN001
    page.add_init_script(_PROGRESS_PROBE)
    page.goto(f"{server.url}/panel#key={KEY}")
    page.fill("#turn-text", CUSTOMER)
    page.click("#add-turn")
    page.click("#settings summary")
    page.select_option("#n", "1")
    page.click("#settings summary")
    page.click("#suggest")


def test_a_rejected_then_repaired_draft_is_shown_step_by_step_in_chinese(browser, server: PanelServer, llm) -> None:  # noqa: ANN001
    async def answer(request: httpx.Request) -> httpx.Response:
        repairing = "定不了" in request.content.decode()  # the repair prompt quotes the rejected draft
        await asyncio.sleep(2.2 if repairing else 0.5)
        return completion(FIXED if repairing else EXPOSES)

    route = llm.post(URL).mock(side_effect=answer)
    context, page = open_page(browser, locale="zh-CN")
    try:
        ask(page, server)
        page.locator("#progress li[data-stage=repairing]").wait_for()
        assert page.evaluate(PROGRESS_TEXTS) == [
            "正在起草回复…", "第 1 稿没有通过检查：暴露权限边界。", "正在修改（第 2 稿）…",
        ]
        assert page.get_attribute("#progress li[data-stage=rejected]", "data-rules") == "authority_exposure"
        assert page.locator("#progress").is_visible()
        assert page.locator("#status").inner_text() == "正在修改（第 2 稿）…"
        # While the model is still rewriting, the pane counts the seconds waited.
        page.wait_for_function("() => /^已等待 [1-9]\\d* 秒$/.test(document.querySelector('#progress .elapsed').textContent)")
        assert page.locator("#progress .elapsed").is_visible()
        assert page.locator("#suggestions .suggestion").count() == 0
        assert page.locator("#status").inner_text() == "正在修改（第 2 稿）…"  # announced once, not every second

        card = page.locator("#suggestions .suggestion")
        card.first.wait_for()
        page.wait_for_function("() => document.getElementById('status').textContent.includes('qwen2.5-1.5b')")
        assert page.locator("#progress").count() == 0  # done: the steps give way to the answer
        assert card.first.locator(".text").inner_text() == FIXED
        assert page.locator("#degraded").is_hidden() and route.call_count == 2
    finally:
        context.close()


def test_the_fallback_is_said_and_the_steps_follow_a_change_of_language(browser, server: PanelServer, llm) -> None:  # noqa: ANN001
    async def answer(request: httpx.Request) -> httpx.Response:
        first = "定不了" not in request.content.decode()
        await asyncio.sleep(1.5 if first else 0.3)
        return completion(EXPOSES)  # never repaired

    route = llm.post(URL).mock(side_effect=answer)
    context, page = open_page(browser, locale="zh-TW")
    try:
        ask(page, server)
        page.wait_for_function(f"() => ({PROGRESS_TEXTS})().join() === '正在草擬回覆…'")
        page.click("#settings summary")
        page.select_option("#ui-lang", "en")  # the agent switches while the model drafts
        assert page.evaluate(PROGRESS_TEXTS) == ["Drafting a reply…"]
        assert page.locator("#status").inner_text() == "Drafting a reply…"

        page.locator("#suggestions .suggestion").first.wait_for()
        page.locator("#degraded").wait_for(state="visible")
        seen = page.evaluate("window.__progress")
        assert seen[:2] == ["正在草擬回覆…", "Drafting a reply…"]
        assert seen[2:] == [
            "Draft 1 did not pass the check: exposes the agent's limits.", "Rewriting it (draft 2)…",
            "Draft 2 did not pass the check: exposes the agent's limits.", "Rewriting it (draft 3)…",
            "Draft 3 did not pass the check: exposes the agent's limits.",
            "Using a standard reply: every draft failed the check.",
        ]
        assert page.locator("#progress").count() == 0
        assert "invalid_after_repair" in page.locator("#degraded").inner_text()
        assert page.locator("#suggestions .suggestion .badge-offline").count() == 1 and route.call_count == 3
    finally:
        context.close()
