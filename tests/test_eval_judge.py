"""The LLM judge over the OpenAI-compatible HTTP API (respx)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from openai import AsyncOpenAI

from coach.evaluation.cache import ResponseCache
from coach.evaluation.judge import LLMJudge, judge_messages, parse_verdict
from coach.evaluation.scenarios import Expect, LoadedScenario, Scenario
from coach.types import Conversation, Turn

BASE = "http://judge.test/v1"


def item(locale: str | None, text: str) -> LoadedScenario:
    conv = Conversation(locale=locale, turns=(Turn(role="customer", text=text),))  # type: ignore[arg-type]
    return LoadedScenario(Scenario(id="j", description="demands a manager", conversation=conv,
                                   expect=Expect(judge="offers to help first")), file="f", set_name="s")


def completion(content: str) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "x", "object": "chat.completion", "created": 0, "model": "judge-m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}})


VERDICT = {"empathy": 4, "principle": 5, "helpfulness": 3, "rubric": 4, "passed": True, "reasons": "先安抚再处理"}


@pytest.mark.parametrize(
    ("locale", "text", "language"),
    [("zh-CN", "叫领导来", "Simplified"), ("zh-TW", "叫領導來", "Traditional"), ("en", "get me a manager", "English"),
     (None, "我要見你們主管，馬上！", "Traditional"), (None, "I want your manager now", "English")],
)
def test_reasons_are_asked_in_the_scenarios_language(locale: str | None, text: str, language: str) -> None:
    system, user = judge_messages(item(locale, text), "reply")
    assert language in system["content"] and "offers to help first" in user["content"]
    assert "<reply>\nreply\n</reply>" in user["content"]


@pytest.mark.parametrize(
    ("content", "passed"),
    [(json.dumps(VERDICT), True), ("```json\n" + json.dumps(VERDICT) + "\n```", True),
     (json.dumps({**VERDICT, "empathy": 2}), False), (json.dumps({**VERDICT, "passed": False}), False)],
)
def test_parse_verdict(content: str, passed: bool) -> None:
    assert parse_verdict(content)[0] is passed


@pytest.mark.parametrize("content", ["not json", '{"empathy": 4}', "[]", '{"empathy": true, "principle": 1}'])
def test_unusable_answers_raise(content: str) -> None:
    with pytest.raises(ValueError):
        parse_verdict(content)


@respx.mock
async def test_judge_calls_the_endpoint_and_caches(tmp_path: Path) -> None:
    route = respx.post(f"{BASE}/chat/completions").mock(return_value=completion(json.dumps(VERDICT)))
    judge = LLMJudge(AsyncOpenAI(api_key="k", base_url=BASE, max_retries=0), "judge-m", cache=ResponseCache(tmp_path))
    verdict = await judge(item("zh-CN", "叫领导来"), "我理解您的心情，马上帮您查。")
    assert verdict.passed and verdict.scores["principle"] == 5 and verdict.reasons == "先安抚再处理"
    assert verdict.usage.prompt_tokens == 50
    body = json.loads(route.calls[0].request.content)
    assert body["model"] == "judge-m" and body["temperature"] == 0 and "max_tokens" in body
    again = await judge(item("zh-CN", "叫领导来"), "我理解您的心情，马上帮您查。")
    assert again.passed and route.call_count == 1


@respx.mock
async def test_judge_failures_fail_the_check_and_are_not_cached(tmp_path: Path) -> None:
    route = respx.post(f"{BASE}/chat/completions").mock(
        side_effect=[httpx.Response(500, json={"error": {"message": "boom"}}), completion("garbage"),
                     completion(json.dumps(VERDICT))])
    judge = LLMJudge(AsyncOpenAI(api_key="k", base_url=BASE, max_retries=0), "judge-m", cache=ResponseCache(tmp_path))
    first = await judge(item("en", "manager now"), "reply")
    assert not first.passed and "judge call failed" in (first.error or "")
    second = await judge(item("en", "manager now"), "reply")
    assert not second.passed and "unusable" in (second.error or "")
    third = await judge(item("en", "manager now"), "reply")
    assert third.passed and route.call_count == 3
