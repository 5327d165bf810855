"""The passage vector cache: keyed by content and model, so a restart or an added document embeds
only what changed; damaged or unwritable caches cost only the embedding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import coach.knowledge.loader as loader
from coach.knowledge import load_knowledge_base
from coach.knowledge.vector_cache import VectorCache
from coach.knowledge.vectors import text_key
from tests.fakes_knowledge import fake_embed_passages, fake_vector, settings_for

DOC_A = "退款规则\n\n客户要求退款时，先核实订单状态，再说明处理时限，并给出可以选择的替代方案。" * 3
DOC_B = "升级规则\n\n客户坚持找主管时，先确认问题，再说明我可以直接处理，必要时登记后由主管回电。" * 3
DOC_C = "物流规则\n\n包裹延误时，先查询物流轨迹，再告诉客户预计送达时间，并主动提出补偿方案。" * 3


class Embedder:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, passages):
        self.embedded.extend(p.text for p in passages)
        return fake_embed_passages(passages)


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> Embedder:
    e = Embedder()
    monkeypatch.setattr(loader, "embed_passages", e)
    monkeypatch.setattr("coach.knowledge.vectors.default_encoder", fake_vector)
    return e


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    g = tmp_path / "g"
    g.mkdir()
    (g / "a.md").write_text(DOC_A, encoding="utf-8")
    (g / "b.txt").write_text(DOC_B, encoding="utf-8")
    return g


def test_a_restart_embeds_nothing(folder: Path, tmp_path: Path, embedder: Embedder) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    first = load_knowledge_base(settings)
    n = len(embedder.embedded)
    assert first.has_vectors and n == len(first.passages)
    second = load_knowledge_base(settings)
    assert len(embedder.embedded) == n
    assert np.array_equal(first.dense.matrix, second.dense.matrix)  # a restart ranks exactly as before


def test_an_added_document_embeds_only_its_passages(folder: Path, tmp_path: Path, embedder: Embedder) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    before = load_knowledge_base(settings)
    embedder.embedded.clear()
    (folder / "c.md").write_text(DOC_C, encoding="utf-8")
    after = load_knowledge_base(settings)
    assert after.has_vectors and len(after.passages) > len(before.passages)
    assert embedder.embedded and all("物流" in t or "包裹" in t for t in embedder.embedded)


def test_vectors_are_keyed_by_content_and_model() -> None:
    assert text_key("退款") == text_key("退款")
    assert text_key("退款") != text_key("退款。")
    import coach.knowledge.vectors as vectors

    key = text_key("退款")
    old, vectors.MODEL = vectors.MODEL, "another-model"
    try:
        assert text_key("退款") != key
    finally:
        vectors.MODEL = old


def test_the_cache_is_per_model(tmp_path: Path) -> None:
    assert VectorCache.under(tmp_path, "m1").folder != VectorCache.under(tmp_path, "m2").folder


def test_shards_survive_a_new_instance_and_compact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import coach.knowledge.vector_cache as vc

    monkeypatch.setattr(vc, "COMPACT_AT", 2)
    cache = VectorCache(tmp_path / "v")
    for i in range(4):
        cache.add({f"k{i}": np.full(4, i, dtype=np.float32)})
    assert len(list((tmp_path / "v").glob("*.npz"))) == 4
    cache.compact()
    assert len(list((tmp_path / "v").glob("*.npz"))) == 1
    again = VectorCache(tmp_path / "v")
    assert sorted(again.table()) == ["k0", "k1", "k2", "k3"] and float(again.table()["k3"][0]) == 3.0


def test_a_damaged_shard_costs_only_its_vectors(folder: Path, tmp_path: Path, embedder: Embedder) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    load_knowledge_base(settings)
    for shard in (tmp_path / "cache" / "vectors").rglob("*.npz"):
        shard.write_bytes(b"not a zip")
    embedder.embedded.clear()
    kb = load_knowledge_base(settings)
    assert kb.has_vectors and len(embedder.embedded) == len(kb.passages)


def test_an_unwritable_vector_cache_still_gives_vectors(folder: Path, tmp_path: Path, embedder: Embedder) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x", encoding="utf-8")
    kb = load_knowledge_base(settings_for(folder, blocker))
    assert kb.has_vectors and kb.search("主管", 1)


def test_lexical_mode_embeds_nothing(folder: Path, tmp_path: Path, embedder: Embedder) -> None:
    from coach.config import Settings

    settings = Settings(COACH_CACHE_DIR=str(tmp_path / "c"), COACH_GUIDELINES_DIR=str(folder), COACH_RETRIEVAL="lexical")
    kb = load_knowledge_base(settings)
    assert not kb.has_vectors and not embedder.embedded
