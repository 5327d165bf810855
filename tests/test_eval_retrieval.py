"""The eval's memoised retriever: same answers, computed once per distinct question."""

from __future__ import annotations

from collections.abc import Sequence

from coach.evaluation.retrieval import MemoRetriever, eval_retriever
from coach.types import Passage, Turn

P = Passage(id="p1", source="s", title="t", text="x")


class CountingRetriever:
    def __init__(self) -> None:
        self.calls = 0
        self.lexical = False

    def search(self, query: str, k: int = 5) -> list[Passage]:
        self.calls += 1
        return [P]

    def search_turns(self, turns: Sequence[Turn], k: int = 5) -> list[Passage]:
        self.calls += 1
        return [P.model_copy(update={"text": turns[-1].text})]

    def lexical_only(self) -> "CountingRetriever":
        other = CountingRetriever()
        other.lexical = True
        return other


def test_memo_answers_repeated_questions_once() -> None:
    inner = CountingRetriever()
    memo = MemoRetriever(inner, size=2)
    a = (Turn(role="customer", text="甲"),)
    b = (Turn(role="customer", text="乙"),)
    assert memo.search_turns(a)[0].text == "甲"
    assert memo.search_turns(a)[0].text == "甲" and inner.calls == 1
    assert memo.search_turns(a, k=3)[0].text == "甲" and inner.calls == 2  # k is part of the key
    memo.search_turns(b)
    memo.search_turns((Turn(role="customer", text="甲", round=2),))  # the round too; evicts the oldest
    assert inner.calls == 4
    memo.search("q")
    memo.search("q")
    assert inner.calls == 5 and memo.hits == 2


def test_lexical_mode_drops_the_dense_half() -> None:
    inner = CountingRetriever()
    assert eval_retriever(inner, "lexical").lexical is True  # type: ignore[attr-defined]
    assert eval_retriever(inner, "auto").lexical is False  # type: ignore[attr-defined]
