"""The panel never looks clean when it could not check, and says so in the agent's language.

Failures are injected in the browser (Playwright routes) for the lint and suggestion calls: a
refused connection, 5xx, 429, 422, a wrong key, a stream cut off or reporting an error.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from tests.panel_harness import (  # noqa: F401  (fixtures)
    CUSTOMER,
    KEY,
    PanelServer,
    browser,
    chromium_path,
    open_page,
    playwright_instance,
    server,
)

DRAFT = "这事我做不了主。"
UNAVAILABLE = "() => document.getElementById('lint').dataset.state === 'unavailable'"


def _json(status: int, message: str, headers: dict[str, str] | None = None):  # noqa: ANN202
    body = json.dumps({"error": {"code": "x", "message": message}})
    return lambda route: route.fulfill(status=status, body=body, content_type="application/json", headers=headers or {})


# fault -> (how the route answers, why the panel says it failed, how it says to fix it)
FAULTS = {
    "network": (lambda route: route.abort("connectionrefused"), "could not be reached", "Check the network connection"),
    "server_error": (_json(500, "boom"), "The service had an error.", "tell your administrator"),
    "busy": (_json(429, "busy", {"Retry-After": "7"}), "The service is busy.", "Try again in 7 s."),
    "starting": (_json(503, "not ready"), "not available right now", "Try again in a moment."),
    "refused": (_json(422, "draft: too long"), "turned the request down: draft: too long", "Try again"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_lint_or_suggestion_call_shows_could_not_check(browser, server: PanelServer, fault: str) -> None:  # noqa: ANN001
    answer, why, fix = FAULTS[fault]
    context, page = open_page(browser)
    try:
        page.route("**/v1/validate", answer)
        page.route("**/v1/suggestions", answer)
        page.goto(f"{server.url}/panel#key={KEY}")
        page.fill("#turn-text", CUSTOMER)
        page.click("#add-turn")
        page.fill("#reply", DRAFT)
        page.wait_for_function(UNAVAILABLE)
        note = page.locator("#lint-note").inner_text()
        assert note.startswith("Could not check this reply") and why in note and fix in note
        assert page.locator("#reply-backdrop mark").count() == 0
        assert "unchecked" in (page.get_attribute("#reply", "class") or "")

        page.click("#suggest")
        problem = page.locator("#suggestions .problem")
        problem.wait_for()
        assert why in problem.inner_text() and fix in problem.inner_text()
        assert page.get_attribute("#status", "class") == "status error"

        # Once the service answers again, "Check again" brings the underline back.
        page.unroute("**/v1/validate")
        page.click("#lint-note button[data-action=recheck]")
        page.locator("#reply-backdrop mark.violation").first.wait_for()
        assert page.locator("#lint-note").is_hidden()
    finally:
        context.close()


def test_a_wrong_key_is_told_apart_from_a_missing_one(browser, server: PanelServer) -> None:  # noqa: ANN001
    context, page = open_page(browser)
    try:
        page.goto(f"{server.url}/panel#key=not-the-key")
        page.fill("#reply", DRAFT)
        page.wait_for_function(UNAVAILABLE)
        note = page.locator("#lint-note").inner_text()
        assert "did not accept the key" in note and "Check the service key under Settings" in note
    finally:
        context.close()


@pytest.mark.parametrize(
    ("stream", "said"),
    [
        ("event: passages\ndata: []\n\n", "The answer was cut off."),
        ('event: error\ndata: {"error": {"code": "internal_error", "message": "the suggestion failed"}}\n\n',
         "The service reported an error: the suggestion failed"),
    ],
    ids=["cut_off", "error_event"],
)
def test_a_stream_without_its_done_event_is_not_a_finished_answer(browser, server: PanelServer, stream: str, said: str) -> None:  # noqa: ANN001, E501
    context, page = open_page(browser)
    try:
        page.route("**/v1/suggestions", lambda route: route.fulfill(status=200, body=stream, content_type="text/event-stream"))
        page.goto(f"{server.url}/panel#key={KEY}")
        page.fill("#turn-text", CUSTOMER)
        page.click("#add-turn")
        page.click("#suggest")
        page.locator("#suggestions .problem").wait_for()
        assert said in page.locator("#suggestions .problem").inner_text()
        assert page.locator("#status").inner_text().startswith("Could not get suggestions.")
    finally:
        context.close()


def test_messages_follow_the_browser_then_the_language_chosen_in_settings(browser, server: PanelServer) -> None:  # noqa: ANN001
    context, page = open_page(browser, locale="zh-TW")
    try:
        page.goto(f"{server.url}/panel")  # no key: the lint cannot run
        page.fill("#turn-text", CUSTOMER)
        page.click("#add-turn")
        assert page.locator("#turns .turn .who").inner_text().startswith("客戶")
        page.fill("#reply", DRAFT)
        page.wait_for_function(UNAVAILABLE)
        note = page.locator("#lint-note")
        assert "沒能檢查這段回覆" in note.inner_text() and "服務需要密鑰" in note.inner_text()

        page.click("#settings summary")
        page.select_option("#ui-lang", "en")
        assert note.inner_text().startswith("Could not check this reply")
        assert "/panel#key=<your key>" in note.inner_text()
        assert page.locator("#turns .turn .who").inner_text().startswith("Customer")
        assert page.evaluate("document.documentElement.lang") == "en"

        page.reload()  # the choice is kept
        assert page.input_value("#ui-lang") == "en"
        assert page.evaluate("CoachI18n.lang()") == "en"
        page.click("#settings summary")
        page.fill("#key", KEY)
        page.fill("#reply", "我马上为您核实，今天下午五点前给您回电。")
        page.wait_for_function("() => document.getElementById('lint').dataset.state === 'clean'")
        assert page.locator("#lint-note").inner_text() == "✓ No problems found"
    finally:
        context.close()


def test_every_message_exists_in_every_language(browser, server: PanelServer) -> None:  # noqa: ANN001
    context, page = open_page(browser)
    try:
        page.goto(f"{server.url}/panel#lang=zh-TW")  # a desktop may name the agent's language
        assert page.evaluate("CoachI18n.lang()") == "zh-TW"
        tables = page.evaluate("() => Object.fromEntries(Object.entries(CoachI18n.MESSAGES).map(([l, m]) => [l, Object.keys(m)]))")
        assert set(tables) == {"zh-CN", "zh-TW", "en"}
        keys = set(tables["en"])
        assert set(tables["zh-CN"]) == keys == set(tables["zh-TW"])
        # every key the panel's scripts ask for, and a why.* for every kind of problem
        panel = resources.files("coach.api").joinpath("panel")
        source = "".join(panel.joinpath(n).read_text(encoding="utf-8") for n in ("panel.js", "problems.js"))
        used = set(re.findall(r"""\bt\("([\w.]+)"\)?""", source))
        kinds = set(re.findall(r'"(\w+)"', source.split("const kind =")[1].split(";")[0])) | {"network", "cut_off", "stream"}
        assert used and used <= keys, used - keys
        assert {f"why.{k}" for k in kinds} <= keys
        browsers = [["zh-HK"], ["zh-Hant-SG"], ["zh"], ["zh-SG"], ["fr", "zh-CN"], ["fr"], ["en-GB"], []]
        assert page.evaluate("ls => ls.map(l => CoachI18n.fromBrowser(l))", browsers) == [
            "zh-TW", "zh-TW", "zh-CN", "zh-CN", "zh-CN", "en", "en", "en",
        ]
    finally:
        context.close()
