"""Retrieval over the bundled guidelines: the Retriever contract, bad input, conversations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import InvalidInput, NotFound
from coach.protocols import Retriever
from coach.types import Turn
from tests.fakes_knowledge import bundled_kb  # noqa: F401  (fixture)

MANAGER = ("找领导", "找領導", "领导来接电话", "領導來接電話", "叫領導", "叫领导")


def _about_managers(p) -> bool:
    from coach.text import to_simplified

    text = to_simplified(p.title + p.text)
    return any(to_simplified(m) in text for m in MANAGER)


def test_knowledge_base_is_a_retriever(bundled_kb) -> None:  # noqa: F811
    assert isinstance(bundled_kb, Retriever)
    assert isinstance(bundled_kb.passages, tuple) and bundled_kb.passages


@pytest.mark.parametrize(
    "query",
    [
        "客户一直嚷着叫你们领导来接电话",  # Simplified
        "客戶一直嚷著叫你們領導來接電話",  # Traditional
        "The customer keeps demanding to talk to a manager",  # English
    ],
)
def test_manager_requests_find_the_passages_on_finding_the_manager(bundled_kb, query: str) -> None:  # noqa: F811
    top = bundled_kb.search(query, 3)
    assert top and _about_managers(top[0])


def test_results_are_best_first_with_scores(bundled_kb) -> None:  # noqa: F811
    top = bundled_kb.search("补偿代金券让步", 10)
    assert 1 <= len(top) <= 10
    scores = [p.score for p in top]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert len({p.id for p in top}) == len(top)


def test_the_lexical_side_alone_ranks_too(bundled_kb) -> None:  # noqa: F811
    lexical = bundled_kb.lexical_only()
    assert not lexical.has_vectors
    assert _about_managers(lexical.search("叫你领导来接电话", 1)[0])
    assert _about_managers(lexical.search("customer wants the manager", 3)[0])


@pytest.mark.parametrize("query", ["xyzzy qwerty", "Zyzzogeton flibbertigibbet", "🙂🙃", "!!!???", "1234567"])
def test_a_query_of_unknown_terms_gets_no_passages(bundled_kb, query: str) -> None:  # noqa: F811
    assert bundled_kb.search(query, 5) == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "\u3000"])
def test_an_empty_query_is_invalid(bundled_kb, query: str) -> None:  # noqa: F811
    with pytest.raises(InvalidInput):
        bundled_kb.search(query)


@pytest.mark.parametrize("k", [0, -1, 51, 1000, True, 2.5, "5"])
def test_k_out_of_range_is_invalid(bundled_kb, k) -> None:  # noqa: F811
    with pytest.raises(InvalidInput):
        bundled_kb.search("领导", k)
    with pytest.raises(InvalidInput):
        bundled_kb.search_turns([Turn(role="customer", text="领导")], k)


def test_k_bounds_are_inclusive(bundled_kb) -> None:  # noqa: F811
    assert len(bundled_kb.search("客户", 1)) == 1
    assert 1 < len(bundled_kb.search("客户", 50)) <= 50


def test_get_returns_the_passage_or_raises_not_found(bundled_kb) -> None:  # noqa: F811
    first = bundled_kb.passages[0]
    assert bundled_kb.get(first.id) == first
    with pytest.raises(NotFound):
        bundled_kb.get("p-999-999")


def test_conversation_query_weights_the_newest_customer_turn(bundled_kb) -> None:  # noqa: F811
    turns = [
        Turn(role="customer", text="我的手机淋雨进水了，屏幕失灵，能免费保修吗？"),
        Turn(role="agent", text="您好，我来帮您看看。"),
        Turn(role="customer", text="别跟我废话，叫你们领导来接电话！"),
    ]
    top = bundled_kb.search_turns(turns, 3)
    assert _about_managers(top[0])
    reversed_order = [turns[2], turns[1], turns[0]]
    top2 = bundled_kb.search_turns(reversed_order, 3)
    assert "保修" in "".join(p.text for p in top2) or "进水" in "".join(p.text for p in top2)


def test_conversation_query_ignores_agent_turns_when_customers_spoke(bundled_kb) -> None:  # noqa: F811
    turns = [
        Turn(role="customer", text="你们银行四点就下班了？我还没办完业务！"),
        Turn(role="agent", text="我帮您找领导来接电话处理。"),
    ]
    top = bundled_kb.search_turns(turns, 3)
    assert any("银行" in p.text for p in top)


def test_conversation_of_agent_turns_only_still_searches(bundled_kb) -> None:  # noqa: F811
    assert bundled_kb.search_turns([Turn(role="agent", text="我们可以给您20元代金券作为补偿")], 3)


def test_empty_conversation_gets_no_passages(bundled_kb) -> None:  # noqa: F811
    assert bundled_kb.search_turns([], 3) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(str.strip), st.integers(min_value=1, max_value=50))
def test_any_query_returns_at_most_k_known_passages(bundled_kb, query: str, k: int) -> None:  # noqa: F811
    got = bundled_kb.lexical_only().search(query, k)
    ids = {p.id for p in bundled_kb.passages}
    assert len(got) <= k and all(p.id in ids and p.score > 0 for p in got)


def test_full_width_digits_and_letters_match_their_ascii_forms(bundled_kb) -> None:  # noqa: F811
    top = bundled_kb.lexical_only().search("客户不接受２０元代金券", 3)
    assert top and any("20元代金券" in p.text for p in top)
