"""Property: whatever the conversation, the real offline pipeline returns only replies that pass the
real validator, in the customer's script, citing only passages it returned."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings, strategies as st

from coach.config import Settings
from coach.pipeline import build_coach
from coach.prompts import PromptRegistry
from coach.rules import validate
from coach.text import detect_script, to_simplified, to_traditional
from coach.types import Conversation
from fakes_pipeline import FakeRetriever

COACH = build_coach(Settings(_env_file=None, COACH_BACKEND="offline"), FakeRetriever(),
                    prompts=PromptRegistry.from_settings(Settings(_env_file=None)))

PHRASES = [
    "你们到底能不能解决？", "叫你们领导来接电话！", "我要投诉你们", "赔我100元", "你們這是什麼服務態度", "叫經理來",
    "手機進水了能保修嗎", "再不解决我就去消协", "Where is my refund?", "Get me your manager now.",
    "You people are useless", "I want 200 yuan compensation", "好的，那就这样吧", "20元太少了",
]
turn = st.builds(
    lambda role, parts, rnd: {"role": role, "text": "".join(parts), "round": rnd},
    st.sampled_from(["customer", "agent"]),
    st.lists(st.sampled_from(PHRASES) | st.text(min_size=1, max_size=20), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=3),
)
conversation = st.builds(
    lambda turns, last, amount, n: Conversation.model_validate({
        "turns": sorted(turns, key=lambda t: t["round"]) + [{**last, "role": "customer", "round": max([t["round"] for t in turns] + [last["round"]])}],
        "policy": {"max_compensation": None if amount is None else {"amount": amount, "currency": "CNY"}},
        "n": n,
    }),
    st.lists(turn, max_size=5), turn, st.none() | st.integers(min_value=0, max_value=300), st.integers(1, 3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversation)
def test_every_returned_suggestion_validates(conv):
    response = asyncio.run(COACH.suggest(conv))
    assert 1 <= len(response.suggestions) <= conv.n
    ids = {p.id for p in response.passages}
    script = COACH.analyse(conv).script
    for s in response.suggestions:
        assert s.validation.ok and validate(s.text, conv.turns, conv.policy, conv.locale).ok
        assert set(s.citations) <= ids
        assert (detect_script(s.text) == "en") == (script == "en")
        if script == "zh-Hant":
            assert to_traditional(s.text) == s.text  # nothing left to convert
        elif script == "zh-Hans":
            assert to_simplified(s.text) == s.text
