"""Query vectors encoded in batches: ahead of a batch run (coach eval run), and across requests that
arrive together; never twice."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

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
    done = enc.prepare_in_background(["甲", "乙"], batch=2)
    got: list[np.ndarray] = []
    asker = threading.Thread(target=lambda: got.append(enc("乙")))
    asker.start()
    embed.gate.set()
    asker.join(5)
    done.result(5)
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
    kb.prepare_turns(conversations).result(5)
    assert embed.calls == [["我要退款0", "我要退款1", "我要退款2"]]
    kb.search_turns(conversations[1], 3)
    assert len(embed.calls) == 1



def test_requests_that_arrive_together_are_encoded_in_one_call() -> None:
    embed = SlowBatches()
    enc = QueryEncoder(embed=embed, max_batch=4, parallel=1)
    got: dict[str, np.ndarray] = {}
    first = threading.Thread(target=lambda: got.update(一=enc("第一句")))
    first.start()  # encodes alone (nobody else is encoding) and blocks on the gate
    while not embed.calls:
        threading.Event().wait(0.001)
    texts = [f"第{i}个请求" for i in range(6)]
    later = [threading.Thread(target=lambda t=t: got.update({t: enc(t)})) for t in texts]
    for t in later:
        t.start()  # they queue while the first is encoded
    while sum(len(j[0]) for j in list(enc._jobs)) < 6:
        threading.Event().wait(0.001)
    embed.gate.set()
    for t in [first, *later]:
        t.join(5)
    assert [len(c) for c in embed.calls] == [1, 4, 2]
    assert all(np.allclose(got[t], fake_vector(t)) for t in texts)


def test_fixed_batches_do_not_depend_on_what_was_encoded_before() -> None:
    embed = SlowBatches()
    embed.gate.set()
    enc = QueryEncoder(embed=embed)
    enc("乙")  # known beforehand, alone
    enc.prepare(["甲", "乙", "丙", "丁"], batch=2)
    assert embed.calls == [["乙"], ["甲", "乙"], ["丙", "丁"]]  # the same batches as from scratch


def test_a_failed_encoding_reaches_every_waiter_and_the_next_request_tries_again() -> None:
    calls: list[list[str]] = []

    def flaky(texts):  # noqa: ANN001, ANN202
        calls.append(list(texts))
        if len(calls) == 1:
            raise RuntimeError("encoder down")
        return np.stack([fake_vector(t) for t in texts])

    enc = QueryEncoder(embed=flaky)
    with pytest.raises(RuntimeError, match="encoder down"):
        enc.submit(["甲"]).result(5)
    assert np.allclose(enc("甲"), fake_vector("甲"))


def test_a_conversations_texts_are_encoded_in_one_call(bundled_kb) -> None:  # noqa: F811
    from coach.knowledge import KnowledgeBase
    from coach.knowledge.vectors import DenseIndex

    embed = SlowBatches()
    embed.gate.set()
    enc = QueryEncoder(embed=embed)
    kb = KnowledgeBase(bundled_kb.columns, bundled_kb.bm25, bundled_kb.glossary,
                       DenseIndex(np.stack([fake_vector(p.text) for p in bundled_kb.passages]), enc))
    turns = [Turn(role="customer", text="我要找你们领导"), Turn(role="agent", text="好的"),
             Turn(role="customer", text="现在就要")]
    kb.search_turns(turns, 3)
    assert embed.calls == [["我要找你们领导", "现在就要"]]
    kb.search_turns(turns, 3)
    assert len(embed.calls) == 1


from tests.fakes_knowledge import bundled_kb  # noqa: E402,F401  (fixture)
