"""How the rules use the semantic tier, with a fake scorer (tests/fakes_rules.py), and the shipped
heads' own contract."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coach.rules import DEFAULT_VALIDATOR, Validator, read_draft
from coach.rules.clauses import split_clauses, split_units
from coach.rules.semantic.heads import HEADS, ClauseScorer, load_heads, shipped_heads
from coach.types import Money, Policy, Turn
from tests.fakes_rules import FakeScorer

FAKE = FakeScorer({
    "authority": ["卡得很死", "decided upstairs"],
    "grant": ["会员费", "refund to your card", "给您"],
    "invite": ["不够的话"],
    "hostile": ["自己看"],
    "refusal": ["继续这段对话", "assist with that"],
    "capitulation": ["您说多少"],
    "multi_grant": ["还送"],
})
SEMANTIC = Validator(scorer=FAKE)


def rules(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in result.violations}


def test_a_semantic_finding_reports_its_clause_in_the_drafts_language() -> None:
    draft = "我也想多给您一些，可惜公司给我的额度卡得很死。"
    (v,) = SEMANTIC(draft).violations
    assert v.rule == "authority_exposure"
    assert v.evidence == "可惜公司给我的额度卡得很死。" == draft[v.span[0]:v.span[1]]
    assert "做不了主" in v.message and v.hint  # the semantic family's own words, in Chinese
    (en,) = SEMANTIC("Honestly, refunds like this get decided upstairs, not by me.").violations
    assert en.rule == "authority_exposure" and "cannot" in en.message
    (hant,) = SEMANTIC("我也想多給您一些，可惜公司給我的額度卡得很死。").violations
    assert "換了說法" in hant.message  # Traditional draft, Traditional message


def test_the_lexical_tier_still_runs_beside_the_semantic_one() -> None:
    assert rules(Validator(scorer=FakeScorer({}))("很抱歉，这件事我真的无能为力了。")) == {"authority_exposure"}


def test_a_refusal_is_not_also_authority_exposure() -> None:
    scorer = FakeScorer({"refusal": ["assist with that"], "authority": ["assist with that"]})
    assert rules(Validator(scorer=scorer)("I'm sorry, but I can't assist with that.")) == {"refusal"}


def test_a_grant_after_a_concession_in_the_same_round_is_a_double_concession() -> None:
    turns = [
        Turn(role="agent", text="给您补一张20元优惠券。"),
        Turn(role="customer", text="20块？打发要饭的呢？"),
    ]
    result = SEMANTIC("那我再给您免一个月会员费，您看这样可以吗？", turns)
    assert rules(result) == {"double_concession"}
    # the first concession of a new round is allowed
    callback = [*turns, Turn(role="agent", text="我核实后明天回电。"), Turn(role="customer", text="怎么样了？", round=2)]
    assert rules(SEMANTIC("那我再给您免一个月会员费，您看这样可以吗？", callback)) == set()


def test_the_round_counts_as_conceded_when_the_grant_head_reads_an_earlier_agent_turn() -> None:
    turns = [Turn(role="agent", text="这个月的会员费我先帮您免掉。"), Turn(role="customer", text="就这？")]
    assert rules(SEMANTIC("Fine, I'll turn that into a refund to your card instead.", turns, locale="en")) == {"double_concession"}


def test_one_unit_with_two_benefits_is_two_concessions() -> None:
    draft = "这边帮您安排好了，运费也一起处理掉。"
    assert rules(Validator(scorer=FakeScorer({"grant": ["安排好了"]}))(draft)) == set()
    scorer = FakeScorer({"grant": ["安排好了"], "multi_grant": ["安排好了"]})
    assert rules(Validator(scorer=scorer)(draft)) == {"double_concession"}
    # the offer reader finds one offer where the head reads two: the second counts too
    scorer = FakeScorer({"grant": ["退您"], "multi_grant": ["还送"]})
    assert rules(Validator(scorer=scorer)("这单退您一半钱还送一张券。")) == {"double_concession"}


def test_an_invitation_to_ask_for_more_after_an_offer() -> None:
    draft = "给您一张10元券，不够的话您再跟我说。"
    assert rules(SEMANTIC(draft)) == {"double_concession"}
    assert rules(SEMANTIC("不够的话您再跟我说一声，我们先把问题查清楚。")) == set()


def test_capitulation_with_a_ceiling_is_over_authority() -> None:
    policy = Policy(max_compensation=Money(amount=80, currency="CNY"))
    assert "over_authority" in rules(SEMANTIC("行吧，您说多少就是多少。", policy=policy))
    assert "over_authority" not in rules(SEMANTIC("行吧，您说多少就是多少。"))


@pytest.mark.parametrize(
    ("draft", "cap", "expected"),
    [
        # the grant head reads the benefit in one clause, its sum stands beside it with no cue
        ("实在对不起，这台冰箱的货款我们全部退给您，一共2399元，明天到账。", Money(amount=80, currency="CNY"), {"over_authority"}),
        ("實在對不起，這台冰箱的貨款我們全部退給您，一共2399元，明天到帳。", Money(amount=80, currency="TWD"), {"over_authority"}),
        ("We're refunding the whole stay, $640, to your card today.", Money(amount=50, currency="USD"), {"over_authority"}),
        ("We're refunding the whole stay, $40, to your card today.", Money(amount=50, currency="USD"), set()),
        # the sum beside the benefit is the order's, the benefit names its own
        ("您的订单是2399元，为表歉意我们全部退给您50元。", Money(amount=80, currency="CNY"), set()),
        # two sums in the sentence: which one is the benefit's is not known, so nothing is guessed
        ("货款我们全部退给您，运费20元和安装费300元。", Money(amount=80, currency="CNY"), set()),
        # another currency is not compared
        ("We're refunding the whole stay, £640, to your card today.", Money(amount=50, currency="USD"), set()),
    ],
)
def test_a_granted_benefit_whose_sum_is_above_the_ceiling(draft: str, cap: Money, expected: set[str]) -> None:
    scorer = FakeScorer({"grant": ["全部退给您", "全部退給您", "refunding the whole stay"]})
    assert rules(Validator(scorer=scorer)(draft, policy=Policy(max_compensation=cap))) == expected


def test_a_benefit_and_its_bare_sum_beside_it_are_one_concession() -> None:
    scorer = FakeScorer({"grant": ["refunding the whole stay"]})
    assert rules(Validator(scorer=scorer)("We're refunding the whole stay, $640, to your card today.")) == set()
    # a clause that names a benefit of its own beside another is a second concession
    scorer = FakeScorer({"grant": ["waive the shipping fee"]})
    draft = "I'll waive the shipping fee, and refund $40 to your card today."
    assert rules(Validator(scorer=scorer)(draft)) == {"double_concession"}



def test_giving_in_told_in_two_clauses_is_one_concession() -> None:
    # the reader finds the giving in; a clause of its sentence the heads read as giving in too is
    # the same giving, whatever the grant head reads in it
    both = FakeScorer({"grant": ["您开个数", "we'll pay it"], "capitulation": ["您开个数", "we'll pay it"]})
    assert rules(Validator(scorer=both)("赔偿的事您开个数，您说多少就多少。")) == set()
    assert rules(Validator(scorer=both)("I'm so sorry. Name your price and we'll pay it.")) == set()
    # a clause that gives something else beside the giving in stays a second concession
    fee = FakeScorer({"grant": ["医药费"], "capitulation": ["花多少"]})
    assert rules(Validator(scorer=fee)("狗狗看病的医药费也由我们承担，您说多少就多少。")) == {"double_concession"}


def test_a_benefit_named_in_a_sentence_that_says_it_cannot_be_given_is_not_given() -> None:
    scorer = FakeScorer({"authority": ["没有发放补偿的权限"]})
    draft = "多扣的38元话费已经为您提交了退回申请。至于额外的补偿，说实话我这边没有发放补偿的权限，系统里也没有这个选项。"
    assert rules(Validator(scorer=scorer)(draft)) == {"authority_exposure"}


def test_a_sentence_read_as_one_benefit_counts_its_parts_once() -> None:
    draft = "Sorry about that! I've refunded the garlic bread, £4.49, back to your card."
    parts = FakeScorer({"grant": ["refunded the garlic bread", "back to your card"]})
    assert rules(Validator(scorer=parts)(draft)) == set()  # multi_grant reads one benefit
    two = FakeScorer({"grant": ["refunded the garlic bread", "back to your card"], "multi_grant": ["garlic bread, £4.49"]})
    assert rules(Validator(scorer=two)(draft)) == {"double_concession"}
    # two offers the lexical reader names apart stand, whatever the head reads
    assert rules(Validator(scorer=FakeScorer({}))("给您免运费，再补您10元红包。")) == {"double_concession"}
    # and so does a sum the reader read as more on top of the first
    assert rules(Validator(scorer=FakeScorer({}))("先补您5元，要是还不满意我再帮您争取15元。")) == {"double_concession"}


def test_a_sentence_read_as_two_benefits_needs_a_second_clause_to_stand_on() -> None:
    # the sentence reads as two benefits, but its only other clause says nothing given: one concession
    scorer = FakeScorer({"grant": ["代金券"], "multi_grant": ["继续跟进"]})
    draft = "为您送上一张20元代金券，话费的问题我也会继续跟进。"
    assert rules(Validator(scorer=scorer)(draft)) == set()
    # its other clause reads as a benefit too (a sentence marker reaches both): two concessions
    scorer = FakeScorer({"grant": ["代金券", "一起免掉"], "multi_grant": ["一起免掉"]})
    draft = "为您送上一张20元代金券，这个月的管理费也一起免掉。"
    assert rules(Validator(scorer=scorer)(draft)) == {"double_concession"}


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        # a repair owed under warranty, beside a goodwill voucher: one concession
        ("很抱歉。您的冰箱还在保修期内，我们会安排师傅免费上门维修。另外送您一张50元的优惠券。", set()),
        ("您的洗衣機還在保固期內，我們會安排師傅到府免費維修。另外送您一張100元的折價券。", set()),
        ("The dryer is under warranty, so a technician will repair it at no charge. I've also put a $15 credit on your account.", set()),
        # the same repair with no warranty is given: two concessions
        ("我们会安排师傅免费上门维修，另外送您一张50元的优惠券。", {"double_concession"}),
        # an extended warranty is a benefit given, not a warranty owed
        ("這次的維修費用全免，另外再送您一年的延長保固。", {"double_concession"}),
    ],
)
def test_what_is_owed_under_warranty_is_not_given(draft: str, expected: set[str]) -> None:
    # the fake reads the normalised (Simplified, lower-case) units
    # (a sentence giving two benefits is one the multi_grant head reads so: the fake marks it)
    scorer = FakeScorer({"grant": ["免费上门维修", "免费维修", "repair it at no charge", "优惠券", "折价券", "credit",
                                   "维修费用全免", "延长保固"], "multi_grant": ["全免，另外再送"]})
    assert rules(Validator(scorer=scorer)(draft)) == expected


def test_the_customers_words_handed_back_are_parroting_only() -> None:
    turns = [Turn(role="customer", text="叫你们领导过来，我不跟你说，你自己看着办！")]
    result = SEMANTIC("好的，马上把你们领导叫过来，我不跟你说，你自己看着办。", turns)
    assert rules(result) == {"parroting"}


def test_a_semantic_scorer_is_asked_once_per_draft_with_every_unit() -> None:
    scorer = FakeScorer({})
    turns = [Turn(role="agent", text="给您补一张20元优惠券，已经发到账户。"), Turn(role="customer", text="不行")]
    Validator(scorer=scorer)("好的，我再核实一下，稍后回复您。", turns)
    assert len(scorer.calls) == 1
    assert "好的，我再核实一下，稍后回复您。" in scorer.calls[0]  # the draft's units
    assert any("优惠券" in t for t in scorer.calls[0])  # the round's agent turns are read too


def test_many_equals_one_by_one() -> None:
    drafts = ["我也想多给您一些，可惜额度卡得很死。", "好的，我马上处理。", "给您一张10元券，不够的话您再跟我说。", ""]
    requests = [(d, (), Policy(), None) for d in drafts]
    assert SEMANTIC.many(requests) == [SEMANTIC(d) for d in drafts]


@pytest.mark.parametrize(("text", "clauses"), [
    ("我也想多给您一些，可惜公司给我的额度卡得很死。", ["我也想多给您一些，", "可惜公司给我的额度卡得很死。"]),
    ("好的，马上处理。", ["好的，马上处理。"]),  # a piece too short alone is joined to the next
    ("给您1,000元，总共2.5元。", ["给您1,000元，总共2.5元。"]),
    ("fine, i'll do it. thanks", ["fine, i'll do it.", "thanks"]),
    ("，。！", []),
    ("", []),
])
def test_clauses(text: str, clauses: list[str]) -> None:
    assert [c.text for c in split_clauses(text)] == clauses


def test_units_add_sentences_of_several_clauses_and_spans_are_exact() -> None:
    text = "非常抱歉给您添麻烦了。我们会退还两周的课程费用，并且额外赠送一整期的复习课程。"
    units = split_units(text)
    assert [u.text for u in units][-1] == "我们会退还两周的课程费用，并且额外赠送一整期的复习课程。"
    for u in units:
        assert text[u.start:u.end] == u.text


@pytest.mark.parametrize(("text", "tails"), [
    ("很抱歉，复水费用我们不收。", ["复水费用我们不收。"]),  # read alone too, as its own unit
    ("Sorry, I'll refund the delivery fee right away.", ["I'll refund the delivery fee right away."]),
    ("好的，马上处理。", []),  # what follows is too short to mean anything alone
    ("非常抱歉给您添麻烦了，我们会退还课程费用。", []),  # nothing short was joined
])
def test_what_follows_a_short_piece_is_read_alone_too(text: str, tails: list[str]) -> None:
    units = split_units(text)
    assert [u.text for u in units if u.tail] == tails
    for u in units:
        assert text[u.start:u.end] == u.text


class OpeningScorer(FakeScorer):
    """Fires on units that open with a marker: the joined clause ("很抱歉，…") reads nothing."""

    def score(self, texts):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), len(HEADS)), dtype=np.float32)
        for i, text in enumerate(texts):
            for h, head in enumerate(HEADS):
                out[i, h] = 0.9 if any(text.startswith(m) for m in self.markers.get(head, ())) else 0.0
        return out


def test_a_tail_counts_for_a_grant_but_not_for_tone() -> None:
    grant = OpeningScorer({"grant": ["复水费用我们不收"]})
    turns = [Turn(role="customer", text="帐单寄错害我断水"), Turn(role="agent", text="很抱歉，复水费用我们不收。"),
             Turn(role="customer", text="我一整天没水！")]
    assert read_draft("那下一期的基本费也帮您减免。", turns, scorer=grant).round_granted
    tone = OpeningScorer({"hostile": ["账单你自己看"]})
    assert rules(Validator(scorer=tone)("不好意思，账单你自己看一下就知道了。")) == set()
    assert rules(Validator(scorer=tone)("账单你自己看一下就知道了。")) == {"hostile_tone"}


def test_invisible_characters_do_not_hide_a_phrase_from_either_tier() -> None:
    draft = "很抱歉，这件事我真的无\u200b能\u200d为力了。"
    (v,) = Validator(scorer=None)(draft).violations
    assert v.rule == "authority_exposure" and v.evidence.replace("\u200b", "").replace("\u200d", "") == "无能为力"
    ctx = read_draft(draft)
    assert "无能为力" in ctx.norm.text


# ---- the shipped heads ----

def test_shipped_heads_cover_every_head_with_a_calibrated_threshold() -> None:
    heads = shipped_heads()
    assert heads.names == HEADS
    assert heads.vectors.shape[0] == heads.coef.shape[0] and heads.coef.shape[1] == len(HEADS)
    report = heads.meta["report"]
    for name in HEADS:
        assert 0.5 <= report[name]["threshold"] < 1.0
        assert report[name]["validation_precision"] >= 0.9, name


def test_heads_round_trip_through_their_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    heads = shipped_heads()
    small = dataclasses.replace(heads, vectors=heads.vectors[:50], coef=heads.coef[:50])
    small.save(tmp_path / "h")
    again = load_heads(tmp_path / "h")
    x = np.random.default_rng(0).normal(size=(4, heads.vectors.shape[1])).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert np.allclose(small.probabilities(x), again.probabilities(x), atol=1e-3)
    assert again.names == heads.names and np.allclose(again.thresholds, heads.thresholds, atol=1e-4)


def test_the_scorer_remembers_what_it_scored() -> None:
    scorer = ClauseScorer(heads=shipped_heads(), encoder=DEFAULT_VALIDATOR.scorer.encoder)  # type: ignore[union-attr]
    a = scorer.score(["我马上帮您查一下。", "这已经是我能给的极限了。"])
    b = scorer.score(["这已经是我能给的极限了。"])
    assert np.allclose(a[1], b[0])


CEILING_80 = Policy(max_compensation=Money(amount=80, currency="CNY"))


@pytest.mark.parametrize(("draft", "policy", "expected"), [
    ("", Policy(), set()),
    ("这件事我无\u200b能\u200c为力。", Policy(), {"authority_exposure"}),  # zero-width inside the phrase
    ("这件事我无\u0301能为力。", Policy(), {"authority_exposure"}),  # a combining mark inside it
    ("ｍｙ ｈａｎｄｓ ａｒｅ ｔｉｅｄ here, sorry.", Policy(), {"authority_exposure"}),  # full-width letters
    ("<p>这件事我无能为力。</p>", Policy(), {"authority_exposure", "markup"}),
    ("这件事我无能为力😭🙏", Policy(), {"authority_exposure"}),
    ("我们给您补偿九十块现金。", CEILING_80, {"over_authority"}),  # Chinese numerals
    ("我们给您补偿¥90.00。", CEILING_80, {"over_authority"}),
    ("我们给您补偿八十块现金。", CEILING_80, set()),  # at the ceiling, not above it
    ("您好" * 2000, Policy(), set()),  # 4,000 characters
    ("Sorry 这件事我无能为力 really.", Policy(), {"authority_exposure"}),  # mixed scripts
])
def test_bad_and_evasive_input_gets_a_clear_answer(draft: str, policy: Policy, expected: set[str]) -> None:
    result = DEFAULT_VALIDATOR(draft, (), policy)
    assert {v.rule for v in result.violations} == expected
    for v in result.violations:
        assert v.evidence == draft[v.span[0]:v.span[1]] and v.message and v.hint


@pytest.mark.parametrize(
    ("draft", "cap", "expected"),
    [
        # a benefit granted without a figure; the next sentence, about that benefit, tells its sum
        ("洗坏的外套我们照价赔给您。麻烦发一下小票，360元三天内打到您的账户。", Money(amount=80, currency="CNY"), {"over_authority"}),
        ("摔壞的花瓶我們照價賠償。請提供購買憑證，450元會在五個工作天內匯入您的帳戶。", Money(amount=80, currency="TWD"), {"over_authority"}),
        ("We'll make good the damaged rug. Once you send the receipt, the $240 will be credited to your card.",
         Money(amount=50, currency="USD"), {"over_authority"}),
        ("We'll make good the damaged rug. Once you send the receipt, the $40 will be credited to your card.",
         Money(amount=50, currency="USD"), set()),
        # the next sentence is not about the benefit, or names two sums: nothing is guessed
        ("洗坏的外套我们照价赔给您。您这单一共360元，下周发货。", Money(amount=80, currency="CNY"), set()),
        ("洗坏的外套我们照价赔给您。360元和120元两笔三天内打到您的账户。", Money(amount=80, currency="CNY"), set()),
    ],
)
def test_a_benefits_sum_told_in_the_next_sentence(draft: str, cap: Money, expected: set[str]) -> None:
    scorer = FakeScorer({"grant": ["照价赔", "make good"], "benefit": ["打到您的账户", "汇入您的帐户", "credited to your card"]})
    assert rules(Validator(scorer=scorer)(draft, policy=Policy(max_compensation=cap))) == expected


EARLIER = {
    "en": [Turn(role="customer", text="Your hotel gave our room away!", round=1),
           Turn(role="agent", text="I'm so sorry. I've put a €100 goodwill credit on your account.", round=1),
           Turn(role="customer", text="And the taxi? The other hotel cost more!", round=1)],
    "zh-Hant": [Turn(role="customer", text="師傅又放我飛機！", round=1),
                Turn(role="agent", text="真係唔好意思，已經回贈咗$200俾你。", round=1),
                Turn(role="customer", text="兩次請假，$200點夠？", round=1)],
}


@pytest.mark.parametrize(
    ("turns", "draft", "cap", "expected"),
    [
        # more on top of what the round already gave: the new total passes the cap
        ("en", "You're right. We'll also cover the taxis and the room difference, another €70.",
         Money(amount=150, currency="EUR"), {"double_concession", "over_authority"}),
        ("zh-Hant", "明白，我再退多$250去你張卡。", Money(amount=400, currency="HKD"),
         {"double_concession", "over_authority"}),
        # the same sums alone, with nothing given before: under the cap
        (None, "We'll also cover the taxis and the room difference, another €70.", Money(amount=150, currency="EUR"), set()),
        # the sum named is the new total, not more on top
        ("en", "We'll also cover the taxis, which brings it to €140 in total.", Money(amount=150, currency="EUR"),
         {"double_concession"}),
        # the sum is in another clause, a ceiling said, and the granting clause adds nothing on top
        ("zh-Hant", "我每單最多只可以賠$400，已經幫你申請咗最高嗰個。", Money(amount=400, currency="HKD"), set()),
    ],
)
def test_a_granted_sum_on_top_of_the_round_counts_with_it(turns: str | None, draft: str, cap: Money,
                                                             expected: set[str]) -> None:
    scorer = FakeScorer({"grant": ["also cover the taxis", "再退多", "申請咗最高"]})
    result = Validator(scorer=scorer)(draft, EARLIER[turns] if turns else (), Policy(max_compensation=cap))
    assert rules(result) - {"authority_exposure"} == expected
