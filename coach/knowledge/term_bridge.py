"""Query words bridged to the corpus' own terms through e5's vector space: a glossary nobody writes.

The corpus' vocabulary (its BM25 terms of two or more Han characters, the MAX_TERMS most frequent)
is embedded once, term by term, with the multilingual e5 encoder, when the passages are (cached by
content like them). Then, for a query:
- each English content word is embedded (one small batch per query, only for queries with Latin
  words) and the EN_TOP corpus terms nearest to it, at cosine EN_THRESHOLD or more, join the BM25
  query: "refund" reaches "退款", "wet" reaches "进水", so an English question over Chinese
  guidelines gets a lexical side without a hand-made glossary;
- each Chinese query term that the corpus knows adds its nearest other corpus term at cosine
  ZH_THRESHOLD or more ("重复" and "反复"), from a table made at index time: nothing is encoded on
  the request path for a Chinese query.
The bridged terms weigh less than the query's own (EN_WEIGHT, ZH_WEIGHT) and never lower a weight.
Thresholds chosen on the tune halves (benchmarks/RESULTS.md, issue 15 round q2).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from importlib import resources

import numpy as np

from coach.blas import one_blas_thread

EN_THRESHOLD = 0.88
EN_TOP = 3
EN_WEIGHT = 0.6
ZH_THRESHOLD = 0.90
ZH_WEIGHT = 0.5
MAX_TERMS = 10_000  # the most frequent terms of a large corpus (about 2 ms each to embed, once; the
# neighbour table grows with the square: 10,000 terms take a few seconds, in the background)
WORD_CACHE = 4096

_HAN_TERM = re.compile(r"^[\u3400-\u9fff]{2,}$")
_EN_WORD = re.compile(r"[a-z]+")

Embed = Callable[[Sequence[str]], np.ndarray]  # L2-normalised rows, one per text


def _function_words() -> frozenset[str]:
    raw = resources.files("coach").joinpath("data", "knowledge", "en_function_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in raw.splitlines() if w.strip() and not w.startswith("#"))


FUNCTION_WORDS = _function_words()


def vocabulary(vocab: dict[str, int], doc_freq: np.ndarray, limit: int = MAX_TERMS) -> list[str]:
    """The corpus terms worth bridging to: Han words of two or more characters, most frequent
    first (ties in vocabulary order), at most `limit`."""
    terms = [(t, i) for t, i in vocab.items() if _HAN_TERM.match(t)]
    terms.sort(key=lambda ti: (-int(doc_freq[ti[1]]), ti[1]))
    return [t for t, _ in terms[:limit]]


def english_words(text: str) -> list[str]:
    """The content words of a text's Latin part (three letters or more, function words out)."""
    return list(dict.fromkeys(w for w in _EN_WORD.findall(text.lower()) if len(w) > 2 and w not in FUNCTION_WORDS))


class TermBridge:
    def __init__(self, terms: Sequence[str], matrix: np.ndarray, embed_words: Embed | None = None) -> None:
        self.terms = list(terms)
        m = np.asarray(matrix, dtype=np.float32)
        self.matrix = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9) if len(m) else m
        self.embed_words = embed_words
        self.neighbours = self._neighbours()
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _neighbours(self, block: int = 2048) -> dict[str, str]:
        """Each term's nearest other term when it is at least ZH_THRESHOLD close (block by block:
        a 20,000-term vocabulary never needs its whole similarity matrix at once)."""
        out: dict[str, str] = {}
        for at in range(0, len(self.terms), block):
            sims = self.matrix[at:at + block] @ self.matrix.T
            rows = np.arange(sims.shape[0])
            sims[rows, rows + at] = -1.0  # not itself
            best = sims.argmax(axis=1)
            for r, b in enumerate(best):
                if sims[r, b] >= ZH_THRESHOLD:
                    out[self.terms[at + r]] = self.terms[int(b)]
        return out

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        with self._lock:
            missing = [w for w in words if w not in self._words]
        if missing and self.embed_words is not None:
            fresh = np.asarray(self.embed_words(missing), dtype=np.float32)
            with self._lock:
                for w, v in zip(missing, fresh):
                    self._words[w] = v / max(float(np.linalg.norm(v)), 1e-9)
                while len(self._words) > WORD_CACHE:
                    self._words.popitem(last=False)
        with self._lock:
            return np.stack([self._words[w] for w in words if w in self._words]) if words else np.zeros((0, 0))

    def english_terms(self, text: str) -> list[str]:
        """The corpus terms nearest to the text's English content words (none without an encoder)."""
        words = english_words(text)
        if not words or not self.terms or self.embed_words is None:
            return []
        vecs = self._word_vectors(words)
        if not len(vecs):
            return []
        with one_blas_thread():  # OpenBLAS's second thread would spin: 3-4 ms instead of 0.2 (RESULTS.md, rq4)
            sims = (self.matrix @ vecs.T).T  # matrix-times-vectors: several times faster than vecs @ matrix.T
        found: dict[str, None] = {}
        for row in sims:
            top = np.argpartition(-row, min(EN_TOP, len(row) - 1))[:EN_TOP]
            for j in top[np.argsort(-row[top])]:
                if row[j] >= EN_THRESHOLD:
                    found[self.terms[int(j)]] = None
        return list(found)

    def expand(self, weights: dict[str, float], own: dict[str, float], text: str, weight: float = 1.0) -> dict[str, float]:
        """`weights` (the query's terms, glossary expansions included) plus the terms bridged from
        the query's own terms `own` and its English words (never lowering a weight)."""
        out = dict(weights)

        def add(term: str, w: float) -> None:
            if out.get(term, 0.0) < w:
                out[term] = w

        for term in own:
            near = self.neighbours.get(term)
            if near is not None:
                add(near, ZH_WEIGHT * weight)
        if re.search(r"[A-Za-z]", text):
            for term in self.english_terms(text):
                add(term, EN_WEIGHT * weight)
        return out

    def __len__(self) -> int:
        return len(self.terms)
