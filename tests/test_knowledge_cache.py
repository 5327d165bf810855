"""The on-disk index cache: keyed by corpus content and code, reused on restart, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

import coach.knowledge.loader as loader
from coach.knowledge import load_knowledge_base
from coach.knowledge.corpus import folder_documents
from tests.fakes_knowledge import CountingEncoder, fake_embed_passages, fake_vector, settings_for

DOC_A = "退款规则\n\n客户要求退款时，先核实订单状态，再说明处理时限，并给出可以选择的替代方案。" * 3
DOC_B = "升级规则\n\n客户坚持找主管时，先确认问题，再说明我可以直接处理，必要时登记后由主管回电。" * 3


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(loader, "embed_passages", _counting_embed)
    monkeypatch.setattr("coach.knowledge.vectors.default_encoder", fake_vector)
    _counting_embed.calls = 0
    g = tmp_path / "g"
    g.mkdir()
    (g / "a.md").write_text(DOC_A, encoding="utf-8")
    (g / "b.txt").write_text(DOC_B, encoding="utf-8")
    return g


def _counting_embed(passages):
    _counting_embed.calls += 1
    return fake_embed_passages(passages)


_counting_embed.calls = 0


def test_a_restart_loads_the_cached_index_without_rebuilding(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    first = load_knowledge_base(settings)
    assert _counting_embed.calls == 1

    def no_build(*a, **kw):
        raise AssertionError("rebuilt although the cache holds this corpus")

    monkeypatch.setattr(loader, "build_knowledge_base", no_build)
    second = load_knowledge_base(settings)
    assert second.passages == first.passages
    assert second.has_vectors and _counting_embed.calls == 1  # the vectors came from the cache
    assert [p.id for p in second.search("退款", 3)] == [p.id for p in first.search("退款", 3)]


def test_a_changed_document_changes_the_key(folder: Path, tmp_path: Path) -> None:
    before = loader.corpus_key(folder_documents(folder))
    (folder / "a.md").write_text(DOC_A + "\n新增一条：退款三个工作日内到账。", encoding="utf-8")
    after = loader.corpus_key(folder_documents(folder))
    assert before != after
    kb = load_knowledge_base(settings_for(folder, tmp_path / "cache"))
    assert any("三个工作日" in p.text for p in kb.passages)


def test_the_key_depends_on_the_code(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = folder_documents(folder)
    before = loader.corpus_key(docs)
    assert before == loader.corpus_key(docs)
    monkeypatch.setattr(loader, "INDEX_FORMAT", "changed")
    assert loader.corpus_key(docs) != before


def test_a_damaged_cache_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    load_knowledge_base(settings)
    (entry,) = (tmp_path / "cache" / "knowledge").iterdir()
    (entry / "passages.json").write_text("{not json", encoding="utf-8")
    kb = load_knowledge_base(settings)
    assert kb.search("退款", 1)


def test_an_unwritable_cache_only_costs_a_rebuild(folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x", encoding="utf-8")
    kb = load_knowledge_base(settings_for(folder, blocker))
    assert kb.search("主管", 1)


def test_an_embedding_failure_degrades_to_lexical(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(passages):
        raise RuntimeError("no model")

    monkeypatch.setattr(loader, "embed_passages", broken)
    kb = load_knowledge_base(settings_for(folder, tmp_path / "cache"))
    assert not kb.has_vectors and kb.search("退款", 1)


def test_query_vectors_of_repeated_turns_are_not_recomputed(folder: Path, tmp_path: Path) -> None:
    from coach.knowledge import KnowledgeBase
    from coach.knowledge.vectors import DenseIndex
    from coach.types import Turn

    kb = load_knowledge_base(settings_for(folder, tmp_path / "cache"))
    enc = CountingEncoder()
    kb = KnowledgeBase(kb.passages, kb.bm25, kb.glossary, DenseIndex(kb.dense.matrix, enc))
    turns = [Turn(role="customer", text="我要退款"), Turn(role="customer", text="叫你们主管来")]
    kb.search_turns(turns, 2)
    assert enc.calls == ["我要退款", "叫你们主管来"]
    kb.search("xyzzy", 2)  # no known term: nothing is encoded
    assert len(enc.calls) == 2
