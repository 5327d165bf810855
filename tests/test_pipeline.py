"""The Coach pipeline with fake seams, and end to end over a mocked LLM endpoint (respx)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import respx

from coach.config import Settings
from coach.drafting.llm import LLMDrafter
from coach.errors import InvalidInput, LLMError, NotFound
from coach.metrics import REPAIRS
from coach.pipeline import Coach
from coach.prompts import PromptRegistry
from coach.repair import SAFE_REPLIES
from coach.rules import DEFAULT_VALIDATOR
from fakes_pipeline import (
    FailingLLM,
    FakeOffline,
    FakeRetriever,
    ScriptedDrafter,
    conversation,
    fake_analyse,
    fake_validate,
    llm_settings,
    reject_all,
)

URL = "http://llm.test/v1/chat/completions"
PROMPTS = PromptRegistry.from_settings(Settings(_env_file=None))


def make_coach(llm=None, offline=None, settings=None, validate=fake_validate) -> Coach:
    return Coach(
        settings=settings or llm_settings(), retriever=FakeRetriever(), prompts=PROMPTS,
        offline=offline or FakeOffline(), llm=llm, analyse=fake_analyse, validate=validate,
    )


async def test_offline_backend_answers_with_validated_cited_reply():
    response = await make_coach().suggest(conversation(conversation_id="c-1"))
    assert response.model == "offline" and not response.degraded and response.degraded_reason is None
    [s] = response.suggestions
    assert s.source == "offline" and s.validation.ok
    assert s.citations == ("p-001-002",)  # the unknown id is dropped
    assert response.conversation_id == "c-1" and len(response.request_id) == 32
    assert [p.id for p in response.passages] == ["p-001-002", "p-002-001", "p-004-003"]
    assert {"situation", "retrieval", "validation", "total"} <= set(response.timings_ms)
    assert response.template == "reply@v1"


async def test_llm_success_first_try():
    llm = ScriptedDrafter(["我理解您的心情，我马上为您核实。"])
    response = await make_coach(llm).suggest(conversation())
    [s] = response.suggestions
    assert (s.source, s.attempts, response.degraded, response.model) == ("llm", 1, False, "gpt-4o-mini")
    [req] = llm.requests
    assert req.messages[0].role == "system" and req.params["max_tokens"] == 400
    assert {"render", "validation", "total"} <= set(response.timings_ms)


async def test_violating_draft_is_repaired_with_evidence_and_hint():
    before = REPAIRS._value.get()
    llm = ScriptedDrafter([["这件事我真的无能为力。"], ["我理解您的心情，我来帮您跟进处理。"]])
    response = await make_coach(llm).suggest(conversation())
    [s] = response.suggestions
    assert s.text == "我理解您的心情，我来帮您跟进处理。" and s.attempts == 2 and not response.degraded
    repair = llm.requests[1]
    user = repair.messages[-1].content
    assert "无能为力" in user and "say what you will do instead" in user and "这件事我真的无能为力" in user
    assert repair.feedback[0].evidence == "无能为力" and repair.n == 1
    assert REPAIRS._value.get() == before + 1


async def test_draft_that_never_repairs_falls_back_degraded():
    llm = ScriptedDrafter([["这事不是我能定的，我无能为力。"]])
    response = await make_coach(llm, settings=llm_settings(COACH_MAX_REPAIRS=2)).suggest(conversation())
    assert response.degraded and response.degraded_reason == "invalid_after_repair"
    assert len(llm.requests) == 3  # the draft and two repairs
    assert [s.source for s in response.suggestions] == ["offline"] and response.model == "offline"
    assert all(s.validation.ok and "无能为力" not in s.text for s in response.suggestions)


async def test_llm_error_falls_back():
    response = await make_coach(FailingLLM()).suggest(conversation())
    assert response.degraded and response.degraded_reason == "llm_error"
    assert response.suggestions[0].source == "offline"


async def test_deadline_bounds_a_slow_llm():
    llm = ScriptedDrafter(["好的"], delay=10)
    started = time.perf_counter()
    response = await make_coach(llm, settings=llm_settings(COACH_DEADLINE_S=0.3)).suggest(conversation())
    assert time.perf_counter() - started < 1.0
    assert response.degraded and response.degraded_reason == "timeout"
    assert response.suggestions[0].validation.ok


async def test_invalid_offline_output_is_replaced_by_a_safe_reply():
    offline = FakeOffline(["我无能为力。"])
    response = await make_coach(offline=offline).suggest(conversation())
    [s] = response.suggestions
    assert s.text == SAFE_REPLIES["zh-Hans"][0] and s.validation.ok


async def test_an_invalid_offline_reply_gives_way_to_another_of_its_phrasings():
    offline = FakeOffline([["我无能为力。", "我理解您的心情，我们马上为您处理。"]])
    response = await make_coach(offline=offline).suggest(conversation())
    [s] = response.suggestions
    assert s.text == "我理解您的心情，我们马上为您处理。" and s.validation.ok and s.citations
    assert [r.n for r in offline.requests] == [1, 3]  # the first phrasing alone, then the others


async def test_offline_drafter_crash_still_answers():
    offline = FakeOffline([RuntimeError("bug")])
    response = await make_coach(offline=offline).suggest(conversation("I want a refund now!"))
    assert response.suggestions[0].text == SAFE_REPLIES["en"][0]


async def test_nothing_invalid_is_ever_returned_even_when_all_fails():
    response = await make_coach(FailingLLM(), validate=reject_all).suggest(conversation())
    assert response.suggestions == () and response.degraded


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant", "en"])
async def test_safe_replies_pass_the_real_validator(script):
    rules = pytest.importorskip("coach.rules")
    for text in SAFE_REPLIES[script]:
        result = rules.validate(text, [], conversation().policy, None)
        assert result.ok, (text, result.violations)


async def test_reply_converted_to_the_customers_script():
    llm = ScriptedDrafter(["我理解您的心情，我们马上为您处理这个问题。"])
    response = await make_coach(llm).suggest(conversation("你們到底能不能解決？叫你們經理來！"))
    assert response.suggestions[0].text == "我理解您的心情，我們馬上為您處理這個問題。"


async def test_n_candidates_validated_each_on_its_own():
    llm = ScriptedDrafter([["好的，我来处理。", "我无能为力。", "我理解，我马上核实。"], ["还是无能为力。"]])
    response = await make_coach(llm, settings=llm_settings(COACH_MAX_REPAIRS=1)).suggest(conversation(n=3))
    assert sorted(s.text for s in response.suggestions) == ["好的，我来处理。", "我理解，我马上核实。"]
    assert not response.degraded and all(s.source == "llm" for s in response.suggestions)


async def test_unknown_or_malformed_template_is_rejected():
    coach = make_coach()
    with pytest.raises(NotFound):
        coach.check(conversation(template="reply@v99"))
    with pytest.raises(NotFound):
        await coach.suggest(conversation(template="nosuch"))
    with pytest.raises(InvalidInput):
        coach.check(conversation(template="Reply v1!"))


async def test_stream_events_in_order():
    llm = ScriptedDrafter([["好的，我来处理。", "我理解，我马上核实。"]])
    events = [e async for e in make_coach(llm).stream(conversation(n=2))]
    kinds = [e.kind for e in events]
    assert kinds == ["passages", "attempt", "suggestion", "suggestion", "done"]
    assert [p["id"] for p in events[0].data["passages"]] == ["p-001-002", "p-002-001", "p-004-003"]
    assert events[1].data == {"stage": "drafting", "attempt": 1}
    done = events[-1].data
    assert [s["text"] for s in done["suggestions"]] == [e.data["suggestion"]["text"] for e in events[2:4]]
    assert [e.data["index"] for e in events[2:4]] == [0, 1]
    assert done["request_id"] == events[0].data["request_id"]


async def test_stream_degraded_emits_the_fallback_suggestion():
    events = [e async for e in make_coach(FailingLLM()).stream(conversation())]
    assert [e.kind for e in events] == ["passages", "attempt", "attempt", "suggestion", "done"]
    assert [e.data for e in events[1:3]] == [
        {"stage": "drafting", "attempt": 1}, {"stage": "falling_back", "attempt": 1, "reason": "llm_error"},
    ]
    assert events[-1].data["degraded_reason"] == "llm_error"


async def test_stream_raises_errors():
    with pytest.raises(NotFound):
        async for _ in make_coach().stream(conversation(template="nosuch@v1")):
            pass


# -- end to end with the real LLM drafter over respx ----------------------------------------
def completion(content: str, usage=(100, 20)) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "c", "object": "chat.completion", "created": 1, "model": "served-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    })


def real_llm_coach(**kw) -> Coach:
    settings = llm_settings(**kw)
    return make_coach(LLMDrafter(settings), settings=settings)


@respx.mock
async def test_e2e_repair_usage_counts_every_call_and_model_is_the_servers():
    respx.post(URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}, json={}),
        completion(json.dumps({"reply": "我无能为力。", "citations": ["p-001-002"]}, ensure_ascii=False)),
        completion(json.dumps({"reply": "我理解您的心情，这就为您跟进。", "citations": ["p-002-001"]}, ensure_ascii=False)),
    ])
    response = await real_llm_coach().suggest(conversation())
    [s] = response.suggestions
    assert (s.text, s.attempts, s.citations) == ("我理解您的心情，这就为您跟进。", 2, ("p-002-001",))
    assert response.model == "served-model"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (200, 40)
    assert response.timings_ms["llm"] > 0


@respx.mock
async def test_e2e_5xx_until_the_deadline():
    route = respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "down"}}))
    started = time.perf_counter()
    response = await real_llm_coach(COACH_DEADLINE_S=0.4, COACH_LLM_RETRIES=10, COACH_LLM_RETRY_WAIT_S=0.05,
                                    COACH_LLM_RETRY_MAX_WAIT_S=0.05).suggest(conversation())
    assert time.perf_counter() - started < 1.0 and route.call_count >= 2
    assert response.degraded and response.degraded_reason in ("timeout", "llm_error")
    assert response.suggestions[0].source == "offline"


@respx.mock
async def test_e2e_hanging_endpoint():
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return completion("never")

    respx.post(URL).mock(side_effect=hang)
    started = time.perf_counter()
    response = await real_llm_coach(COACH_DEADLINE_S=0.3).suggest(conversation())
    assert time.perf_counter() - started < 1.0
    assert (response.degraded, response.degraded_reason) == (True, "timeout")


@respx.mock
async def test_e2e_malformed_json_and_length_fall_back():
    body = completion('{"reply": "我').json()
    body["choices"][0]["finish_reason"] = "length"
    respx.post(URL).mock(side_effect=[completion('{"reply": "我理解'), httpx.Response(200, json=body)] * 2)
    response = await real_llm_coach().suggest(conversation())
    assert response.degraded and response.degraded_reason == "llm_error"


@respx.mock
async def test_e2e_plain_text_completion_is_the_reply():
    respx.post(URL).mock(return_value=completion("I understand, and I will look into it for you right away."))
    response = await real_llm_coach().suggest(conversation("Where is my parcel? This is the third time!"))
    assert response.suggestions[0].text == "I understand, and I will look into it for you right away."


def test_llm_error_kind_timeout_maps_to_timeout_reason():
    assert LLMError("x", kind="timeout").kind == "timeout"


# -- the real situation analyser, validator and offline drafter, with the LLM over respx ----------
def real_coach(**kw) -> Coach:
    from coach.pipeline import build_coach

    settings = llm_settings(**kw)
    return build_coach(settings, FakeRetriever(), prompts=PROMPTS)


def test_build_coach_follows_the_backend():
    from coach.pipeline import build_coach

    assert isinstance(real_coach().llm, LLMDrafter) and real_coach().model == "gpt-4o-mini"
    offline = build_coach(Settings(_env_file=None, COACH_BACKEND="offline"), FakeRetriever(), prompts=PROMPTS)
    assert offline.llm is None and offline.model == "offline"


@respx.mock
async def test_e2e_real_validator_rejects_authority_exposure_and_repair_fixes_it():
    route = respx.post(URL).mock(side_effect=[
        completion(json.dumps({"reply": "非常抱歉，这事我定不了，必须领导处理。", "citations": []}, ensure_ascii=False)),
        completion(json.dumps({"reply": "非常理解您的心情，这个问题我来负责跟进，今天下午五点前给您回电。",
                               "citations": ["p-002-001"]}, ensure_ascii=False)),
    ])
    response = await real_coach().suggest(conversation())
    [s] = response.suggestions
    assert s.attempts == 2 and s.validation.ok and "定不了" not in s.text and not response.degraded
    repair_prompt = json.loads(route.calls[1].request.content)["messages"][-1]["content"]
    assert "authority_exposure" in repair_prompt


@respx.mock
async def test_e2e_never_repairs_with_the_real_validator_degrades_to_a_valid_offline_reply():
    from coach.metrics import DEGRADED

    before = DEGRADED.labels("invalid_after_repair")._value.get()
    route = respx.post(URL).mock(return_value=completion(
        json.dumps({"reply": "这个我真的无能为力，得找我们领导。", "citations": []}, ensure_ascii=False)))
    response = await real_coach(COACH_MAX_REPAIRS=1).suggest(conversation("你們到底能不能解決？叫你們經理來！"))
    assert route.call_count == 2
    assert (response.degraded, response.degraded_reason, response.model) == (True, "invalid_after_repair", "offline")
    assert all(s.source == "offline" and s.validation.ok for s in response.suggestions)
    from coach.text import detect_script

    assert detect_script(response.suggestions[0].text) == "zh-Hant"
    assert DEGRADED.labels("invalid_after_repair")._value.get() == before + 1
    assert response.usage.prompt_tokens == 200  # both calls counted


async def test_a_failing_situation_or_retriever_still_gets_a_reply():
    class Broken(FakeRetriever):
        def search_turns(self, turns, k=5):
            raise RuntimeError("index bug")

    def broken_analyse(conversation):
        raise RuntimeError("analysis bug")

    coach = Coach(settings=llm_settings(), retriever=Broken(), prompts=PROMPTS, offline=FakeOffline(),
                  llm=ScriptedDrafter(["我理解您的心情，我来处理。"]), analyse=broken_analyse, validate=fake_validate)
    response = await coach.suggest(conversation("你們到底能不能解決？"))
    assert response.passages == () and not response.degraded
    assert response.suggestions[0].text == "我理解您的心情，我來處理。"  # the script still detected


async def test_a_template_failing_at_render_time_degrades(tmp_path):
    body = ("---\nname: {name}\nversion: 1\n---\n{{% block system %}}{{% if n > 1 %}}{{{{ passages[9].id }}}}{{% endif %}}"
            "{{% endblock %}}\n{{% block user %}}u{{% endblock %}}\n")
    for name in ("reply", "repair"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "v1.md.j2").write_text(body.format(name=name), encoding="utf-8")
    coach = Coach(settings=llm_settings(), retriever=FakeRetriever(), prompts=PromptRegistry(tmp_path),
                  offline=FakeOffline(), llm=ScriptedDrafter(["好的"]), analyse=fake_analyse, validate=fake_validate)
    response = await coach.suggest(conversation(n=2))
    assert (response.degraded, response.degraded_reason) == (True, "template_error")
    assert response.suggestions[0].source == "offline"


async def test_a_reply_in_the_wrong_language_is_repaired():
    llm = ScriptedDrafter([["I understand, let me check that for you."], ["我理解您的心情，我马上为您核实。"]])
    response = await make_coach(llm, validate=DEFAULT_VALIDATOR).suggest(conversation())  # wrong_language is a rule
    [s] = response.suggestions
    assert (s.text, s.attempts) == ("我理解您的心情，我马上为您核实。", 2)
    assert llm.requests[1].feedback[0].rule == "wrong_language"
    assert "整条回复请用中文书写" in llm.requests[1].messages[-1].content  # the hint in the customer's language


async def test_a_reply_that_stays_in_the_wrong_language_never_reaches_the_agent():
    llm = ScriptedDrafter([["我理解您的心情。"]])
    response = await make_coach(llm, settings=llm_settings(COACH_MAX_REPAIRS=1), validate=DEFAULT_VALIDATOR).suggest(
        conversation("My parcel is late again, this is ridiculous."))
    assert (response.degraded, response.degraded_reason) == (True, "invalid_after_repair")
    assert response.suggestions[0].text == SAFE_REPLIES["en"][0] or response.suggestions[0].text.isascii()


async def test_a_prompts_folder_without_repair_template_falls_back_instead_of_failing(tmp_path):
    (tmp_path / "reply").mkdir()
    (tmp_path / "reply" / "v1.md.j2").write_text(
        "---\nname: reply\nversion: 1\n---\n{% block system %}s{% endblock %}\n{% block user %}u{% endblock %}\n",
        encoding="utf-8")
    llm = ScriptedDrafter(["我无能为力。"])
    coach = Coach(settings=llm_settings(), retriever=FakeRetriever(), prompts=PromptRegistry(tmp_path),
                  offline=FakeOffline(), llm=llm, analyse=fake_analyse, validate=fake_validate)
    response = await coach.suggest(conversation())
    assert (response.degraded, response.degraded_reason) == (True, "invalid_after_repair")
    assert len(llm.requests) == 1


async def test_a_model_that_keeps_stating_the_ceiling_never_reaches_the_agent():
    """Issue 10: an LLM that drafts "the most I can give is 80" again and again, with an 80-yuan
    policy, is repaired and then replaced; the real validator catches the wording it has no list
    entry for."""

    ceiling = "这个金额已经是我这边能走的最大一步了，再多真的报不上去。"
    llm = ScriptedDrafter([[ceiling], [ceiling], [ceiling]])
    conv = conversation(policy={"max_compensation": {"amount": 80, "currency": "CNY"}})
    response = await make_coach(llm, validate=DEFAULT_VALIDATOR).suggest(conv)
    assert response.degraded and response.degraded_reason == "invalid_after_repair"
    assert all(ceiling not in s.text for s in response.suggestions)
    assert llm.requests[1].feedback[0].rule == "authority_exposure"


async def test_each_repair_carries_every_rejected_draft_and_runs_warmer():
    """Issue 13: with a near-deterministic model the second repair must not be the first one again."""
    llm = ScriptedDrafter([["我无能为力。"], ["还是无能为力。"], ["我理解您的心情，我马上核实。"]])
    response = await make_coach(llm, settings=llm_settings(COACH_MAX_REPAIRS=2)).suggest(conversation())
    assert response.suggestions[0].text == "我理解您的心情，我马上核实。"
    first, second = llm.requests[1], llm.requests[2]
    assert first.messages != second.messages
    later = second.messages[-1].content
    assert "我无能为力。" in later and "还是无能为力。" in later and "repair attempt 2" in later
    assert second.params["temperature"] > first.params["temperature"]


class SignallingRetriever(FakeRetriever):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.started = __import__("threading").Event()
        self.fail = fail

    def search_turns(self, turns, k=5):  # noqa: ANN001, ANN201
        self.started.set()
        if self.fail:
            raise RuntimeError("index gone")
        return super().search_turns(turns, k)


@pytest.mark.parametrize("fail", [False, True])
async def test_the_search_runs_while_the_situation_is_read(fail: bool):
    retriever = SignallingRetriever(fail)
    seen: list[bool] = []

    def analyse(c):  # noqa: ANN001, ANN202
        seen.append(retriever.started.wait(2))  # the search was already under way
        return fake_analyse(c)

    coach = Coach(settings=llm_settings(), retriever=retriever, prompts=PROMPTS,
                  offline=FakeOffline(), llm=None, analyse=analyse, validate=fake_validate)
    response = await coach.suggest(conversation())
    assert seen == [True]
    assert bool(response.passages) != fail  # a failed search drafts without passages


def test_warm_up_searches_analyses_and_validates_a_chinese_and_an_english_turn():
    """Coach.warm_up (the service's start-up and the eval's, before the first scenario) reaches the
    retriever, the analysis and the validator once per script, so their lazy parts load then."""
    from coach.pipeline import WARM_UP_TEXTS

    analysed, validated = [], []
    retriever = FakeRetriever()

    def validate(draft, turns, policy, locale):  # noqa: ANN001, ANN202
        validated.append(turns[-1].text)
        return fake_validate(draft, turns, policy, locale)

    def analyse(conv):  # noqa: ANN001, ANN202
        analysed.append(conv.turns[-1].text)
        return fake_analyse(conv)

    coach = Coach(settings=llm_settings(), retriever=retriever, prompts=PROMPTS, offline=FakeOffline(),
                  analyse=analyse, validate=validate)
    coach.warm_up()
    assert sorted(retriever.queries) == sorted(WARM_UP_TEXTS)
    assert analysed == validated == list(WARM_UP_TEXTS)
