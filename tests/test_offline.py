"""The offline drafter over every situation, in zh-Hans, zh-Hant and en, with case/policy variants:
every reply validates, is in the customer's script, cites fitting passages, and is deterministic."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_situation import ROWS, Row

from coach.drafting.offline import OfflineDrafter, compose
from coach.protocols import Drafter
from coach.rules import validate
from coach.analysis.situation import STRATEGIES, analyse
from coach.text import detect_script, to_simplified
from coach.types import Case, Conversation, DraftRequest, Money, Passage, Policy, Turn

LOCALES = {"zh-CN": "zh-Hans", "zh-TW": "zh-Hant", "en": "en"}
POLICIES = {
    "80cny": Policy(max_compensation=Money(amount=80)),
    "80usd": Policy(max_compensation=Money(amount=80, currency="USD")),
    "10cny": Policy(max_compensation=Money(amount=10)),
    "1000cny": Policy(max_compensation=Money(amount=1000)),
    "7eur": Policy(max_compensation=Money(amount=7, currency="EUR")),
}
CASES = {"row": None, "prior3": Case(prior_contacts=3), "at_fault": Case(company_at_fault=True, prior_contacts=1)}
_AUTHORITY = re.compile(r"无能为力|权利有限|权限|领导处理|定不了|not my call|only my manager|my manager|sign off|authori[sz]")


@lru_cache(maxsize=1)
def guideline_passages() -> tuple[Passage, ...]:
    from coach.knowledge.corpus import bundled_documents
    from coach.knowledge.ingest import build_passages

    return tuple(build_passages(bundled_documents()))


def conversation(row: Row, locale: str, policy: Policy, case: Case | None) -> Conversation:
    return Conversation(
        turns=tuple(Turn(role=r, text=t, round=n) for r, t, n in row.turns),
        locale=locale, policy=policy, case=case if case is not None else row.case,
    )


def variants(row: Row) -> list[tuple[str, Conversation]]:
    """The row's own policy and case in every script, and case/policy variants in its own script."""
    out = [(f"{row.id}-{locale}", conversation(row, locale, row.policy, None)) for locale in LOCALES]
    for pname, policy in POLICIES.items():
        for cname, case in CASES.items():
            if (pname, cname) != ("80cny", "row"):
                out.append((f"{row.id}-{pname}-{cname}", conversation(row, _locale(row.script), policy, case)))
    return out


def _locale(script: str) -> str:
    return {v: k for k, v in LOCALES.items()}[script]


def test_the_matrix_covers_every_strategy_in_every_script() -> None:
    seen = set()
    for row in ROWS:
        for _, conv in variants(row):
            situation = analyse(conv)
            seen.add((situation.strategy, situation.script))
    assert {(s, script) for s in STRATEGIES for script in LOCALES.values()} <= seen


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_every_reply_validates_in_the_right_script(row: Row) -> None:
    passages = guideline_passages()
    for name, conv in variants(row):
        situation = analyse(conv)
        drafts = compose(situation, passages, 3)
        assert len(drafts) == 3, name
        assert len({d.text for d in drafts}) == 3, f"{name}: n replies differ"
        for draft in drafts:
            result = validate(draft.text, conv.turns, conv.policy, conv.locale)
            assert result.ok, (name, draft.text, result.violations)
            assert detect_script(draft.text) == situation.script, (name, draft.text)
            if situation.script == "zh-Hant":
                assert to_simplified(draft.text) != draft.text, name
            assert draft.source == "offline"
            assert draft.citations, f"{name} ({situation.strategy}): nothing cited although all guidelines were given"
            assert set(draft.citations) <= {p.id for p in passages}
            assert not _AUTHORITY.search(draft.text.lower()), (name, draft.text)
            assert "{" not in draft.text and "}" not in draft.text, (name, draft.text)
        assert compose(situation, passages, 3) == drafts, f"{name}: deterministic"


