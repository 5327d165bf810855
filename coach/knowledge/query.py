"""Queries as weighted BM25 terms: from a string, or from a conversation's latest customer turns."""

from __future__ import annotations

from collections.abc import Sequence

from coach.errors import InvalidInput
from coach.knowledge.tokenize import tokenize
from coach.types import Turn

MAX_K = 50
MAX_QUERY_CHARS = 4000
TURNS_USED = 3  # the newest customer turns that shape a conversation query
DECAY = 0.5  # each older turn counts this much of the one after it


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
    return k


def check_query(query: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return query.strip()


def term_weights(text: str, weight: float = 1.0) -> dict[str, float]:
    """Each distinct term of the text once, at the given weight."""
    return {t: weight for t in tokenize(text)}


def latest_customer_texts(turns: Sequence[Turn], n: int = TURNS_USED) -> list[tuple[str, float]]:
    """(text, weight) of the newest customer turns, newest weight 1.0, each older one DECAY times
    the next. Without any customer turn, the newest turns of either role stand in."""
    customer = [t for t in turns if t.role == "customer"] or list(turns)
    chosen = customer[-n:]
    return [(t.text, DECAY ** (len(chosen) - 1 - i)) for i, t in enumerate(chosen)]


def merge(*parts: dict[str, float]) -> dict[str, float]:
    """Term weights combined: a term keeps its highest weight plus a small share of the others."""
    out: dict[str, float] = {}
    for part in parts:
        for term, w in part.items():
            old = out.get(term)
            out[term] = w if old is None else max(old, w) + 0.25 * min(old, w)
    return out


def turns_text(turns: Sequence[Turn]) -> str:
    """The conversation query as plain text (newest customer turn last), for dense encoders."""
    return "\n".join(text for text, _ in latest_customer_texts(turns))
