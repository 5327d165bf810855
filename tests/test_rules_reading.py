"""How the draft context reads the conversation and the customer's words (fake heads, so each
mechanism is tested alone): reported speech, copied stretches, benefits reported as done in
earlier agent turns, a restating word that belongs to another sum, giving in to the demand."""

from __future__ import annotations

import pytest

from coach.rules.offers import find_offers
from coach.rules.reported import reports_customer
from coach.rules.state import round_state
from coach.rules.validator import Validator
from coach.types import Money, Policy, Turn
from tests.fakes_rules import FakeScorer


def rules(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in result.violations}


@pytest.mark.parametrize(
    ("unit", "reports"),
    [
        ("您反映我们就说不办了，", True),
        ("好的，您提到快递三天没到，", True),
        ("你话我哋唔理你，", True),
        ("据您说客服挂了您电话，", True),
        ("you mentioned the agent hung up on you,", True),
        ("ok, you're saying nobody called back.", True),
        ("您说得对，", False),
        ("您说的问题我们马上处理。", False),
        ("我们这边没办法处理。", False),
        ("you're right,", False),
        ("we said no.", False),
    ],
)
def test_units_that_report_the_customers_words(unit: str, reports: bool) -> None:
    assert reports_customer(unit) is reports


def test_the_customers_account_reported_back_is_not_the_agents_tone() -> None:
    v = Validator(scorer=FakeScorer({"hostile": ["我们就说不办了"], "authority": ["做不了主"]}))
    assert rules(v("您反映我们就说不办了，这个情况我已经清楚了。")) == set()
    assert rules(v("我们就说不办了，您自己看着办。")) == {"hostile_tone"}
    # the agent's own clause after the report is still read
    assert rules(v("您反映快递没到，我这边做不了主。")) == {"authority_exposure"}


def test_a_sentence_mostly_copied_from_the_customer_is_theirs() -> None:
    turns = [Turn(role="customer", text="你们搬家公司一点责任心都没有，东西扔来扔去的。", round=1)]
    v = Validator(scorer=FakeScorer({"hostile": ["一点责任心都没有"]}))
    got = rules(v("是的，我们搬家公司一点责任心都没有，东西扔来扔去的。", turns))
    assert "hostile_tone" not in got and "parroting" in got


@pytest.mark.parametrize(
    ("agent_turn", "standing"),
    [("抱歉，已经给您补了30元。", 30.0), ("Sorry, we already credited you $15.", 15.0)],
)
def test_a_benefit_an_agent_turn_reports_as_done_is_in_the_round_state(agent_turn: str, standing: float) -> None:
    turns = [Turn(role="customer", text="?", round=1), Turn(role="agent", text=agent_turn, round=1)]
    state = round_state(turns)
    assert state.conceded_this_round and state.standing_amount == standing


def test_a_restating_word_belongs_to_the_sum_right_after_it() -> None:
    modes = [(o.amount, o.mode) for o in find_offers("核实过了，在之前30元的基础上再给您补40元。")]
    assert modes == [(40.0, "increment")]
    turns = [
        Turn(role="agent", text="抱歉，已经给您补了30元。", round=1),
        Turn(role="agent", text="您好，我给您回电。", round=2),
        Turn(role="customer", text="30块不够。", round=2),
    ]
    policy = Policy(max_compensation=Money(amount=50, currency="CNY"))
    assert rules(Validator(scorer=None)("在之前30元的基础上再给您补40元，一共70块。", turns, policy)) == {"over_authority"}


def test_giving_in_to_the_demand_is_one_concession_whatever_its_sentence_grants() -> None:
    scorer = FakeScorer({"capitulation": ["说多少"], "grant": ["说多少", "打到话费"]})
    v = Validator(scorer=scorer)
    assert rules(v("行，您说多少就补多少，我这边直接给您打到话费里。")) == set()
    turns = [Turn(role="agent", text="给您账户加了500积分。", round=1), Turn(role="customer", text="积分没用！", round=1)]
    assert rules(v("好好好，那您说多少吧。", turns)) == {"double_concession"}


def test_an_earlier_kind_without_a_sum_leaves_the_new_offer_to_the_grant_head() -> None:
    turns = [
        Turn(role="agent", text="I'll refund the locker rental for this month.", round=1),
        Turn(role="customer", text="That's not enough.", round=1),
    ]
    draft = "Totally fair. I'll refund next month's locker rental too."
    assert rules(Validator(scorer=FakeScorer({"grant": ["next month"]}))(draft, turns)) == {"double_concession"}
    assert rules(Validator(scorer=FakeScorer({}))(draft, turns)) == set()


def test_the_running_total_of_the_drafts_own_raise_is_not_another_concession() -> None:
    turns = [
        Turn(role="agent", text="I'll give you a $20 credit for the closure.", round=1),
        Turn(role="agent", text="Hi, it's Kim calling back.", round=2),
    ]
    draft = "Thanks for waiting. I've added another $15 on top of the $20, so that's $35 in total."
    v = Validator(scorer=FakeScorer({"grant": ["added another", "in total"]}))
    assert "double_concession" not in rules(v(draft, turns))


def test_a_benefit_named_in_the_sentence_that_gives_in_is_that_same_concession() -> None:
    draft = "Okay, whatever amount you think is right for the trouble, I'll put it through as a credit."
    v = Validator(scorer=FakeScorer({"capitulation": ["whatever amount"], "grant": ["whatever amount"]}))
    assert "double_concession" not in rules(v(draft))
