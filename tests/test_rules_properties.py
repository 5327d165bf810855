"""Property tests: no input crashes the validator; spans always lie inside the draft."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.rules import find_offers, round_state, validate
from coach.rules.normalize import normalize
from coach.types import MAX_TURN_CHARS, Money, Policy, Turn

# Text that exercises the interesting paths: rule vocabulary, numerals, currency marks, Traditional
# characters whose t2s form differs, and arbitrary Unicode (including characters that change length
# under lower-casing, like "İ", and astral characters).
_VOCAB = [
    "无能为力", "權限", "权限不够", "必须领导处理", "请示上面", "经理拍板", "额度", "给您", "补偿", "再", "加",
    "20", "三十", "一百二", "元", "块钱", "美元", "$", "¥", "代金券", "紅包", "积分", "退款", "换新", "免费上门",
    "免收", "升级", "您说多少就多少", "已经", "一共", "+", "=", "，", "。", "I'll", " refund ", " $15 ", "credit",
    "not my call", "you win", "it's your fault", "爱投诉就去投诉", "İ", "ß", "ﬁ", "𝟘", "\u200b", "\r\n", "乾",
]
_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(_VOCAB), st.text(max_size=4)), max_size=60).map("".join),
)
_turn = st.builds(
    Turn,
    role=st.sampled_from(["customer", "agent"]),
    text=_text.filter(lambda s: 1 <= len(s) <= MAX_TURN_CHARS),
    round=st.integers(min_value=1, max_value=4),
)
_policy = st.one_of(
    st.just(Policy()),
    st.builds(lambda a, c: Policy(max_compensation=Money(amount=a, currency=c)),
              st.floats(min_value=0, max_value=1e6, allow_nan=False), st.sampled_from(["CNY", "USD", "EUR"])),
)

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(draft=_text, turns=st.lists(_turn, max_size=6), policy=_policy)
def test_validate_never_crashes_and_spans_are_exact(draft: str, turns: list[Turn], policy: Policy) -> None:
    result = validate(draft, turns, policy)
    assert result.ok == (not any(v.severity == "block" for v in result.violations))
    for v in result.violations:
        start, end = v.span
        assert 0 <= start <= end <= len(draft)
        assert v.evidence == draft[start:end]


@_SETTINGS
@given(text=_text)
def test_offer_spans_are_exact(text: str) -> None:
    for offer in find_offers(text):
        start, end = offer.span
        assert 0 <= start <= end <= len(text)
        assert offer.evidence == text[start:end]
        assert offer.amount is None or offer.amount >= 0


@_SETTINGS
@given(text=_text)
def test_normalised_spans_map_back_inside(text: str) -> None:
    norm = normalize(text)
    for start in range(0, len(norm.text) + 1, 7):
        for end in (start, min(len(norm.text), start + 3), len(norm.text)):
            s, e = norm.span(start, end)
            assert 0 <= s <= e <= len(text)


@settings(max_examples=25, deadline=None)
@given(turns=st.lists(_turn, min_size=1, max_size=30))
def test_round_state_is_consistent(turns: list[Turn]) -> None:
    state = round_state(turns)
    assert state.current_round == turns[-1].round
    assert all(o.round in {t.round for t in turns if t.role == "agent"} for o in state.offers)
    if state.standing_amount is not None:
        assert state.standing_amount >= 0


def test_long_drafts_at_the_limit_are_handled() -> None:
    draft = ("非常抱歉，給您補償20元代金券，另外再送您500積分。I'll add a $10 credit. " * 80)[:MAX_TURN_CHARS]
    result = validate(draft)
    assert result.violations
    for v in result.violations:
        assert v.evidence == draft[v.span[0]:v.span[1]]
