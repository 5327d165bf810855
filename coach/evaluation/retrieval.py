"""Retrieval for eval runs: the product's knowledge base, memoised per conversation.

Retrieval is deterministic, and a run asks the same question many times (every template of a
matrix, every repeat), so the eval wraps the retriever in a small in-memory memo. `lexical` drops
the dense half (query embedding costs tens to hundreds of ms of CPU per search) for quick runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

from coach.protocols import Retriever
from coach.types import Passage, Turn

RetrievalMode = Literal["auto", "lexical"]


class MemoRetriever:
    """A Retriever that remembers its last `size` answers (thread-safe: the pipeline searches in a
    worker thread)."""

    def __init__(self, inner: Retriever, size: int = 4096) -> None:
        self._inner = inner
        self._size = size
        self._memo: OrderedDict[tuple[object, ...], tuple[Passage, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _cached(self, key: tuple[object, ...], compute) -> list[Passage]:  # noqa: ANN001 - a thunk
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                self.hits += 1
                return list(found)
        result = tuple(compute())
        with self._lock:
            self.misses += 1
            self._memo[key] = result
            if len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return list(result)

    def search(self, query: str, k: int = 5) -> list[Passage]:
        return self._cached(("q", query, k), lambda: self._inner.search(query, k))

    def search_turns(self, turns: Sequence[Turn], k: int = 5) -> list[Passage]:
        key = ("t", k, *((t.role, t.round, t.text) for t in turns))
        return self._cached(key, lambda: self._inner.search_turns(turns, k))

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def eval_retriever(knowledge: Retriever, mode: RetrievalMode) -> MemoRetriever:
    if mode == "lexical":
        lexical_only = getattr(knowledge, "lexical_only", None)
        if lexical_only is not None:
            knowledge = lexical_only()
    return MemoRetriever(knowledge)
