"""The offer reader's sums written in words, without a unit or implied by a share of a price or a
monthly sum for months, and over_authority on what they come to."""

from __future__ import annotations

import pytest

from coach.rules import find_offers, validate
from coach.rules.implied import implied_sums, monthly_total, prices_named, share_of
from coach.rules.normalize import normalize
from coach.rules.numerals import parse_english, parse_number
from coach.types import Money, Policy, Turn


def _n(text: str) -> str:
    return normalize(text).text


@pytest.mark.parametrize(
    ("text", "value"),
    [("a hundred and twenty", 120), ("fifty", 50), ("two hundred", 200), ("twenty-five", 25),
     ("two thousand five hundred", 2500), ("one grand", 1000), ("a", None), ("hundreds of", None)],
)
def test_english_number_words(text: str, value: float | None) -> None:
    assert parse_english(text) == value


@pytest.mark.parametrize(("text", "value"), [("1.2k", 1200), ("5k", 5000), ("k", None)])
def test_a_thousands_suffix(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We'll send you a hundred and twenty dollars as compensation.", [("money", 120.0, "USD")]),
        ("I'll sort you out with fifty quid by bank transfer.", [("money", 50.0, "GBP")]),
        ("本公司將向閣下支付港幣伍佰元正作為補償。", [("money", 500.0, "HKD")]),
        ("给您补1500。", [("money", 1500.0, None)]),
        ("行行行，给你200，满意了吧", [("money", 200.0, None)]),
        ("好的，500就500，我现在就给您办", [("money", 500.0, None)]),
        ("給你一千塊總可以了吧", [("money", 1000.0, "CNY")]),
        ("補兩舊水俾你", [("money", 200.0, "HKD")]),
        ("运费15元退给您，另外再补偿您50元现金。", [("refund", 15.0, "CNY"), ("cash", 50.0, "CNY")]),
        ("我现在就给您办理全额退款，399元会原路退回到您的账户。", [("refund", 399.0, "CNY")]),
        ("这120元是今天下午退的，原路退回到您的微信零钱", []),  # where money given goes: no offer
        ("您的200元退款会原路退回", []),
        # a price named first, given by the refund after it: one offer of that sum
        ("这单300元的礼盒给您全额退款，三个工作日内原路退回。", [("refund", 300.0, "CNY")]),
        ("300元给您，另外再补偿您一张优惠券", [("money", 300.0, "CNY"), ("voucher", None, None)]),
        # compensation paid in points is one offer of those points
        ("给您账户里补偿5000积分，下次购物可以直接抵现。", [("points", 5000.0, None)]),
        ("We will compensate you with 500 points.", [("points", 500.0, None)]),
        ("给您退款并送500积分", [("refund", None, None), ("points", 500.0, None)]),
        ("已經在您的帳戶存入 1,500 元購物金，下次購票可以直接折抵。", [("voucher", 1500.0, "CNY")]),
        ("您上月存入1500元", []),
        ("I'm sorry. I've refunded the $15 delivery charge.", [("refund", 15.0, "USD")]),
        # a price the customer pays is not a sum given
        ("I'll waive your next three months at $29.99 each.", [("fee_waiver", None, None)]),
        ("If you'd like, we can replace the screen at our repair price of $129.", [("replacement", None, None)]),
        ("We'll credit you $15 at once.", [("credit", 15.0, "USD")]),
        ("给您补3天会员", []),
        ("换两块电池试试", []),
    ],
)
def test_sums_the_reader_now_reads(text: str, expected: list[tuple[str, float, str | None]]) -> None:
    assert [(o.kind, o.amount, o.currency) for o in find_offers(text)] == expected


def test_a_currency_named_before_a_yuan_sum() -> None:
    from coach.rules.offers import money_in

    assert money_in(_n("港幣伍佰元正")) == [(500.0, "HKD")]
    assert money_in(_n("新台币500元")) == [(500.0, "TWD")]
    assert money_in(_n("€ 120,00")) == [(120.0, "EUR")]


