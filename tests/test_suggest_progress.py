"""A streamed suggestion says what it is doing (issue 13, item 7): `attempt` events at each step of
drafting, and a keep-alive comment while nothing else is sent. The LLM is the real OpenAI-compatible
drafter talking to an endpoint scripted with respx; the JSON answer stays as it was."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest
import respx

from coach.api.app import create_app
from coach.api.routes.suggestions import KEEPALIVE_FRAME, with_keepalive
from coach.config import Settings
from coach.drafting.llm import LLMDrafter
from coach.pipeline import Coach
from coach.prompts import PromptRegistry
from coach.types import Conversation
from fakes_pipeline import FakeOffline, FakeRetriever, ScriptedDrafter, fake_analyse, fake_validate, llm_settings
from tests.panel_harness import CUSTOMER, KEY, PanelServer

URL = "http://llm.test/v1/chat/completions"
BODY = {"conversation_id": "c-7", "turns": [{"role": "customer", "text": "你们到底能不能解决？叫领导来！"}]}
SSE = {"Accept": "text/event-stream"}
# The fake validator blocks 无能为力 (authority_exposure) and 再加 (double_concession).
REJECTED = "这件事我无能为力，不过可以再加20元代金券。"
REPAIRED = "我理解您的心情，这件事我来负责跟进，今天下午给您回电。"
PROMPTS = PromptRegistry.from_settings(Settings(_env_file=None))


def completion(reply: str, model: str = "served-model") -> httpx.Response:
    content = json.dumps({"reply": reply, "citations": ["p-002-001"]}, ensure_ascii=False)
    return httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    })


def app_with_llm(**settings: object):  # noqa: ANN201
    """The service with the real LLM drafter (endpoint llm.test) over fake retrieval and rules."""
    llm_conf = llm_settings(**settings)
    app = create_app(Settings(_env_file=None, COACH_SSE_KEEPALIVE_S=settings.get("COACH_SSE_KEEPALIVE_S", 5)))  # type: ignore[call-arg]
    runtime = app.state.runtime
    runtime.knowledge = FakeRetriever()
    runtime.coach = Coach(settings=llm_conf, retriever=runtime.knowledge, prompts=PROMPTS, offline=FakeOffline(),
                          llm=LLMDrafter(llm_conf), analyse=fake_analyse, validate=fake_validate)
    runtime._ready.set()
    return app


def client(app) -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://coach.test")


def parse_sse(text: str) -> tuple[list[tuple[str, dict]], list[str]]:
    """The events, and the comment lines, of a whole stream."""
    events, comments = [], []
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                comments.append(line)
            else:
                name, _, value = line.partition(": ")
                fields[name] = value
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events, comments


@respx.mock
async def test_a_rejected_then_repaired_draft_streams_each_step():
    route = respx.post(URL).mock(side_effect=[completion(REJECTED), completion(REPAIRED)])
    async with client(app_with_llm()) as c:
        r = await c.post("/v1/suggestions", json=BODY, headers=SSE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events, comments = parse_sse(r.text)
    assert [name for name, _ in events] == ["passages", "attempt", "attempt", "attempt", "suggestion", "done"]
    assert [data for name, data in events if name == "attempt"] == [
        {"stage": "drafting", "attempt": 1},
        {"stage": "rejected", "attempt": 1, "candidate": 0, "rules": ["authority_exposure", "double_concession"]},
        {"stage": "repairing", "attempt": 2, "candidate": 0},
    ]
    suggestion = events[4][1]["suggestion"]
    assert suggestion["text"] == REPAIRED and suggestion["attempts"] == 2 and suggestion["source"] == "llm"
    done = events[-1][1]
    assert not done["degraded"] and done["model"] == "served-model" and route.call_count == 2
    assert comments == []  # the default keep-alive (5 s) never fired in a fast answer


@respx.mock
async def test_a_draft_that_never_passes_streams_each_rejection_then_the_fallback():
    route = respx.post(URL).mock(return_value=completion(REJECTED))
    async with client(app_with_llm(COACH_MAX_REPAIRS=1)) as c:
        r = await c.post("/v1/suggestions", json={**BODY, "locale": "zh-CN"}, headers=SSE)
    events, _ = parse_sse(r.text)
    rules = ["authority_exposure", "double_concession"]
    assert [data for name, data in events if name == "attempt"] == [
        {"stage": "drafting", "attempt": 1},
        {"stage": "rejected", "attempt": 1, "candidate": 0, "rules": rules},
        {"stage": "repairing", "attempt": 2, "candidate": 0},
        {"stage": "rejected", "attempt": 2, "candidate": 0, "rules": rules},
        {"stage": "falling_back", "attempt": 2, "reason": "invalid_after_repair"},
    ]
    assert [name for name, _ in events][-3:] == ["attempt", "suggestion", "done"]
    assert events[-2][1]["suggestion"]["source"] == "offline" and route.call_count == 2
    assert events[-1][1]["degraded_reason"] == "invalid_after_repair"


async def test_n_candidates_are_numbered_each_on_its_own():
    llm = ScriptedDrafter([["我理解您的心情，我马上为您核实。", REJECTED], [REPAIRED]])
    coach = Coach(settings=llm_settings(), retriever=FakeRetriever(), prompts=PROMPTS, offline=FakeOffline(),
                  llm=llm, analyse=fake_analyse, validate=fake_validate)
    events = [e async for e in coach.stream(Conversation.model_validate({**BODY, "n": 2}))]
    assert [e.data for e in events if e.kind == "attempt"] == [
        {"stage": "drafting", "attempt": 1},
        {"stage": "rejected", "attempt": 1, "candidate": 1, "rules": ["authority_exposure", "double_concession"]},
        {"stage": "repairing", "attempt": 2, "candidate": 1},
    ]
    assert sorted(e.data["suggestion"]["attempts"] for e in events if e.kind == "suggestion") == [1, 2]


@respx.mock
async def test_an_unreachable_model_falls_back_after_the_first_drafting():
    respx.post(URL).mock(return_value=httpx.Response(404, json={"error": {"message": "no such route"}}))
    async with client(app_with_llm(COACH_LLM_RETRIES=0)) as c:
        r = await c.post("/v1/suggestions", json=BODY, headers=SSE)
    events, _ = parse_sse(r.text)
    assert [data for name, data in events if name == "attempt"] == [
        {"stage": "drafting", "attempt": 1}, {"stage": "falling_back", "attempt": 1, "reason": "llm_error"},
    ]
    assert events[-1][1]["degraded_reason"] == "llm_error"


@respx.mock
async def test_the_json_answer_is_unchanged_and_equals_the_streams_done():
    respx.post(URL).mock(side_effect=[completion(REJECTED), completion(REPAIRED)] * 2)
    app = app_with_llm()
    async with client(app) as c:
        plain = await c.post("/v1/suggestions", json=BODY)
        streamed = await c.post("/v1/suggestions", json=BODY, headers=SSE)
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    body = plain.json()
    assert set(body) == {"conversation_id", "request_id", "suggestions", "passages", "degraded", "degraded_reason",
                         "template", "model", "timings_ms", "usage"}
    [s] = body["suggestions"]
    assert set(s) == {"text", "citations", "source", "attempts", "validation"}
    assert (s["text"], s["attempts"], s["citations"]) == (REPAIRED, 2, ["p-002-001"])
    assert '"stage"' not in plain.text and "keep-alive" not in plain.text
    done = parse_sse(streamed.text)[0][-1][1]
    for varying in ("request_id", "timings_ms"):
        body.pop(varying), done.pop(varying)
    assert done == body


@respx.mock
async def test_a_repair_cut_short_by_the_deadline_falls_back_for_timeout():
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return completion(REPAIRED)

    respx.post(URL).mock(side_effect=[completion(REJECTED), hang])
    async with client(app_with_llm(COACH_DEADLINE_S=0.6)) as c:
        r = await c.post("/v1/suggestions", json=BODY, headers=SSE)
    events, _ = parse_sse(r.text)
    assert [data["stage"] for name, data in events if name == "attempt"] == [
        "drafting", "rejected", "repairing", "falling_back"]
    assert [data for name, data in events if name == "attempt"][-1] == {
        "stage": "falling_back", "attempt": 2, "reason": "timeout"}
    assert events[-1][1]["degraded_reason"] == "timeout"


async def test_a_template_that_cannot_render_falls_back_before_any_drafting(tmp_path):
    body = ("---\nname: {name}\nversion: 1\n---\n{{% block system %}}{{% if n > 1 %}}{{{{ passages[9].id }}}}{{% endif %}}"
            "{{% endblock %}}\n{{% block user %}}u{{% endblock %}}\n")
    for name in ("reply", "repair"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "v1.md.j2").write_text(body.format(name=name), encoding="utf-8")
    llm = ScriptedDrafter(["好的"])
    coach = Coach(settings=llm_settings(), retriever=FakeRetriever(), prompts=PromptRegistry(tmp_path),
                  offline=FakeOffline(), llm=llm, analyse=fake_analyse, validate=fake_validate)
    events = [e async for e in coach.stream(Conversation.model_validate({**BODY, "n": 2}))]  # renders only with n > 1
    assert [(e.kind, e.data) for e in events if e.kind == "attempt"] == [
        ("attempt", {"stage": "falling_back", "attempt": 0, "reason": "template_error"})]
    assert llm.requests == [] and events[-1].data["degraded_reason"] == "template_error"


async def test_keepalive_waits_without_cancelling_and_closes_what_it_wraps():
    closed: list[str] = []

    async def slow() -> object:
        try:
            yield "first"
            await asyncio.sleep(0.25)
            yield "second"
            await asyncio.sleep(30)
            yield "never"
        finally:
            closed.append("closed")

    got: list[object] = []
    stream = with_keepalive(slow(), 0.05)
    async for item in stream:
        got.append(item)
        if got[-2:] == ["second", None]:
            break  # while the next item is awaited
    assert closed == []
    await stream.aclose()
    assert closed == ["closed"]  # the wait for "never" was cancelled and the generator closed
    assert got[0] == "first" and got.index("second") >= 3  # keep-alives while "second" was awaited
    assert set(got[1:got.index("second")]) == {None}

    async def two_apart() -> object:
        yield 1
        await asyncio.sleep(0.15)
        yield 2

    assert [item async for item in with_keepalive(two_apart(), 0)] == [1, 2]  # 0: no keep-alive


# -- over a real socket: the comment lines arrive while the model is still drafting -------------
@pytest.fixture(scope="module")
def slow_llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelServer]:
    srv = PanelServer(
        tmp_path_factory.mktemp("keepalive") / "feedback.sqlite3",
        COACH_BACKEND="openai", OPENAI_BASE_URL="http://llm.test/v1", OPENAI_API_KEY="unused",
        COACH_DEADLINE_S="20", COACH_LLM_TIMEOUT_S="15", COACH_SSE_KEEPALIVE_S="0.2",
    )
    srv.start()
    yield srv
    srv.stop()


def test_keepalive_comments_arrive_while_a_slow_model_drafts(slow_llm_server: PanelServer) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1.2)
        return completion("非常理解您的心情，这个问题我来负责跟进，今天下午五点前给您回电。")

    lines: list[tuple[float, str]] = []
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.post(URL).mock(side_effect=slow)
        started = time.perf_counter()
        with httpx.stream("POST", f"{slow_llm_server.url}/v1/suggestions", timeout=30,
                          json={"turns": [{"role": "customer", "text": CUSTOMER}]},
                          headers={**SSE, "Authorization": f"Bearer {KEY}"}) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                lines.append((time.perf_counter() - started, line))
    events = [line for _, line in lines if line.startswith("event: ")]
    assert events == ["event: passages", "event: attempt", "event: suggestion", "event: done"]
    drafting_at, suggestion_at = (next(at for at, line in lines if line == e) for e in events[1:3])
    keepalives = [at for at, line in lines if line == KEEPALIVE_FRAME.decode().strip()]
    assert {line for _, line in lines if line.startswith(":")} == {": keep-alive"}
    # While the model drafted (1.2 s) they came as the time passed, not all at once at the end.
    while_drafting = [at for at in keepalives if drafting_at < at < suggestion_at]
    assert len(while_drafting) >= 3
    assert while_drafting[0] < suggestion_at - 0.5
    assert all(b - a < 1.0 for a, b in zip(while_drafting, while_drafting[1:]))


def test_a_client_that_leaves_mid_stream_cancels_the_drafting(slow_llm_server: PanelServer) -> None:
    """Between keep-alives the pipeline runs on; when the client goes, it is cancelled with the
    model call in flight, not left drafting for nobody."""
    outcome: list[str] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        outcome.append("finished")
        return completion(REPAIRED)

    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.post(URL).mock(side_effect=hang)
        with httpx.stream("POST", f"{slow_llm_server.url}/v1/suggestions", timeout=30,
                          json={"turns": [{"role": "customer", "text": CUSTOMER}]},
                          headers={**SSE, "Authorization": f"Bearer {KEY}"}) as r:
            seen = []
            for line in r.iter_lines():
                seen.append(line)
                if seen.count(": keep-alive") == 2:
                    break  # leave: the response is closed with the connection
        deadline = time.monotonic() + 5
        while not outcome and time.monotonic() < deadline:
            time.sleep(0.05)
    assert outcome == ["cancelled"]
