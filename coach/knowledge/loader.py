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
from typing import Literal
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from coach.config import Settings
from coach.knowledge.bm25 import Bm25Index
from coach.knowledge.bridging import attach_bridge, bridge_later, term_cache
from coach.knowledge.chunk import heading_of
from coach.knowledge.corpus import Document, bundled_documents, folder_documents
from coach.knowledge.glossary import Glossary
from coach.knowledge.ingest import build_passages
from coach.knowledge.kb import KnowledgeBase
from coach.knowledge.store import PassageColumns
from coach.knowledge.tokenize import tokenize
from coach.knowledge.vector_cache import VectorCache
from coach.knowledge.embedding_job import EmbeddingJob
from coach.knowledge.vectors import DenseIndex, bundled_table, embed_input, embed_passages, text_key
from coach.types import Passage

log = logging.getLogger("coach.knowledge")

VectorsMode = Literal["wait", "background"]

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


def glossary_for(settings: Settings) -> Glossary:
    """The bundled glossary for the bundled guidelines; a folder's own glossary.yaml, or none."""
    if settings.guidelines_dir is not None:
        return Glossary.for_folder(settings.guidelines_dir)
    return Glossary.bundled()


def documents_for(settings: Settings) -> list[Document]:
    if settings.guidelines_dir is not None:
        return folder_documents(settings.guidelines_dir)
    return bundled_documents()


# -- building ---------------------------------------------------------------------------------
def build_index(passages: Sequence[Passage]) -> Bm25Index:
    return Bm25Index.build(tokenize(f"{heading_of(p.title)}\n{p.text}") for p in passages)


def vector_job(kb: KnowledgeBase, passages: Sequence[Passage], bundled: bool = False,
               cache: VectorCache | None = None, terms: VectorCache | None = None) -> EmbeddingJob | None:
    """Sets kb.dense (and kb.bridge, the term bridge, its term vectors from `terms`) when every
    passage already has a vector (shipped table, vector cache) and returns None; else returns the
    job that embeds the missing ones and then builds the bridge (not started)."""
    keys = [text_key(embed_input(p)) for p in passages]
    table = bundled_table() if bundled else {}
    if cache is not None:
        table.update(cache.lookup(k for k in keys if k not in table))
    job = EmbeddingJob(kb, passages, keys, table, cache, lambda ps: embed_passages(ps),
                       before_swap=lambda: attach_bridge(kb, terms, bundled))
    if job.missing:
        return job
    kb.dense = DenseIndex(np.stack([table[k] for k in keys])) if keys else None
    if keys:
        bridge_later(kb, terms, bundled)
    return None


def build_knowledge_base(
    docs: Sequence[Document], embed: bool = True, bundled: bool = False, cache: VectorCache | None = None,
    glossary: Glossary | None = None,
) -> KnowledgeBase:
    """The knowledge base of these documents, built in memory (vectors from `cache` when given;
    the bundled glossary when `bundled`, else `glossary` or none)."""
    passages = build_passages(docs)
    kb = KnowledgeBase(passages, build_index(passages), Glossary.bundled() if bundled else glossary)
    terms = term_cache(cache.folder.parent.parent) if cache is not None else None
    job = vector_job(kb, passages, bundled=bundled, cache=cache, terms=terms)
    if job is not None and embed:
        kb.embedding = job
        job.run()
    elif kb.bridge_ready is not None:
        kb.bridge_ready.wait()
    return kb


# -- the disk cache ---------------------------------------------------------------------------
def _save(folder: Path, kb: KnowledgeBase) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        kb.bm25.save(tmp)
        # Columns, not one object per passage: half the size and a third of the load time.
        (tmp / "passages.json").write_text(json.dumps(kb.columns.as_dict(), ensure_ascii=False), encoding="utf-8")
        (tmp / "complete").write_text("ok", encoding="utf-8")
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (folder / "complete").exists():
            raise


def _load(folder: Path, glossary: Glossary) -> KnowledgeBase:
    """The cached index (passages and BM25); the vectors come from the vector cache."""
    columns = PassageColumns.from_dict(json.loads((folder / "passages.json").read_text(encoding="utf-8")))
    return KnowledgeBase(columns, Bm25Index.load(folder), glossary)


def load_knowledge_base(settings: Settings, vectors: VectorsMode = "wait") -> KnowledgeBase:
    """Ingest, clean, chunk and index the guidelines (bundled, or settings.guidelines_dir), or load
    the cached index of the same corpus. Raises ConfigError (naming the file) on unusable input.

    The passages' vectors come from the bundled table and the vector cache (keyed by content);
    only the passages missing from both are embedded, in batches: with vectors="wait" before this
    returns (batch tools), with "background" in a thread while the knowledge base already answers
    with BM25 + glossary (the service; kb.vector_status says how far it got). With
    settings.retrieval == "lexical" there are no vectors at all (no embedding)."""
    kb = _load_or_build(settings)
    if settings.retrieval == "lexical":
        return kb
    bundled = settings.guidelines_dir is None
    job = vector_job(kb, kb.passages, bundled=bundled, cache=VectorCache.under(settings.resolved_cache_dir),
                     terms=term_cache(settings.resolved_cache_dir))
    if job is not None:
        kb.embedding = job
        if vectors == "background":
            job.start()
        else:
            job.run()
    elif vectors == "wait" and kb.bridge_ready is not None:
        kb.bridge_ready.wait()  # batch tools rank with the bridge from their first query
    return kb


def _load_or_build(settings: Settings) -> KnowledgeBase:
    """The passages and their BM25 index (no vectors), from the index cache or built and cached."""
    docs = documents_for(settings)
    glossary = glossary_for(settings)
    folder = settings.resolved_cache_dir / "knowledge" / corpus_key(docs)
    if (folder / "complete").exists():
        try:
            return _load(folder, glossary)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("guideline cache %s unreadable (%s); rebuilding", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    passages = build_passages(docs)
    kb = KnowledgeBase(passages, build_index(passages), glossary)
    try:
        _save(folder, kb)
    except OSError as exc:
        log.warning("could not write the guideline cache %s: %s", folder, exc)
    return kb


__all__ = ["build_knowledge_base", "load_knowledge_base"]