@pytest.mark.parametrize(
    ("text", "share"),
    [("给您办理全额退款", 1.0), ("票款给您退一半", 0.5), ("学费退您三成", 0.3), ("refund 50% of your fare", 0.5),
     ("房费给您打五折", 0.5), ("We'll refund the tour in full", 1.0), ("double your shipping cost back", 2.0),
     ("订单已经成功提交", None), ("给您补偿20元", None)],
)
def test_shares_of_a_price(text: str, share: float | None) -> None:
    assert share_of(_n(text)) == share


@pytest.mark.parametrize(
    ("text", "total"),
    [("接下来三个月的月租给您免掉，每月59元", (177.0, "CNY")),
     ("I'll waive your next three months at $29.99 each.", (89.97, "USD")),
     ("I'll take $25 a month off your bill for the next three months.", (75.0, "USD")),
     ("接下來兩個月的月租 999 元都幫您免收", (1998.0, "CNY")),
     ("免您一个月的月租59元", None), ("三个月内给您补偿50元", None)],
)
def test_a_monthly_sum_for_months(text: str, total: tuple[float, str] | None) -> None:
    got = monthly_total(_n(text))
    assert (got if got is None else (round(got[0], 2), got[1])) == total


def test_prices_a_customer_names_but_not_their_demand() -> None:
    assert prices_named(_n("我充了648，钻石一直没到账")) == [(648.0, None)]
    assert prices_named(_n("My $340 flight sat on the tarmac")) == [(340.0, "USD")]
    assert prices_named(_n("晚送了二十分钟，我要求赔1000块")) == []


@pytest.mark.parametrize(
    ("text", "prices"),
    [("我住你們的民宿一晚 6,800，房間有蟑螂", [(6800.0, None)]), ("報名了兩千四的烘焙課", [(2400.0, None)]),
     ("302 號房，床單還有怪味", []), ("我的订单号 2023120188 一直没到", []), ("等了120分钟", []),
     ("航班 MU5123 延误", []), ("SKU12345 发错了", []), ("my order 12345 never came", []),
     ("我买了三件，一共217块，每件都缩水", [(217.0, "CNY")])],
)
def test_a_number_written_alone_reads_as_a_price_only_when_nothing_else_does(text: str, prices: list) -> None:
    assert prices_named(_n(text)) == prices


@pytest.mark.parametrize(
    ("sentence", "context", "expected"),
    [("这单300元的礼盒给您全额退款", [], [(300.0, "CNY")]),
     ("这趟的票款给您退一半", ["我买的860块的高铁一等座"], [(430.0, "CNY")]),
     ("货款我们全部退给您，运费20元和安装费300元", [], []),  # which sum the share is of is not said
     ("这笔648元的充值给您原路退款", [], [])],
)
def test_implied_sums(sentence: str, context: list[str], expected: list[tuple[float, str]]) -> None:
    assert implied_sums(_n(sentence), [_n(c) for c in context]) == expected


CAP = Policy(max_compensation=Money(amount=100, currency="CNY"))


@pytest.mark.parametrize(
    ("draft", "turns", "over"),
    [
        ("实在对不起，这趟的票款给您退一半，会原路退回。", [Turn(role="customer", text="我买的860块的高铁票", round=1)], True),
        ("实在对不起，这趟的票款给您退一半，会原路退回。", [Turn(role="customer", text="我买的160块的高铁票", round=1)], False),
        ("接下来三个月的月租给您免掉，每月59元。", [], True),
        ("我现在就给您办理全额退款，399元会原路退回到您的账户。", [], True),
        ("运费15元退给您，另外再补偿您90元。", [], True),
        ("运费15元退给您，另外再补偿您50元。", [], False),
        ("行行行，给你200，满意了吧", [], True),
        ("您的订单是2399元，为表歉意我们全部退给您50元。", [], False),
        # a monthly sum written out, for months: the months count
        ("每月40元的月费，接下来三个月给您减免40元一个月。", [], True),
        ("每月30元的月费，接下来三个月给您减免30元一个月。", [], False),
        # money put into the customer's account, reported as done, with nothing offered before
        ("已經在您的帳戶存入 150 元購物金，下次購票可以直接折抵。", [], True),
    ],
)
def test_over_authority_on_what_the_draft_comes_to(draft: str, turns: list[Turn], over: bool) -> None:
    rules = {v.rule for v in validate(draft, turns, CAP).violations}
    assert ("over_authority" in rules) is over
