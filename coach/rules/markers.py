"""A tagged vocabulary scanned in one pass: every occurrence of every marker word in a text.

The offer analysis asks many small questions of the words around each benefit (is there an offer
cue before it, a negation, the customer's demand, "already", "in total"...). Asking each with its
own regex costs a scan per question per benefit. Instead, each tag's regex (from lexicon.py) is
expanded into the finite set of words it matches, all words of all tags ride on the rule registry's one
Aho-Corasick pass (prefilter.Registry.scan), so a text is scanned once; questions then look at the few hits in a
window. Alternatives that are not a finite set of words (a class like `[\u4e00-\u9fff]{0,4}`, a
lookahead) stay regexes, run only when their literal prefilter passes. `\\b` at either end of an
English alternative is kept as a word-boundary check on the hit.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from coach.rules.prefilter import REGISTRY, C, P, Gate, gate
from coach.rules.regex_tools import fast_source, split_alternatives

_MAX_WORDS = 256
_WORD_CHAR = re.compile(r"\w")


class Hit(NamedTuple):
    """One occurrence of a vocabulary word (a tuple: cheap to make by the thousand)."""

    start: int
    end: int
    word: str
    tags: frozenset[str]


def expand(alternative: str) -> list[tuple[str, bool, bool]] | None:
    """The words a regex alternative matches, each with (left, right) word-boundary flags, or None
    when it is not a small finite set of words."""
    try:
        items = list(P.parse(alternative))
    except re.error:
        return None
    left = right = False
    if items and items[0] == (C.AT, C.AT_BOUNDARY):
        left, items = True, items[1:]
    if items and items[-1] == (C.AT, C.AT_BOUNDARY):
        right, items = True, items[:-1]
    if items and _is_word_tail(items[-1]):  # "compensat\w*": the stem is what matters
        items, right = items[:-1], False
    words = _enum(items)
    if words is None:
        return None
    out = []
    for w in words:
        if not w or (left and not _WORD_CHAR.match(w[0])) or (right and not _WORD_CHAR.match(w[-1])):
            return None
        out.append((w, left, right))
    return out


def _is_word_tail(item: tuple[object, object]) -> bool:
    op, av = item
    if op is not C.MAX_REPEAT:
        return False
    low, _high, sub = av  # type: ignore[misc]
    return low == 0 and list(sub) == [(C.IN, [(C.CATEGORY, C.CATEGORY_WORD)])]


def _enum(items: Iterable[tuple[object, object]]) -> list[str] | None:
    results = [""]
    for op, av in items:
        if op is C.LITERAL:
            choices = [chr(av)]  # type: ignore[arg-type]
        elif op is C.SUBPATTERN:
            choices = _enum(av[-1])  # type: ignore[index]
        elif op is C.BRANCH:
            choices = []
            for alt in av[1]:  # type: ignore[index]
                sub = _enum(alt)
                if sub is None:
                    return None
                choices.extend(sub)
        elif op is C.IN:
            if not all(sub_op is C.LITERAL for sub_op, _ in av):  # type: ignore[union-attr]
                return None
            choices = [chr(sub_av) for _, sub_av in av]  # type: ignore[union-attr]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] == 0 and av[1] == 1:  # type: ignore[index]
            sub = _enum(av[2])  # type: ignore[index]
            if sub is None:
                return None
            choices = [*sub, ""]
        else:
            return None
        if choices is None:
            return None
        results = [r + c for r in results for c in choices]
        if len(results) > _MAX_WORDS:
            return None
    return results


class Vocabulary:
    """Tagged words (from regex sources) scanned together; see the module docstring."""

    def __init__(self, tagged: Mapping[str, str]) -> None:
        entries: dict[tuple[str, bool, bool], set[str]] = {}
        rest: list[tuple[str, Gate]] = []
        for tag, source in tagged.items():
            leftovers = []
            for alt in split_alternatives(source):
                if not alt:
                    continue
                words = expand(alt)
                if words is None:
                    leftovers.append(alt)
                    continue
                for key in words:
                    entries.setdefault(key, set()).add(tag)
            if leftovers:
                rest.append((tag, gate(fast_source("|".join(leftovers)))))
        by_word: dict[str, list[tuple[bool, bool, frozenset[str]]]] = {}
        for (word, left, right), tags in entries.items():
            by_word.setdefault(word, []).append((left, right, frozenset(tags)))
        # The words ride on the registry's single Aho-Corasick pass (prefilter.Registry.scan).
        REGISTRY.add_words({word: (word, tuple(variants)) for word, variants in by_word.items()})
        self.rest = tuple(rest)

    def scan(self, text: str) -> list[Hit]:
        """Every hit in `text`, sorted by start (then longest first)."""
        hits: list[Hit] = []
        n = len(text)
        active, found = REGISTRY.scan(text)
        if found:
            for last, (word, variants) in found:  # type: ignore[misc]
                start = last - len(word) + 1
                end = last + 1
                for left, right, tags in variants:
                    if left and start > 0 and _WORD_CHAR.match(text[start - 1]):
                        continue
                    if right and end < n and _WORD_CHAR.match(text[end]):
                        continue
                    hits.append(Hit(start, end, word, tags))
        for tag, g in self.rest:
            if g.id in active:
                tags = frozenset({tag})
                hits.extend(Hit(m.start(), m.end(), m.group(), tags) for m in g.pattern.finditer(text) if m.end() > m.start())
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits


class Hits:
    """The hits of one text, with window queries."""

    __slots__ = ("hits", "starts", "by_tag", "forms")

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.starts = [h.start for h in hits]
        self.forms: list[tuple[Hit, str]] | None = None  # filled by mentions._forms
        self.by_tag: dict[str, list[Hit]] = {}
        for h in hits:
            for tag in h.tags:
                self.by_tag.setdefault(tag, []).append(h)

    def within(self, start: int, end: int, tag: str) -> list[Hit]:
        """Hits with `tag` (any tag when empty) lying entirely inside [start, end)."""
        out = []
        for i in range(bisect_left(self.starts, start), len(self.hits)):
            h = self.hits[i]
            if h.start >= end:
                break
            if h.end <= end and (not tag or tag in h.tags):
                out.append(h)
        return out

    def tagged(self, tag: str) -> list[Hit]:
        return self.by_tag.get(tag, [])
