"""Embedding in the background: the knowledge base answers with BM25 + glossary at once, the
vectors are swapped in when done, /readyz and the logs say so, and an interrupted embedding keeps
the batches it finished."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import coach.knowledge.loader as loader
from coach.knowledge import load_knowledge_base
from tests.fakes_knowledge import fake_embed_passages, fake_vector, settings_for

TOPICS = ["退款", "主管", "物流", "发票", "会员", "优惠券", "换货", "投诉"]


class GatedEmbedder:
    """fake_embed_passages, holding every batch until `gate` is set; records the batches."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.batches: list[int] = []
        self.after_batch = lambda: None

    def __call__(self, passages):
        assert self.gate.wait(30), "the test never opened the gate"
        self.batches.append(len(passages))
        self.after_batch()
        return fake_embed_passages(passages)


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> GatedEmbedder:
    e = GatedEmbedder()
    monkeypatch.setattr(loader, "embed_passages", e)
    monkeypatch.setattr("coach.knowledge.vectors.default_encoder", fake_vector)
    return e


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Eight documents of several sections each: more passages than one batch."""
    g = tmp_path / "g"
    g.mkdir()
    for i, topic in enumerate(TOPICS):
        sections = "\n\n".join(
            f"## {topic}规则{j}\n\n客户提到{topic}问题时，第{j}步先核实订单状态，再说明{topic}的处理时限与可选方案，最后确认客户是否满意。"
            for j in range(4)
        )
        (g / f"d{i}.md").write_text(f"# {topic}\n\n{sections}\n", encoding="utf-8")
    return g


def _wait(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_usable_at_once_and_the_vectors_come_in_later(folder: Path, tmp_path: Path, embedder: GatedEmbedder,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="coach.knowledge"):
        kb = load_knowledge_base(settings_for(folder, tmp_path / "cache"), vectors="background")
        n = len(kb.passages)
        assert n > 16
        assert not kb.has_vectors and kb.vector_status == f"embedding (0 of {n})"
        assert kb.search("物流", 1)[0].source == "d2.md"  # lexical ranking meanwhile
        embedder.gate.set()
        assert kb.wait_for_vectors(30)
    assert kb.vector_status == "ready" and kb.dense.matrix.shape[0] == n
    assert len(embedder.batches) > 1 and sum(embedder.batches) == n
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"embedding {n} of {n} guideline passages") for m in said)
    assert any("guideline vectors ready" in m and "passages/s" in m for m in said)


def test_an_interrupted_embedding_keeps_its_finished_batches(folder: Path, tmp_path: Path,
                                                             embedder: GatedEmbedder) -> None:
    settings = settings_for(folder, tmp_path / "cache")
    kb = load_knowledge_base(settings, vectors="background")
    n = len(kb.passages)
    embedder.after_batch = kb.embedding.cancel  # stopped after its first batch (a shutdown, say)
    embedder.gate.set()
    kb.embedding.wait(30)
    embedder.after_batch = lambda: None
    done = sum(embedder.batches)
    assert done < n and kb.vector_status == "off" and not kb.has_vectors
    embedder.batches.clear()
    again = load_knowledge_base(settings)  # a restart: only the rest is embedded
    assert again.has_vectors and sum(embedder.batches) == n - done


def test_a_failed_background_embedding_leaves_lexical_search(folder: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(passages):
        raise RuntimeError("no model")

    monkeypatch.setattr(loader, "embed_passages", broken)
    kb = load_knowledge_base(settings_for(folder, tmp_path / "cache"), vectors="background")
    assert not kb.wait_for_vectors(30)
    assert kb.vector_status == "off" and kb.search("退款", 1)


def test_readyz_says_how_far_the_vectors_are(folder: Path, tmp_path: Path, embedder: GatedEmbedder) -> None:
    from coach.api.app import create_app
    from coach.config import Settings

    app = create_app(Settings(_env_file=None, COACH_BACKEND="offline", COACH_GUIDELINES_DIR=str(folder),  # type: ignore[call-arg]
                              COACH_CACHE_DIR=str(tmp_path / "cache"), COACH_DATABASE=str(tmp_path / "fb.db")))
    with TestClient(app) as client:
        _wait(lambda: client.get("/readyz").status_code == 200)
        body = client.get("/readyz").json()
        assert body["status"] == "ready" and body["vectors"].startswith("embedding (0 of ")  # ready before the vectors
        embedder.gate.set()
        _wait(lambda: client.get("/readyz").json()["vectors"] == "ready")


def test_readyz_says_off_in_lexical_mode(tmp_path: Path) -> None:
    from coach.api.app import create_app
    from coach.config import Settings

    app = create_app(Settings(_env_file=None, COACH_BACKEND="offline", COACH_RETRIEVAL="lexical",  # type: ignore[call-arg]
                              COACH_CACHE_DIR=str(tmp_path / "cache"), COACH_DATABASE=str(tmp_path / "fb.db")))
    with TestClient(app) as client:
        _wait(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/readyz").json()["vectors"] == "off"
