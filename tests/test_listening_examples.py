"""Issue 11's examples, verbatim, through the real pipeline with the offline drafter and the bundled
guidelines: every candidate reply must be one a team lead would send. Each row names what the lead
checks: the customer's problem named in their terms, nothing asked again that they already said, a
missed callback apologised for first, a refund treated as a refund, no compensation before the case
is known, no time in the past, and a cited passage that bears on the moment."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from coach.config import Settings
from coach.evaluation.listening import asked_again, past_times
from coach.pipeline import build_coach
from coach.prompts import PromptRegistry, build_context
from coach.analysis.situation import analyse
from coach.text import to_simplified
from coach.types import Case, Conversation, Money, Policy, Turn
from tests.fakes_knowledge import bundled_kb  # noqa: F401  (fixture)

P80 = Policy(max_compensation=Money(amount=80))
P80USD = Policy(max_compensation=Money(amount=80, currency="USD"))
CALLBACK_ROUND_1 = (
    Turn(role="customer", text="你们送来的冰箱门上有个大凹痕，我要赔100。"),
    Turn(role="agent", text="非常抱歉，我先为您申请20元代金券。"),
    Turn(role="customer", text="20太少了，我不接受。"),
    Turn(role="agent", text="理解您的心情，我这边再核实一下情况，明天上午十点给您回电。"),
)


@dataclass(frozen=True)
class Example:
    id: str
    conversation: Conversation
    names: str  # a regular expression over the reply (Simplified): the problem in the customer's terms
    already_said: tuple[str, ...] = ("problem",)
    must: tuple[str, ...] = ()  # regular expressions every reply holds
    never: tuple[str, ...] = ()  # regular expressions no reply holds
    first_sentence: str | None = None  # the first sentence holds this (apology before anything else)
    cites: tuple[str, ...] = ()  # one cited passage holds one of these phrases
    notes_never: tuple[str, ...] = ()  # the LLM prompt's notes never hold these
    notes_must: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)


EXAMPLES = [
    Example(
        "wrong-colour-gift-manager",
        Conversation(locale="zh-CN", policy=P80, turns=(Turn(
            role="customer", text="你们发错货了，我要的是黑色的寄来白色的，耽误我送礼！20块代金券打发谁呢？叫你们领导来！"),)),
        names=r"发错|黑色|白色",
        must=(r"送礼", r"抱歉|对不起"),
        never=(r"具体情况", r"(?<![\d.])20\s*(元|块)", r"领导(才能|来处理)"),
        notes_never=("The customer asks for 20",),
        notes_must=("turns down 20 CNY",),
    ),
    Example(
        "order-not-arrived-manager-on-the-phone",
        Conversation(locale="en", turns=(Turn(
            role="customer", text="...my order still hasn't arrived. Put your manager on the phone right now!"),)),
        names=r"order|parcel|deliver",
        never=(r"device", r"\bphone\b", r"tell me (more|what happened)"),
    ),
    Example(
        "missed-callback-round-2",
        Conversation(locale="zh-CN", policy=P80, case=Case(prior_contacts=1, company_at_fault=True),
                     turns=CALLBACK_ROUND_1 + (Turn(role="customer", text="都两天了还没人给我回电话！", round=2),)),
        names=r"冰箱|凹痕",
        first_sentence=r"回电.{0,20}(抱歉|对不起|失误)|(抱歉|对不起).{0,20}回电",
        never=(r"按约定给您回电", r"一直在跟进"),
        cites=("致歉", "错在我们", "约定下次", "二次沟通"),
        notes_must=("did not happen",),
    ),
    Example(
        "double-charge-rent-due",
        Conversation(locale="en", policy=P80USD, case=Case(company_at_fault=True), turns=(Turn(
            role="customer", text="You charged my card twice… rent is due"),)),
        names=r"twice|duplicate|second charge|extra charge",
        must=(r"refund", r"rent"),
        never=(r"voucher|coupon|gesture",),
    ),
    Example(
        "power-probe-before-the-case",
        Conversation(locale="zh-CN", policy=P80, case=Case(company_at_fault=True), turns=(Turn(
            role="customer", text="你先说你能赔多少？你到底有没有权限给钱？"),)),
        names=r".",  # nothing to name yet
        already_said=(),
        never=(r"(?<![\d.])\d+\s*(元|块)", r"代金券|补偿", r"权限|额度"),
    ),
    Example(
        "delivery-no-template-phrase",
        Conversation(locale="zh-CN", now=datetime.fromisoformat("2025-03-11T18:30:00+08:00"), turns=(
            Turn(role="customer", text="我的包裹显示签收了，可我根本没收到，你们给个说法。"),)),
        names=r"包裹|签收|没收到",
        never=(r"的问题的具体情况", r"今天"),
    ),
]


@pytest.fixture(scope="module")
def coach(bundled_kb):  # noqa: F811
    settings = Settings(_env_file=None, COACH_BACKEND="offline")
    return build_coach(settings, bundled_kb)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?])|(?<=[.!?])\s+", text) if s.strip()]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_the_issue_examples_get_replies_a_team_lead_would_send(coach, example: Example) -> None:
    conversation = example.conversation.model_copy(update={"n": 3})
    response = asyncio.run(coach.suggest(conversation))
    assert len(response.suggestions) >= 2
    by_id = {p.id: p for p in response.passages}
    for s in response.suggestions:
        text = to_simplified(s.text)
        assert s.validation.ok and s.source == "offline", s
        assert re.search(example.names, text, re.IGNORECASE), (example.id, s.text)
        assert not asked_again(s.text, list(example.already_said)), (example.id, s.text)
        for pattern in example.must:
            assert re.search(pattern, text, re.IGNORECASE), (pattern, s.text)
        for pattern in example.never:
            assert not re.search(pattern, text, re.IGNORECASE), (pattern, s.text)
        if example.first_sentence:
            assert re.search(example.first_sentence, _sentences(text)[0]), s.text
        assert s.citations, s.text
        if example.cites:
            cited = " ".join(to_simplified(by_id[c].text) for c in s.citations)
            assert any(phrase in cited for phrase in example.cites), (s.citations, s.text)
        if conversation.now is not None:
            assert not past_times(s.text, conversation.now), s.text
    notes = "\n".join(analyse(conversation).notes)
    for phrase in example.notes_never:
        assert phrase not in notes, notes
    for phrase in example.notes_must:
        assert phrase in notes, notes


def test_the_rendered_prompt_says_the_customer_turns_down_20_not_asks_for_it() -> None:
    conversation = EXAMPLES[0].conversation
    messages = PromptRegistry.from_settings(Settings(_env_file=None)).render(
        None, build_context(conversation, analyse(conversation), []))
    system = messages[0].content
    assert "The customer turns down 20 CNY" in system
    assert "asks for 20" not in system
    assert "发错货了" in system  # the problem, in the customer's own words


@pytest.mark.parametrize(("hour", "today_allowed"), [(8, True), (13, True), (16, False), (18, False), (23, False)])
def test_a_callback_time_is_never_in_the_past_whatever_the_hour(coach, hour: int, today_allowed: bool) -> None:
    conversation = Conversation(
        locale="zh-CN", policy=P80, now=datetime.fromisoformat(f"2025-03-11T{hour:02d}:10:00+08:00"), n=3,
        turns=(Turn(role="customer", text="手机壳到货就裂了，你们得赔我100块。"),
               Turn(role="agent", text="非常抱歉，我先为您申请一张20元代金券，您看可以吗？"),
               Turn(role="customer", text="20块打发叫花子呢？我要的是100。")))
    response = asyncio.run(coach.suggest(conversation))
    for s in response.suggestions:
        assert re.search(r"回电|联系您", s.text), s.text
        assert not past_times(s.text, conversation.now), s.text
        if not today_allowed:
            assert "今天" not in s.text, s.text


def test_an_unknown_timezone_is_a_clear_4xx_naming_the_field(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from coach.api.app import create_app

    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.sqlite3"),
                        COACH_RETRIEVAL="lexical", COACH_CACHE_DIR=str(tmp_path / "cache"))
    with TestClient(create_app(settings)) as client:
        body = {"turns": [{"role": "customer", "text": "my parcel is late"}], "timezone": "Mars/Olympus"}
        r = client.post("/v1/suggestions", json=body)
        assert r.status_code == 422, r.text
        assert "timezone" in r.text and "Mars/Olympus" in r.text
        import time

        deadline = time.monotonic() + 120
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        body["timezone"] = "Europe/London"
        body["now"] = "2025-03-11T21:30:00+00:00"
        r = client.post("/v1/suggestions", json=body)
        assert r.status_code == 200, r.text
        assert "today" not in r.json()["suggestions"][0]["text"]


def test_a_working_copy_of_the_notes_changes_what_the_model_is_told(tmp_path, bundled_kb) -> None:  # noqa: F811
    """The strategies' instructions and the notes are data with the templates: COACH_PROMPTS_DIR's
    notes/notes.yaml replaces the bundled one."""
    import shutil
    from importlib import resources

    import respx
    from httpx import Response

    copy = tmp_path / "prompts"
    shutil.copytree(str(resources.files("coach.bundled_prompts")), copy)
    notes = copy / "notes" / "notes.yaml"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "The customer turns down {amount}", "TURNED DOWN BY THE CUSTOMER: {amount}"), encoding="utf-8")
    settings = Settings(_env_file=None, COACH_BACKEND="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL="http://llm.test/v1",
                        COACH_PROMPTS_DIR=str(copy), COACH_LLM_RETRIES=0)
    seen: list[str] = []

    def answer(request):  # type: ignore[no-untyped-def]
        seen.append(request.content.decode("utf-8"))
        return Response(200, json={"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content":
             '{"reply": "您好，发错货耽误您送礼，真的很抱歉，我马上为您核对订单。", "citations": []}'}}]})

    with respx.mock(assert_all_called=False) as mock:
        mock.post("http://llm.test/v1/chat/completions").mock(side_effect=answer)
        asyncio.run(build_coach(settings, bundled_kb).suggest(EXAMPLES[0].conversation))
    assert seen and "TURNED DOWN BY THE CUSTOMER: 20 CNY" in seen[0]
    assert "asks for 20" not in seen[0]


def test_the_pinned_offline_baseline_meets_the_floors() -> None:
    """Issue 11's floors on the shipped sets, as pinned (tests/test_eval_baseline.py checks that the
    offline drafter still gives these replies): >= 105 of 110 pass with the listening checks, which
    apply wherever the customer said what went wrong, and every reply cites a passage."""
    import json
    from pathlib import Path

    report = json.loads((Path(__file__).parent.parent / "eval" / "baselines" / "offline" / "report.json").read_text("utf-8"))
    results = report["results"]
    assert len(results) == 110 and sum(r["passed"] for r in results) >= 105
    assert all(r["citations"] for r in results)
    listening = [r for r in results if r["expect"].get("mentions_problem")]
    assert len(listening) >= 90
    assert all(any(c["name"] == "mentions_problem" and c["passed"] for c in r["checks"]) for r in listening)
