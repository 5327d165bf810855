"""Building the knowledge base once and caching it on disk, keyed by the corpus and the code.

The cache key hashes every document (name and bytes), the source of the modules that shape the
index (cleaning, chunking, tokenising, BM25) and the versions of the libraries under them, so a
changed document, a changed cleaner or a new rjieba dictionary each rebuild, and nothing else does.
A cache that cannot be written (read-only home) only costs the rebuild next time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from coach.config import Settings
from coach.knowledge.bm25 import Bm25Index
from coach.knowledge.corpus import Document, bundled_documents, folder_documents
from coach.knowledge.glossary import Glossary
from coach.knowledge.ingest import build_passages
from coach.knowledge.kb import KnowledgeBase
from coach.knowledge.store import PassageColumns
from coach.knowledge.tokenize import tokenize
from coach.knowledge.vectors import EMBED_AT_BUILD_MAX, DenseIndex, bundled_table, embed_passages
from coach.types import Passage

log = logging.getLogger("coach.knowledge")

INDEX_FORMAT = "2"
_SHAPING_MODULES = (
    "clean.py", "boilerplate.py", "repeats.py", "chunk.py", "tokenize.py", "bm25.py", "ingest.py", "corpus.py", "store.py",
)
_LIBRARIES = ("rjieba", "bm25s", "opencc")


def code_fingerprint() -> str:
    h = hashlib.sha256(INDEX_FORMAT.encode())
    pkg = resources.files("coach.knowledge")
    for name in _SHAPING_MODULES:
        h.update(name.encode())
        try:
            h.update(pkg.joinpath(name).read_bytes())
        except OSError:  # an install without sources (.pyc only): the package version stands in
            h.update(metadata.version("coach").encode() if _installed("coach") else b"?")
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=?".encode())
    return h.hexdigest()


def _installed(dist: str) -> bool:
    try:
        metadata.version(dist)
        return True
    except metadata.PackageNotFoundError:
        return False


def corpus_key(docs: Sequence[Document]) -> str:
    h = hashlib.sha256(code_fingerprint().encode())
    for doc in docs:
        h.update(doc.source.encode("utf-8") + b"\0" + doc.raw.encode("utf-8") + b"\0")
    return h.hexdigest()[:24]


def documents_for(settings: Settings) -> list[Document]:
    if settings.guidelines_dir is not None:
        return folder_documents(settings.guidelines_dir)
    return bundled_documents()


# -- building ---------------------------------------------------------------------------------
def build_index(passages: Sequence[Passage]) -> Bm25Index:
    return Bm25Index.build(tokenize(f"{p.title}\n{p.text}") for p in passages)


def dense_for(
    passages: Sequence[Passage], cached: np.ndarray | None = None, embed: bool = True, bundled: bool = False
) -> DenseIndex | None:
    """Vectors from the cache, else (bundled corpus) the shipped table, else (small corpora only)
    fresh embeddings."""
    if cached is not None and len(cached) == len(passages):
        return DenseIndex(cached)
    if bundled:
        dense = DenseIndex.from_table(passages, bundled_table())
        if dense is not None:
            return dense
    if not embed:
        return None
    if len(passages) > EMBED_AT_BUILD_MAX:
        log.info("%d passages: too many to embed at start-up; BM25 + glossary only", len(passages))
        return None
    try:
        return DenseIndex(embed_passages(passages))
    except Exception:  # an embedding failure degrades to lexical search, never a failed start
        log.exception("embedding the guideline passages failed; BM25 + glossary only")
        return None


def build_knowledge_base(docs: Sequence[Document], embed: bool = True, bundled: bool = False) -> KnowledgeBase:
    """The knowledge base of these documents, built in memory (no cache)."""
    passages = build_passages(docs)
    dense = dense_for(passages, embed=embed, bundled=bundled)
    return KnowledgeBase(passages, build_index(passages), Glossary.bundled(), dense)


# -- the disk cache ---------------------------------------------------------------------------
def _save(folder: Path, kb: KnowledgeBase) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        kb.bm25.save(tmp)
        # Columns, not one object per passage: half the size and a third of the load time.
        (tmp / "passages.json").write_text(json.dumps(kb.columns.as_dict(), ensure_ascii=False), encoding="utf-8")
        if kb.dense is not None:
            np.save(tmp / "vectors.npy", kb.dense.matrix.astype(np.float16))
        (tmp / "complete").write_text("ok", encoding="utf-8")
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (folder / "complete").exists():
            raise


def _load(folder: Path, bundled: bool) -> KnowledgeBase:
    columns = PassageColumns.from_dict(json.loads((folder / "passages.json").read_text(encoding="utf-8")))
    vec_path = folder / "vectors.npy"
    cached = np.load(vec_path).astype(np.float32) if vec_path.exists() else None
    kb = KnowledgeBase(columns, Bm25Index.load(folder), Glossary.bundled())
    if cached is not None or bundled:  # custom corpora without cached vectors have none
        kb.dense = dense_for(kb.passages, cached, embed=False, bundled=bundled)
    return kb


def load_knowledge_base(settings: Settings) -> KnowledgeBase:
    """Ingest, clean, chunk and index the guidelines (bundled, or settings.guidelines_dir), or load
    the cached index of the same corpus. Raises ConfigError (naming the file) on unusable input.
    With settings.retrieval == "lexical" the vectors are left out (no query embedding)."""
    kb = _load_or_build(settings)
    return kb.lexical_only() if settings.retrieval == "lexical" else kb


def _load_or_build(settings: Settings) -> KnowledgeBase:
    docs = documents_for(settings)
    bundled = settings.guidelines_dir is None
    folder = settings.resolved_cache_dir / "knowledge" / corpus_key(docs)
    if (folder / "complete").exists():
        try:
            return _load(folder, bundled)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("guideline cache %s unreadable (%s); rebuilding", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    kb = build_knowledge_base(docs, bundled=bundled)
    try:
        _save(folder, kb)
    except OSError as exc:
        log.warning("could not write the guideline cache %s: %s", folder, exc)
    return kb


__all__ = ["build_knowledge_base", "load_knowledge_base"]