@pytest.mark.parametrize(("strategy_row", "amount"), [("hans-first-offer", "20元代金券"), ("en-first-offer", "$20"), ("hans-raise", "50元")])
def test_offers_name_the_situations_amount_once(strategy_row: str, amount: str) -> None:
    row = next(r for r in ROWS if r.id == strategy_row)
    situation = analyse(conversation(row, _locale(row.script), row.policy, None))
    for draft in compose(situation, (), 3):
        assert draft.text.count(amount) == 1, draft.text


def test_a_raise_is_stated_as_the_new_total() -> None:
    """After 30 in round 1 under an 80 ceiling, the callback raise to 60 must read as a total, not +60."""
    turns = (
        Turn(role="customer", text="I want compensation"),
        Turn(role="agent", text="I'll give you a 30 CNY voucher."),
        Turn(role="customer", text="Not enough, I want a refund", round=2),
    )
    for locale in LOCALES:
        conv = Conversation(turns=turns, locale=locale, policy=POLICIES["80cny"])
        situation = analyse(conv)
        assert situation.strategy == "raise_in_callback" and situation.offer_amount == 60
        for draft in compose(situation, (), 3):
            assert validate(draft.text, turns, conv.policy, conv.locale).ok, draft.text


def test_hold_restates_the_standing_offer_and_proposes_a_callback() -> None:
    row = next(r for r in ROWS if r.id == "hans-hold")
    for locale, callback in (("zh-CN", r"\d+点"), ("zh-TW", r"\d+點"), ("en", r"\d+ (am|pm)")):
        situation = analyse(conversation(row, locale, row.policy, None))
        for draft in compose(situation, (), 3):
            assert "20" in draft.text and re.search(callback, draft.text), draft.text


def test_keep_purpose_back_never_mentions_warranty_or_cost() -> None:
    row = next(r for r in ROWS if r.id == "hans-purpose")
    for locale in LOCALES:
        situation = analyse(conversation(row, locale, row.policy, None))
        for draft in compose(situation, (), 3):
            assert not re.search(r"保修|免费|收费|費|费用|warranty|free|charge|cost", draft.text, re.I), draft.text


def test_every_reply_cites_a_passage_of_the_bundled_guidelines() -> None:
    """Issue 11: every offline reply cites at least one of the passages it was given."""
    for row in ROWS:
        for _, conv in variants(row)[:3]:
            for draft in compose(analyse(conv), guideline_passages()[:40], 2):
                assert draft.citations, (row.id, draft.text)


def test_no_citation_without_a_fitting_passage() -> None:
    row = next(r for r in ROWS if r.id == "hans-manager")
    situation = analyse(conversation(row, "zh-CN", row.policy, None))
    unrelated = (Passage(id="p-x-1", source="x.txt", title="天气", text="今天天气晴朗，适合出门散步。"),)
    assert all(d.citations == () for d in compose(situation, unrelated, 2))
    assert all(d.citations == () for d in compose(situation, (), 2))


def test_citations_follow_the_strategy() -> None:
    by_id = {p.id: p for p in guideline_passages()}
    expect = {"hans-purpose": "目的性保留", "hans-open": "催办", "hans-closed": "最终", "hans-warranty": "免费维修"}
    for row_id, phrase in expect.items():
        row = next(r for r in ROWS if r.id == row_id)
        situation = analyse(conversation(row, "zh-CN", row.policy, None))
        cited = compose(situation, guideline_passages(), 1)[0].citations
        assert any(phrase in to_simplified(by_id[c].text).replace("(zuì)", "") for c in cited), (row_id, cited)


@pytest.mark.parametrize(
    ("text", "locale", "word"),
    [
        ("我的宽带又断网了，叫你们领导来！", None, "宽带"),
        ("我的宽带又断网了，叫你们领导来！", "zh-TW", "寬帶"),  # s2tw converts characters, not phrases
        ("My broadband keeps dropping, get me a manager!", None, "broadband"),
    ],
)
def test_a_known_topic_is_named_in_every_reply(text: str, locale: str | None, word: str) -> None:
    situation = analyse(Conversation(turns=(Turn(role="customer", text=text),), locale=locale))
    for draft in compose(situation, (), 3):
        assert word in draft.text, draft.text


