"""Unit tests of the validator's parts: numerals, normalisation, offers, round state, registry."""

from __future__ import annotations

import pytest

from coach.rules import RULE_IDS, FailurePolicy, find_offers, round_state, validate
from coach.rules.normalize import normalize
from coach.rules.numerals import parse_chinese, parse_number
from coach.rules.prefilter import Registry, required_literals, requirements
from coach.rules.regex_tools import fast_source
from coach.types import Money, Policy, Turn


@pytest.mark.parametrize(
    ("text", "value"),
    [("十", 10), ("二十", 20), ("三十五", 35), ("一百", 100), ("一百二", 120), ("一百零五", 105),
     ("两千五百", 2500), ("一万二千", 12000), ("二〇", 20), ("伍拾", 50), ("两", 2)],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert parse_chinese(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("20", 20), ("1,200.50", 1200.5), ("2万", 20000), ("三十", 30), ("abc", None),
    # continental separators: a decimal comma, dots between thousands; a lone "1.200" stays 1.2
    ("120,00", 120), ("1.200,50", 1200.5), ("3.000.000", 3_000_000), ("1.200", 1.2), ("0.999", 0.999),
    ("1,200", 1200),
])
def test_numbers(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_normalisation_is_simplified_lowercase_halfwidth() -> None:
    norm = normalize("這事得請示上面，ＯＫ？")
    assert norm.text == "这事得请示上面,ok?"
    assert norm.index is None


def test_spans_map_back_when_lengths_change() -> None:
    draft = "İİ 很抱歉，這件事我真的無能為力了。"  # "İ".lower() is two characters long
    assert len(draft.lower()) != len(draft)
    result = validate(draft)
    assert [v.evidence for v in result.violations] == ["無能為力"]
    start, end = result.violations[0].span
    assert draft[start:end] == "無能為力"


def test_contract_example_span() -> None:
    result = validate("很抱歉，这件事我真的无能为力了。")
    assert not result.ok
    v = result.violations[0]
    assert (v.rule, v.severity, v.span, v.evidence) == ("authority_exposure", "block", (10, 14), "无能为力")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("给您补偿20元代金券", [("voucher", 20.0, "CNY")]),
        ("为您申请一百二十元的补偿", [("money", 120.0, "CNY")]),
        ("I'll add a $10 credit", [("credit", 10.0, "USD")]),
        ("送您500积分", [("points", 500.0, None)]),
        ("我们为您安排免费上门检测", [("free_visit", None, None)]),
        ("给您换一台新机", [("replacement", None, None)]),
        ("这次为您免收运费", [("fee_waiver", None, None)]),
        ("行吧，您说多少就多少", [("capitulation", None, None)]),
        ("20 + 30 = 50元，给您", [("money", 50.0, "CNY")]),
        ("您要求赔偿100元", []),
        ("不能免费保修", []),
        ("换两块电池试试", []),
        ("We can't offer a refund", []),
    ],
)
def test_find_offers(text: str, expected: list[tuple[str, float | None, str | None]]) -> None:
    offers = find_offers(text)
    assert [(o.kind, o.amount, o.currency) for o in offers] == expected
    for o in offers:
        assert text[o.span[0]:o.span[1]] == o.evidence


def test_round_state_reads_rounds_and_standing_amount() -> None:
    turns = [
        Turn(role="customer", text="我要赔偿100元"),
        Turn(role="agent", text="给您补偿20元代金券"),
        Turn(role="agent", text="您的20元代金券已经申请好了"),
        Turn(role="customer", text="还是不够", round=2),
    ]
    state = round_state(turns)
    assert state.current_round == 2
    assert not state.conceded_this_round
    assert state.standing_amount == 20
    assert [(o.kind, o.amount, o.round) for o in state.offers] == [("voucher", 20.0, 1)]
    state2 = round_state([*turns, Turn(role="agent", text="再给您补偿30元代金券", round=2)])
    assert state2.conceded_this_round and state2.standing_amount == 50
    assert round_state([]).current_round == 1


def test_failure_policy_demotes_without_touching_detection() -> None:
    draft = "是你自己没看清楚"
    blocked = validate(draft)
    warned = validate(draft, failure_policy=FailurePolicy({"hostile_tone": "warn"}))
    assert not blocked.ok and warned.ok
    assert [v.severity for v in warned.violations] == ["warn"]
    assert [v.span for v in warned.violations] == [v.span for v in blocked.violations]


def test_rule_ids_are_stable() -> None:
    assert set(RULE_IDS) >= {"authority_exposure", "double_concession", "over_authority", "hostile_tone"}


