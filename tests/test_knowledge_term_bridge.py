"""The term bridge: English words and Chinese query terms reach the corpus' own terms through an
encoder's space (here a fake encoder with hand-made vectors; the real one is e5)."""

from __future__ import annotations

import numpy as np

from coach.knowledge.bm25 import Bm25Index
from coach.knowledge.bridging import build_bridge, term_key
from coach.knowledge.term_bridge import EN_WEIGHT, ZH_WEIGHT, TermBridge, english_words, vocabulary
from coach.knowledge.tokenize import tokenize
from coach.knowledge.vector_cache import VectorCache

# Axes: refund, water damage, manager. Near-duplicates share an axis.
SPACE = {
    "退款": [1.0, 0.0, 0.0], "退钱": [0.95, 0.05, 0.0], "进水": [0.0, 1.0, 0.0], "领导": [0.0, 0.0, 1.0],
    "refund": [0.97, 0.03, 0.0], "wet": [0.05, 0.96, 0.0], "banana": [0.5, 0.5, 0.5],
}


def fake_embed(texts):
    calls.append(list(texts))
    return np.array([SPACE.get(t, [0.3, 0.3, 0.3]) for t in texts], dtype=np.float32)


calls: list[list[str]] = []


def bridge() -> TermBridge:
    terms = ["退款", "退钱", "进水", "领导"]
    return TermBridge(terms, fake_embed(terms), fake_embed)


def test_english_words_drop_function_words_and_short_words() -> None:
    assert english_words("Is the refund OK when my phone got WET?") == ["refund", "phone", "wet"]
    assert english_words("退款") == []


def test_vocabulary_keeps_han_terms_by_frequency() -> None:
    vocab = {"退款": 0, "a": 1, "进": 2, "领导": 3, "进水": 4}
    df = np.array([1, 9, 9, 5, 3])
    assert vocabulary(vocab, df) == ["领导", "进水", "退款"]
    assert vocabulary(vocab, df, limit=1) == ["领导"]


def test_an_english_word_reaches_the_nearest_corpus_term() -> None:
    b = bridge()
    out = b.expand({}, {}, "refund for a wet phone")
    assert out["退款"] == EN_WEIGHT and out["进水"] == EN_WEIGHT
    assert "领导" not in out  # not near any of the words


def test_a_word_near_nothing_adds_nothing() -> None:
    assert bridge().expand({}, {}, "banana") == {}


def test_chinese_terms_get_their_near_synonym_without_encoding() -> None:
    b = bridge()
    calls.clear()
    own = {"退钱": 1.0}
    out = b.expand(dict(own), own, "退钱")
    assert out == {"退钱": 1.0, "退款": ZH_WEIGHT}
    assert calls == []  # no encoder call on the request path for a Chinese query
    assert "进水" not in b.neighbours  # nothing near enough


def test_a_bridged_term_never_lowers_a_weight() -> None:
    own = {"退钱": 1.0, "退款": 1.0}
    assert bridge().expand(dict(own), own, "退钱 退款 refund") == own


def test_without_an_encoder_english_words_bridge_to_nothing() -> None:
    terms = ["退款", "进水"]
    b = TermBridge(terms, fake_embed(terms), None)
    assert b.expand({}, {}, "refund") == {}


def test_word_vectors_are_kept_between_queries() -> None:
    b = bridge()
    b.expand({}, {}, "refund please")
    calls.clear()
    b.expand({}, {}, "refund")
    assert calls == []


def test_term_vectors_are_cached_by_content(tmp_path, monkeypatch) -> None:
    import coach.knowledge.bridging as bridging

    monkeypatch.setattr(bridging, "embed_terms", fake_embed)
    bm25 = Bm25Index.build(tokenize(t) for t in ["退款 退钱", "进水 领导"])
    cache = VectorCache(tmp_path / "terms")
    calls.clear()
    first = build_bridge(bm25, cache)
    assert sorted(first.terms) == sorted(["退款", "退钱", "进水", "领导"]) and len(calls) == 1
    calls.clear()
    again = build_bridge(bm25, VectorCache(tmp_path / "terms"))  # a restart: all from the cache
    assert calls == [] and again.neighbours == first.neighbours
    assert set(VectorCache(tmp_path / "terms").table()) == {term_key(t) for t in first.terms}
