"""The drafts issue 10 reported passing as clean, verbatim: each must now be rejected. None of them
is in the training data; one is still missed (strict xfail: the day one is caught, this file
says so and the mark goes)."""

from __future__ import annotations

import pytest

from coach.rules import validate
from coach.types import Money, Policy, Turn

CAUGHT = [
    "我也想多给您一些，可惜公司给我的额度卡得很死。",
    "这已经是我这边能走的最大一步了，再多真的报不上去。",
    "退款这种事得等后台的同事审核，我这边点不了。",
    "這個金額已經是我能給的極限了，真的不好意思。",
    "Honestly, refunds like this get decided upstairs, not by me.",
    "My system caps what I can issue at $25.",
    "对不起，我不能处理这个问题。",
    "抱歉，我无法帮助您解决这个问题。",
    "我们公司目前无法解决您的问题。",
    "請您稍後聯繫我們主管來處理您的問題。",
    "…If not, I'll have to escalate this matter further and reach out to my supervisor.",
    "很抱歉，我無法繼續這段對話。",
    "I'm sorry, but I can't assist with that.",
    "账单上写得很清楚，您可以自己看一下就知道了。",
    "請等待主管出來重新處理。",
    "I'll put your supervisor on the line.",
]
MISSED = [
    "我建议我们先尝试联系客服经理来进一步确认问题的详细情况，并根据实际情况决定是否需要进行赔偿。",
]
IN_CONTEXT = [
    ("那我再给您免一个月会员费，您看这样可以吗？", [("agent", "给您补一张20元优惠券"), ("customer", "20块？打发要饭的呢？")]),
    ("Fine, I'll turn that into a $10 refund to your card instead.",
     [("agent", "I've added a $10 store credit"), ("customer", "Store credit is useless to me")]),
    ("好吧，除了那张券，这单的运费我也给您退了。", [("agent", "给您一张10元券"), ("customer", "就这？")]),
    ("如果您覺得這個金額不夠，請告訴我，我們可以考慮進一步調整", [("agent", "非常抱歉，我們給您補償20元代金券。"), ("customer", "太少了！")]),
    ("好的，马上把你们领导叫过来，我不跟你说。", [("customer", "叫你们领导过来，我不跟你说！")]),
]


@pytest.mark.parametrize("draft", CAUGHT)
def test_reported_draft_is_rejected(draft: str) -> None:
    assert not validate(draft).ok


@pytest.mark.parametrize("draft", MISSED)
@pytest.mark.xfail(strict=True, reason="handing the customer to a superior in this wording is not read yet")
def test_reported_draft_still_missed(draft: str) -> None:
    assert not validate(draft).ok


@pytest.mark.parametrize(("draft", "turns"), IN_CONTEXT)
def test_reported_draft_is_rejected_in_its_conversation(draft: str, turns: list[tuple[str, str]]) -> None:
    assert not validate(draft, [Turn(role=r, text=t) for r, t in turns]).ok  # type: ignore[arg-type]


def test_the_ceiling_named_as_the_most_is_rejected() -> None:
    assert not validate("我这边最高只能给到80元。", (), Policy(max_compensation=Money(amount=80, currency="CNY"))).ok