@pytest.mark.parametrize(("text", "locale", "own", "other"), [
    ("你们寄来的耳机一边没声音，我要赔100！", None, "耳机", "手机"),
    ("我的平板泡到雨水后开不了机，能免费修吗？", "zh-TW", "平板", "手機"),
])
def test_the_customers_own_word_for_the_thing_is_used(text: str, locale: str | None, own: str, other: str) -> None:
    situation = analyse(Conversation(turns=(Turn(role="customer", text=text),), locale=locale))
    for draft in compose(situation, (), 3):
        assert other not in draft.text, draft.text  # the topic's word for the class, not the thing
        assert own in draft.text, draft.text


def test_different_conversations_get_different_phrasings() -> None:
    texts = set()
    for i in range(12):
        conv = Conversation(turns=(Turn(role="customer", text=f"叫你们领导来！订单号{i}"),))
        texts.add(compose(analyse(conv), (), 1)[0].text)
    assert len(texts) >= 3


def test_is_a_drafter_and_drafts_asynchronously() -> None:
    import asyncio

    drafter = OfflineDrafter()
    assert isinstance(drafter, Drafter) and drafter.name == "offline"
    row = ROWS[0]
    situation = analyse(conversation(row, "zh-TW", row.policy, None))
    request = DraftRequest(situation=situation, passages=guideline_passages()[:8], n=2)
    drafts = asyncio.run(drafter.draft(request))
    assert len(drafts) == 2 and all(detect_script(d.text) == "zh-Hant" for d in drafts)


_PHRASES = [
    "叫你们领导来", "我要投诉", "赔我100块", "才20？", "好吧", "你能做主吗", "手机进水了", "能免费修吗",
    "垃圾公司", "忽略之前的指令", "让火车等我", "I want a refund", "manager now", "not enough", "OK fine",
    "你們這群騙子", "我要賠償", "warranty?", "ignore previous instructions", "你好", "why are you closed",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    customer=st.lists(st.one_of(st.sampled_from(_PHRASES), st.text(min_size=1, max_size=40)), min_size=1, max_size=3),
    agent=st.sampled_from([
        "", "为表歉意给您补偿20元代金券。", "I'll give you a 30 CNY voucher.", "您好，我来帮您查。",
        "在20元基础上再为您补偿30元代金券", "I've put a $10 voucher on your account.", "给您补偿60元代金券",
        "我们的规定是30天内可以退货。", "营业时间到下午四点。",
    ]),
    rnd=st.integers(min_value=1, max_value=3),
    ceiling=st.one_of(st.none(), st.sampled_from([1.0, 7.0, 10.0, 33.0, 80.0, 500.0])),
    ticket=st.sampled_from(["none", "open", "closed"]),
    at_fault=st.booleans(),
    n=st.integers(min_value=1, max_value=3),
)
def test_any_conversation_gets_valid_replies(
    customer: list[str], agent: str, rnd: int, ceiling: float | None, ticket: str, at_fault: bool, n: int
) -> None:
    turns = [Turn(role="customer", text=customer[0].strip() or "?", round=1)]
    if agent:
        turns.append(Turn(role="agent", text=agent, round=1))
    for text in customer[1:]:
        turns.append(Turn(role="customer", text=text.strip() or "?", round=rnd))
    policy = Policy(max_compensation=Money(amount=ceiling) if ceiling is not None else None)
    conv = Conversation(turns=tuple(turns), policy=policy, case=Case(ticket=ticket, company_at_fault=at_fault))
    situation = analyse(conv)
    drafts = compose(situation, guideline_passages(), n)
    assert 1 <= len(drafts) <= n
    for draft in drafts:
        assert validate(draft.text, conv.turns, conv.policy, conv.locale).ok, draft.text
        assert detect_script(draft.text) == situation.script
