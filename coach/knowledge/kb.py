"""The knowledge base: passages, their BM25 index, the glossary and (when present) dense vectors.

Ranking (see benchmarks/RESULTS.md for the numbers behind it):
- BM25 over Simplified rjieba terms, the query expanded through the bilingual glossary
  (English words and Chinese synonyms map to the corpus' own terms, at a lower weight) and, once
  the vectors are in, through the term bridge (coach.knowledge.term_bridge: the same done without
  a hand-made list, by the encoder's vectors of the corpus' own vocabulary);
- when the passages have vectors (bundled corpus: precomputed; custom corpora: embedded in batches
  and cached by content, in the background in the service: lexical ranking until then), the BM25
  scores and the dense similarities are fused (`coach.knowledge.fusion`), the lexical side weighing
  more where the corpus has a glossary (it was written for that corpus) than where it has none.
A query none of whose terms (glossary expansions included) is known is ranked by the vectors alone
when it reads as words of another language (an English question over Chinese guidelines: every
Latin word a whole word of the encoder's vocabulary); otherwise, or without vectors, it gets no
passages (the vectors cannot tell an off-topic query from an on-topic one).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from functools import cached_property
from typing import TYPE_CHECKING

from coach.errors import NotFound
from coach.knowledge.bm25 import Bm25Index, top_k
from coach.knowledge.encoders.e5 import reads_as_words
from coach.knowledge.fusion import fuse, lexical_weight_for
from coach.knowledge.glossary import Glossary
from coach.knowledge.store import PassageColumns
from coach.knowledge.query import check_k, check_query, latest_customer_texts, merge, term_weights
from coach.knowledge.term_bridge import TermBridge
from coach.knowledge.vectors import DenseIndex

if TYPE_CHECKING:
    from coach.knowledge.embedding_job import EmbeddingJob
from coach.types import Passage, Turn


class KnowledgeBase:
    """Implements coach.protocols.Retriever over one corpus."""

    def __init__(
        self,
        passages: Sequence[Passage] | PassageColumns,
        bm25: Bm25Index,
        glossary: Glossary | None = None,
        dense: DenseIndex | None = None,
    ) -> None:
        if isinstance(passages, PassageColumns):
            self.columns = passages
        else:
            self.columns = PassageColumns.from_passages(passages)
            self.__dict__["passages"] = tuple(passages)  # already made: no need to remake them
        self._by_id = {pid: i for i, pid in enumerate(self.columns.id)}
        self.bm25 = bm25
        self.glossary = glossary or Glossary.empty()
        self.dense = dense
        self.bridge: TermBridge | None = None  # set when the vectors are in (coach.knowledge.bridging)
        self.bridge_ready: threading.Event | None = None  # set when a bridge built apart is done
        self.embedding: EmbeddingJob | None = None  # the passages' vectors being embedded (loader)
        self.lexical_weight = lexical_weight_for(bool(self.glossary))

    # -- the Retriever protocol -------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The k best passages for a free-text query (any script or English), best first."""
        query = check_query(query)
        k = check_k(k)
        return self._rank(self._weights(query), [(query, 1.0)], k)

    def search_turns(self, turns: Sequence[Turn], k: int = 5) -> list[Passage]:
        """The k best passages for a conversation: its latest customer turns, newest weighted most."""
        k = check_k(k)
        texts = [(t, w) for t, w in latest_customer_texts(turns) if t.strip()]
        if not texts:
            return []
        parts = [self._weights(text, w) for text, w in texts]
        return self._rank(merge(*parts), texts, k)

    def _weights(self, text: str, weight: float = 1.0) -> dict[str, float]:
        """BM25 term weights of one query text: its own terms, the glossary's, the bridged ones."""
        own = term_weights(text, weight)
        weights = self.glossary.expand(own, text, weight=weight)
        bridge = self.bridge  # read once: set with the vectors
        return bridge.expand(weights, own, text, weight) if bridge is not None else weights

    def prepare_turns(self, conversations: Sequence[Sequence[Turn]]) -> Future | None:
        """Starts encoding the query texts of many conversations in fixed batches, in the given
        order (batch tools: a search for a conversation whose texts are under way waits for their
        batch). Nothing happens without vectors."""
        dense = self.dense
        prepare = getattr(dense.encoder, "prepare_in_background", None) if dense is not None else None
        if prepare is None:
            return None
        texts = [t for turns in conversations for t, _ in latest_customer_texts(turns) if t.strip()]
        return prepare(texts)

    def get(self, passage_id: str) -> Passage:
        i = self._by_id.get(passage_id) if isinstance(passage_id, str) else None
        if i is None:
            raise NotFound(f"no guideline passage with id {passage_id!r}")
        return self.columns.passage(i)

    @cached_property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage in corpus order (made on first use)."""
        return tuple(self.columns.passage(i) for i in range(len(self.columns)))

    # -- ranking ----------------------------------------------------------------------------
    def _rank(self, weights: dict[str, float], texts: list[tuple[str, float]], k: int) -> list[Passage]:
        dense = self.dense  # read once: a background embedding may swap it in meanwhile
        lexical = self.bm25.scores(weights)
        if lexical is None and (dense is None or not any(reads_as_words(t) for t, _ in texts)):
            return []  # no known term, and nothing the vectors could read across languages
        semantic = dense.scores(texts) if dense is not None else None
        if lexical is None:  # no known term: the vectors alone (cross-lingual queries)
            combined = semantic - float(semantic.min()) + 1e-3  # positive, same order
        else:
            combined = fuse(lexical, semantic, self.lexical_weight)
        return [self.columns.passage(i, round(float(combined[i]), 4)) for i in top_k(combined, k)]

    def lexical_only(self) -> KnowledgeBase:
        """The same corpus without vectors (for evaluation and for callers that must not embed)."""
        return KnowledgeBase(self.columns, self.bm25, self.glossary, None)

    def without_glossary(self) -> KnowledgeBase:
        kb = KnowledgeBase(self.columns, self.bm25, Glossary.empty(), self.dense)
        kb.bridge = self.bridge
        return kb

    @property
    def has_vectors(self) -> bool:
        return self.dense is not None

    @property
    def vector_status(self) -> str:
        """"ready" (hybrid ranking), "embedding (n of m)" (lexical until then) or "off"."""
        if self.dense is not None:
            return "ready"
        return self.embedding.status if self.embedding is not None else "off"

    def wait_for_vectors(self, timeout: float | None = None) -> bool:
        """Waits for a background embedding (if any) and the term bridge built after it; True when
        the vectors are in."""
        if self.embedding is not None:
            self.embedding.wait(timeout)
        if self.bridge_ready is not None:
            self.bridge_ready.wait(timeout)
        return self.dense is not None

    def __len__(self) -> int:
        return len(self.columns)

