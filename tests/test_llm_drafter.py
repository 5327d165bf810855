"""The LLM drafter against a mocked OpenAI-compatible endpoint (respx): every transport path."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from coach.drafting import llm as llm_mod
from coach.drafting.llm import LLMDrafter, cost_usd, retry_after_s
from coach.drafting.llm_transport import price_table
from coach.drafting.meter import metering
from coach.errors import LLMError
from coach.types import DraftRequest, Message, Situation
from fakes_pipeline import llm_settings

URL = "http://llm.test/v1/chat/completions"
REQUEST = DraftRequest(
    messages=(Message(role="system", content="answer in JSON"), Message(role="user", content="hi")),
    situation=Situation(script="zh-Hans"),
)


def completion(content: str | None, *, n: int = 1, finish: str = "stop", model: str = "gpt-4o-mini-2024-07-18",
               usage: tuple[int, int] = (100, 20)) -> httpx.Response:
    choices = [{"index": i, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
               for i in range(n)]
    return httpx.Response(200, json={
        "id": "c1", "object": "chat.completion", "created": 1, "model": model, "choices": choices,
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    })


def reply_json(text: str, cites: list[str] | None = None) -> str:
    return json.dumps({"reply": text, "citations": cites or []}, ensure_ascii=False)


@pytest.fixture(autouse=True)
def _fresh_structured_memory():
    llm_mod._NO_STRUCTURED.clear()
    llm_mod._SINGLE_CHOICE.clear()
    yield
    llm_mod._NO_STRUCTURED.clear()
    llm_mod._SINGLE_CHOICE.clear()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def drafter(sleep=None, **kw) -> LLMDrafter:
    return LLMDrafter(llm_settings(**kw), sleep=sleep or Sleeps())


@respx.mock
async def test_structured_success_sends_max_tokens_and_response_format():
    route = respx.post(URL).mock(return_value=completion(reply_json("您好，我来帮您处理。", ["p-001-002"])))
    with metering() as meter:
        drafts = await drafter().draft(REQUEST.model_copy(update={"params": {"max_tokens": 123, "temperature": 0.1}}))
    assert [(d.text, d.citations, d.source) for d in drafts] == [("您好，我来帮您处理。", ("p-001-002",), "llm")]
    sent = json.loads(route.calls.last.request.content)
    assert sent["max_tokens"] == 123 and sent["temperature"] == 0.1
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["model"] == "gpt-4o-mini" and "n" not in sent
    assert meter.model == "gpt-4o-mini-2024-07-18"  # what the server says
    assert (meter.prompt_tokens, meter.completion_tokens) == (100, 20)
    assert meter.cost_usd == 0.0  # llm.test is not OpenAI: its tokens are not priced at OpenAI's rates


@pytest.mark.parametrize("content,expected", [
    ("我理解您的心情，我马上核实。", "我理解您的心情，我马上核实。"),
    ('```json\n{"reply": "好的，我来处理。", "citations": []}\n```', "好的，我来处理。"),
    ('"I understand, let me check that for you."', "I understand, let me check that for you."),
    ("“我理解您的心情。”", "我理解您的心情。"),
    ('Here it is: {"reply": "I will call you back at 5 pm.", "citations": ["p-1"]}', "I will call you back at 5 pm."),
    ('{"reply": "我理解您的心情，', None),  # cut-off JSON: no reply
    ('{"answer": 42}', None),
])
@respx.mock
async def test_plain_fenced_quoted_and_malformed_output(content, expected):
    respx.post(URL).mock(return_value=completion(content))
    if expected is None:
        with pytest.raises(LLMError) as err:
            await drafter().draft(REQUEST)
        assert err.value.kind == "malformed"
    else:
        drafts = await drafter().draft(REQUEST)
        assert drafts[0].text == expected


@respx.mock
async def test_429_with_retry_after_then_success():
    sleeps = Sleeps()
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "1"}, json={"error": {"message": "slow down"}}),
        httpx.Response(429, headers={"retry-after-ms": "30"}, json={"error": {"message": "slow down"}}),
        completion(reply_json("好的")),
    ])
    with metering() as meter:
        drafts = await drafter(sleep=sleeps).draft(REQUEST)
    assert drafts[0].text == "好的" and route.call_count == 3
    assert sleeps.waits == [1.0, 0.03]
    assert meter.retries == 2


@respx.mock
async def test_retry_after_longer_than_the_deadline_fails_fast():
    respx.post(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}, json={}))
    sleeps = Sleeps()
    loop = asyncio.get_running_loop()
    with metering(deadline=loop.time() + 1.0), pytest.raises(LLMError) as err:
        await drafter(sleep=sleeps).draft(REQUEST)
    assert err.value.kind == "rate_limited" and sleeps.waits == []


@respx.mock
async def test_5xx_retried_up_to_the_limit_then_llm_error():
    route = respx.post(URL).mock(return_value=httpx.Response(503, json={"error": {"message": "down"}}))
    with pytest.raises(LLMError) as err:
        await drafter(COACH_LLM_RETRIES=2).draft(REQUEST)
    assert err.value.kind == "server_error" and route.call_count == 3


@pytest.mark.parametrize("exc,kind", [(httpx.ConnectError("refused"), "connection"),
                                      (httpx.ReadTimeout("slow"), "timeout")])
@respx.mock
async def test_connection_errors_and_timeouts_are_retried(exc, kind):
    route = respx.post(URL).mock(side_effect=[exc, completion(reply_json("好的"))])
    assert (await drafter().draft(REQUEST))[0].text == "好的" and route.call_count == 2
    route = respx.post(URL).mock(side_effect=exc)
    with pytest.raises(LLMError) as err:
        await drafter(COACH_LLM_RETRIES=1).draft(REQUEST)
    assert err.value.kind == kind


@respx.mock
async def test_client_errors_are_not_retried():
    route = respx.post(URL).mock(return_value=httpx.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(LLMError) as err:
        await drafter().draft(REQUEST)
    assert err.value.kind == "auth" and route.call_count == 1


@pytest.mark.parametrize("status,body", [
    (501, {"error": {"message": "Not Implemented"}}),
    (400, {"error": {"message": "response_format is not supported by this model"}}),
])
@respx.mock
async def test_structured_output_not_supported_is_dropped_and_remembered(status, body):
    def answer(request: httpx.Request) -> httpx.Response:
        if "response_format" in json.loads(request.content):
            return httpx.Response(status, json=body)
        return completion("好的，我来处理。")

    route = respx.post(URL).mock(side_effect=answer)
    d = drafter()
    assert (await d.draft(REQUEST))[0].text == "好的，我来处理。"
    assert route.call_count == 2
    assert (await d.draft(REQUEST))[0].text == "好的，我来处理。"
    assert route.call_count == 3  # remembered: asked without response_format at once


@respx.mock
async def test_finish_reason_length_is_a_failed_attempt():
    respx.post(URL).mock(return_value=completion('{"reply": "我理解', finish="length"))
    with metering() as meter, pytest.raises(LLMError) as err:
        await drafter().draft(REQUEST)
    assert err.value.kind == "length"
    assert meter.completion_tokens > 0  # the failed calls still count


@respx.mock
async def test_empty_content_is_a_failed_attempt():
    respx.post(URL).mock(return_value=completion(None))
    with pytest.raises(LLMError) as err:
        await drafter().draft(REQUEST)
    assert err.value.kind == "empty"


@respx.mock
async def test_n_candidates_server_returning_fewer_gets_an_extra_call():
    route = respx.post(URL).mock(side_effect=[completion(reply_json("一"), n=1), completion(reply_json("二"), n=1)])
    with metering() as meter:
        drafts = await drafter().draft(REQUEST.model_copy(update={"n": 2}))
    assert [d.text for d in drafts] == ["一", "二"]
    assert json.loads(route.calls[0].request.content)["n"] == 2
    assert "n" not in json.loads(route.calls[1].request.content)
    assert meter.prompt_tokens == 200 and meter.calls == 2


@respx.mock
async def test_n_candidates_in_one_call_and_mixed_length_choices():
    body = completion(reply_json("一"), n=3).json()
    body["choices"][1]["finish_reason"] = "length"
    respx.post(URL).mock(side_effect=[httpx.Response(200, json=body), completion(reply_json("三"))])
    drafts = await drafter().draft(REQUEST.model_copy(update={"n": 3}))
    assert [d.text for d in drafts] == ["一", "一", "三"]


@respx.mock
async def test_no_time_left_is_a_timeout_without_calling():
    route = respx.post(URL).mock(return_value=completion("x"))
    loop = asyncio.get_running_loop()
    with metering(deadline=loop.time() - 1), pytest.raises(LLMError) as err:
        await drafter().draft(REQUEST)
    assert err.value.kind == "timeout" and route.call_count == 0


def test_cost_table_and_retry_after_parsing():
    assert cost_usd("unknown-local-model", 1000, 1000) == 0.0
    assert cost_usd("gpt-4o-2024-08-06", 1_000_000, 0) == pytest.approx(2.5)
    assert cost_usd("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)  # longest prefix wins

    class E:
        def __init__(self, headers: dict[str, str]) -> None:
            self.response = httpx.Response(429, headers=headers)

    assert retry_after_s(E({"retry-after": "2"})) == 2.0
    assert retry_after_s(E({"retry-after-ms": "1500"})) == 1.5
    assert retry_after_s(E({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_s(E({})) is None


@pytest.mark.parametrize("response", [
    httpx.Response(200, text="<html>oops</html>"),
    httpx.Response(200, json={"object": "chat.completion"}),
])
@respx.mock
async def test_garbage_http_body_is_malformed(response):
    respx.post(URL).mock(return_value=response)
    with pytest.raises(LLMError) as err:
        await drafter().draft(REQUEST)
    assert err.value.kind == "malformed"


@respx.mock
async def test_missing_usage_counts_zero_and_model_falls_back_to_settings():
    body = completion(reply_json("好的")).json()
    del body["usage"], body["model"]
    respx.post(URL).mock(return_value=httpx.Response(200, json=body))
    with metering() as meter:
        await drafter().draft(REQUEST)
    assert (meter.prompt_tokens, meter.cost_usd, meter.model) == (0, 0.0, "gpt-4o-mini")


@respx.mock
async def test_json_schema_response_format_from_the_template():
    route = respx.post(URL).mock(return_value=completion(reply_json("好的")))
    await drafter().draft(REQUEST.model_copy(update={"params": {"response_format": "json_schema"}}))
    sent = json.loads(route.calls.last.request.content)["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"]["required"] == ["reply", "citations"]
    await drafter().draft(REQUEST.model_copy(update={"params": {"response_format": "text"}}))
    assert "response_format" not in json.loads(route.calls.last.request.content)


@respx.mock
async def test_server_ignoring_n_is_asked_with_concurrent_single_calls_and_remembered():
    texts = iter(["一", "二", "三", "四", "五", "六"])
    route = respx.post(URL).mock(side_effect=lambda request: completion(reply_json(next(texts))))
    d = drafter()
    drafts = await d.draft(REQUEST.model_copy(update={"n": 3}))
    assert [x.text for x in drafts] == ["一", "二", "三"] and route.call_count == 3
    assert json.loads(route.calls[0].request.content)["n"] == 3
    drafts = await d.draft(REQUEST.model_copy(update={"n": 3}))
    assert len(drafts) == 3 and route.call_count == 6
    assert all("n" not in json.loads(c.request.content) for c in route.calls[3:])


@respx.mock
async def test_server_rejecting_n_is_asked_without_it():
    def answer(request: httpx.Request) -> httpx.Response:
        if "n" in json.loads(request.content):
            return httpx.Response(400, json={"error": {"message": "'n' must be 1"}})
        return completion(reply_json("好的"))

    route = respx.post(URL).mock(side_effect=answer)
    drafts = await drafter().draft(REQUEST.model_copy(update={"n": 2}))
    assert [x.text for x in drafts] == ["好的", "好的"] and route.call_count == 3
    assert llm_mod._SINGLE_CHOICE


@respx.mock
async def test_one_of_several_calls_failing_still_returns_the_others():
    llm_mod._SINGLE_CHOICE.add(("http://llm.test/v1/", "gpt-4o-mini"))
    route = respx.post(URL).mock(side_effect=[completion(reply_json("一")), httpx.Response(401, json={}),
                                              completion(reply_json("二"))])
    drafts = await drafter().draft(REQUEST.model_copy(update={"n": 2}))
    assert [x.text for x in drafts] == ["一", "二"] and route.call_count == 3


@respx.mock
async def test_calls_take_the_connection_pools_in_turn_and_aclose_closes_all():
    respx.post(URL).mock(return_value=completion(reply_json("好的")))
    d = LLMDrafter(llm_settings(), sleep=Sleeps(), pools=3)
    used = []
    for client in d.clients:
        original = client.post

        async def post(*args, _c=client, _o=original, **kw):
            used.append(_c)
            return await _o(*args, **kw)

        client.post = post  # type: ignore[method-assign]
    for _ in range(4):
        await d.draft(REQUEST)
    assert used == [d.clients[0], d.clients[1], d.clients[2], d.clients[0]]
    await d.aclose()
    assert all(c.is_closed() for c in d.clients)


@pytest.mark.parametrize(("base_url", "prices", "model", "priced"), [
    ("https://api.openai.com/v1", {}, "gpt-4o-mini", True),
    ("https://mine.openai.azure.com/openai/v1", {}, "gpt-4o-mini-2024-07-18", True),
    ("http://127.0.0.1:8080/v1", {}, "gpt-4o-mini", False),  # llama.cpp echoing the requested name
    ("http://127.0.0.1:8080/v1", {"qwen2.5": (0.1, 0.3)}, "qwen2.5-coder-1.5b", True),
    ("http://127.0.0.1:8080/v1", {"qwen2.5": (0.1, 0.3)}, "gpt-4o-mini", False),
    (None, {}, "gpt-4o", True),  # the SDK's default endpoint is OpenAI's
])
def test_only_known_endpoints_or_configured_models_are_priced(base_url, prices, model, priced) -> None:
    table = price_table(base_url, prices)
    assert (cost_usd(model, 1_000_000, 0, table) > 0) == priced


@respx.mock
async def test_configured_prices_reach_the_meter():
    respx.post(URL).mock(return_value=completion(reply_json("您好，我来帮您处理。", [])))
    with metering() as meter:
        await drafter(COACH_MODEL_PRICES={"gpt-4o-mini": (1.0, 2.0)}).draft(REQUEST)
    assert meter.cost_usd == pytest.approx((100 * 1.0 + 20 * 2.0) / 1_000_000)


@pytest.mark.parametrize(("base_url", "hint"), [
    ("http://127.0.0.1:8080", "end with /v1"),
    ("http://127.0.0.1:8080/", "end with /v1"),
    ("127.0.0.1:8080/v1", "not an http(s) URL"),
    ("http://127.0.0.1:8080/v1", None),
    ("https://mine.openai.azure.com/openai/deployments/x", None),
    (None, None),
])
def test_a_base_url_that_is_probably_wrong_is_named(base_url, hint) -> None:
    from coach.drafting.llm_transport import base_url_hint

    said = base_url_hint(base_url)
    assert (said is None) if hint is None else (hint in said)


@respx.mock
async def test_a_404_says_what_is_probably_wrong():
    respx.post("http://llm.test/chat/completions").mock(return_value=httpx.Response(404, json={"error": "not found"}))
    with pytest.raises(LLMError) as info, metering():
        await drafter(OPENAI_BASE_URL="http://llm.test").draft(REQUEST)
    assert "does OPENAI_BASE_URL end with /v1?" in info.value.message


@respx.mock
async def test_no_retry_starts_when_the_deadline_cannot_fit_another_attempt():
    """Issue 13: a timed-out attempt on a slow server is not followed by another that would be
    abandoned too (a llama.cpp server finishes abandoned requests, and the next caller waits)."""
    loop = asyncio.get_running_loop()

    async def slow(request):
        await asyncio.sleep(0.3)
        raise httpx.ReadTimeout("slow")

    route = respx.post(URL).mock(side_effect=slow)
    with metering(deadline=loop.time() + 0.5), pytest.raises(LLMError) as err:
        await drafter(COACH_LLM_RETRIES=3).draft(REQUEST)
    assert err.value.kind == "timeout" and route.call_count == 1  # 0.2 s left < the 0.3 s it took
