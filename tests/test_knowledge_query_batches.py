"""Query vectors encoded in batches ahead of a batch run (coach eval run), never twice."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from coach.knowledge.vectors import QueryEncoder
from coach.types import Turn
from tests.fakes_knowledge import fake_vector


class SlowBatches:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.gate = threading.Event()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.gate.wait(5)
        return np.stack([fake_vector(t) for t in texts])


def test_prepare_encodes_new_texts_in_batches_once() -> None:
    embed = SlowBatches()
    embed.gate.set()
    enc = QueryEncoder(embed=embed)
    texts = [f"第{i}句" for i in range(70)]
    assert enc.prepare(texts + texts[:5], batch=32) == 70
    assert [len(c) for c in embed.calls] == [32, 32, 6]
    assert np.allclose(enc(texts[40]), fake_vector(texts[40])) and len(embed.calls) == 3
    assert enc.prepare(texts) == 0  # all known: nothing encoded


def test_a_search_waits_for_the_batch_holding_its_text() -> None:
    embed = SlowBatches()
    enc = QueryEncoder(embed=embed)
    thread = enc.prepare_in_background(["甲", "乙"], batch=2)
    got: list[np.ndarray] = []
    asker = threading.Thread(target=lambda: got.append(enc("乙")))
    asker.start()
    embed.gate.set()
    asker.join(5)
    thread.join(5)
    assert embed.calls == [["甲", "乙"]]  # "乙" was not encoded a second time
    assert np.allclose(got[0], fake_vector("乙"))


def test_the_knowledge_base_prepares_each_conversations_query_texts(bundled_kb) -> None:  # noqa: F811
    from coach.knowledge import KnowledgeBase
    from coach.knowledge.vectors import DenseIndex

    embed = SlowBatches()
    embed.gate.set()
    enc = QueryEncoder(embed=embed)
    kb = KnowledgeBase(bundled_kb.columns, bundled_kb.bm25, bundled_kb.glossary,
                       DenseIndex(np.stack([fake_vector(p.text) for p in bundled_kb.passages]), enc))
    conversations = [[Turn(role="customer", text=f"我要退款{i}"), Turn(role="agent", text="好的")] for i in range(3)]
    kb.prepare_turns(conversations)
    for thread in threading.enumerate():
        if thread.name == "coach-query-batches":
            thread.join(5)
    assert embed.calls == [["我要退款0", "我要退款1", "我要退款2"]]
    kb.search_turns(conversations[1], 3)
    assert len(embed.calls) == 1


from tests.fakes_knowledge import bundled_kb  # noqa: E402,F401  (fixture)