def test_over_authority_ignores_other_currencies() -> None:
    policy = Policy(max_compensation=Money(amount=50, currency="CNY"))
    assert validate("I'll add a $80 credit to your account", policy=policy).ok
    assert not validate("给您补偿80元", policy=policy).ok


def test_prefilter_is_a_necessary_condition() -> None:
    assert required_literals(r"我(?:做|作)不了主") == frozenset({"我做不了主", "我作不了主"})
    assert required_literals(r"\d+") is None
    assert requirements(r"(?P<n>\d+)\s*(?:元|块钱)") == (frozenset({"元", "块钱"}),)
    registry = Registry()
    ids = [registry.add(p).id for p in ("我说", "说了算", r"\d+", r"我(?:做|作)不了")]
    assert registry.active("我说了算") == {ids[0], ids[1], ids[2]}
    assert registry.active("我作不了") == {ids[2], ids[3]}
    assert registry.active("不了") == {ids[2]}
    assert registry.active("hello") == {ids[2]}


@pytest.mark.parametrize(
    "pattern",
    [r"(?:你|您)自己(?:没|不)|是(?:你|您)的", r"就?按您说的(?:办|来)", r"(?:全部|所有(?:损失|费用)?)由我们", r"[三几]遍", r"\bi'll"],
)
def test_fast_source_matches_the_same(pattern: str) -> None:
    import re

    fast = fast_source(pattern)
    texts = ["您自己没看", "是你的问题", "就按您说的办", "按您说的来", "所有损失由我们", "全部由我们", "说了三遍", "i'll do it"]
    for text in texts:
        assert [m.span() for m in re.finditer(pattern, text)] == [m.span() for m in re.finditer(fast, text)]


@pytest.mark.parametrize(
    ("draft", "blanked"),
    [("退回 **36元** 到账", "退回   36元   到账"), ("## 处理结果\n好的", "   处理结果\n好的"),
     ("__refund__ sent", "  refund   sent"), ("a_b__c and #1", "a_b__c and #1")],
)
def test_markdown_marks_are_blanked_in_place(draft: str, blanked: str) -> None:
    norm = normalize(draft)
    assert norm.text == blanked and len(norm.text) == len(draft)


@pytest.mark.parametrize(
    ("draft", "readings"),
    [
        ("非常抱歉，为您处理如下：\n- 退回话费 **36元**\n- 额外赠送流量\n\n退款3天到账。",
         {"为您处理如下：退回话费 36元", "为您处理如下：额外赠送流量", "退款3天到账。"}),
        ("Here's what I've done:\n\n* Refunded the $36\n* Added 5GB of data\nThanks for waiting.",
         {"here's what i've done：refunded the $36", "here's what i've done：added 5gb of data", "thanks for waiting."}),
        ("1. check the cable\n2. restart", {"check the cable", "restart"}),  # no lead-in: marks only
    ],
)
def test_list_items_are_read_with_their_lead_in(draft: str, readings: set[str]) -> None:
    from coach.rules.clauses import split_units

    norm = normalize(draft)
    units = split_units(norm.text)
    got = {u.reading for u in units}
    assert readings <= got, got
    for u in units:  # the span is the item itself, without its mark
        assert norm.text[u.start:u.end] == u.text and not u.text.startswith(("-", "*"))


@pytest.mark.parametrize(
    ("text", "figures"),
    [("给您打9折", [("折", 9.0)]), ("15% off and $5 back", [("money", 5.0), ("%", 15.0)]),
     ("八折", [("折", 8.0)]), ("no figures here", [])],
)
def test_figures_named_in_a_unit(text: str, figures: list) -> None:
    from coach.rules.restating import figures_in

    assert sorted(figures_in(normalize(text).text)) == sorted(figures)


_ROUND = {
    "zh": [Turn(role="customer", text="送来的菜一半都烂了"), Turn(role="agent", text="这个月的订单给您打9折。"),
           Turn(role="customer", text="就这？")],
    "en": [Turn(role="customer", text="Half the box was spoiled."), Turn(role="agent", text="I've taken 10% off your next delivery."),
           Turn(role="customer", text="That's it?")],
}


@pytest.mark.parametrize(
    ("lang", "draft", "second"),
    [
        ("zh", "9折已经在您的订单上生效了，下单时就能看到。", False),  # the same rate told again
        ("en", "The 10% off is on your account now and applies automatically.", False),
        ("zh", "那这样，再给您打8折。", True),  # a new rate in the same round
        ("en", "Okay, I'll make that 20% off instead.", True),
    ],
)
def test_a_rate_already_on_the_table_is_not_a_second_concession(lang: str, draft: str, second: bool) -> None:
    rules = {v.rule for v in validate(draft, _ROUND[lang]).violations}
    assert ("double_concession" in rules) is second, rules
