"""Literal prefilters for regular expressions: run a pattern only when the text can match it.

Python's `re` tries every alternative at every position; with dozens of phrase families that is
most of a draft's cost. `required_literals(pattern)` derives, from the parsed pattern, a set of
strings of which every match must contain at least one (like RE2's or Hyperscan's prefilters);
`str.__contains__` over those strings is far cheaper than the scan. A pattern for which no such set
can be derived gets `None` and always runs. The derivation is conservative: it only ever skips a
pattern when no match is possible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

Req = frozenset[str] | None
_MAX_CLASS = 24
_MAX_SET = 64


def required_literals(pattern: str | re.Pattern[str]) -> Req:
    """Strings of which every match of `pattern` contains one, or None when none can be derived."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if flags & re.IGNORECASE:
        return None
    return _seq(P.parse(source, flags))


def _seq(items: Iterable[tuple[object, object]]) -> Req:
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        close_run()
        req = _item(op, av)
        if req is not None:
            candidates.append(req)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=_quality)


def _quality(req: frozenset[str]) -> tuple[int, int]:
    return (min(len(s) for s in req), -len(req))


def _item(op: object, av: object) -> Req:
    if op is C.SUBPATTERN:
        return _seq(av[-1])  # type: ignore[index]
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:  # type: ignore[index]
            req = _seq(alt)
            if req is None:
                return None
            out |= req
        return frozenset(out) if len(out) <= _MAX_SET else None
    if op is C.IN:
        chars: set[str] = set()
        for sub_op, sub_av in av:  # type: ignore[union-attr]
            if sub_op is not C.LITERAL:
                return None
            chars.add(chr(sub_av))
        return frozenset(chars) if 0 < len(chars) <= _MAX_CLASS else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, _high, sub = av  # type: ignore[misc]
        return _seq(sub) if low >= 1 else None
    return None


@dataclass(frozen=True, slots=True)
class Gate:
    """A compiled pattern with its prefilter: `may_match(text)` is False only if no match exists."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...] | None

    def may_match(self, text: str) -> bool:
        if self.literals is None:
            return True
        for s in self.literals:
            if s in text:
                return True
        return False


def gate(pattern: str | re.Pattern[str]) -> Gate:
    compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
    req = required_literals(compiled)
    return Gate(compiled, None if req is None else tuple(sorted(req, key=len)))


def trie_regex(words: Iterable[str]) -> str:
    """A regex source matching any of `words` (plain strings), factored as a trie.

    Every alternative starts with a literal character, so `re` can skip positions by a charset
    check and tries one branch per position instead of every word in turn. Longer words win over
    their prefixes (greedy), as an alternation sorted longest-first would.
    """
    trie: dict[str, dict] = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_source(trie)


def _trie_source(node: dict[str, dict]) -> str:
    ends = "" in node
    branches = [re.escape(ch) + _trie_source(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        body = "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
    return body


_META = set(".^$*+?{}[]\\|()")
_LATIN = re.compile(r"[a-z]")


def split_alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex source (respecting groups, classes and escapes)."""
    parts: list[str] = []
    depth = 0
    in_class = False
    current: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            current.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


class Alternation:
    """A top-level alternation split for speed: plain-word alternatives go into one trie regex
    (skipped position by position with a charset test); the other Chinese alternatives and the
    Latin ones into two more regexes, each behind a literal prefilter (the Latin one also behind a
    "has a Latin letter" test). Matches of all parts are reported, sorted by position; callers use
    existence or positions, never the leftmost-first choice between overlapping alternatives."""

    __slots__ = ("words", "zh", "en", "literals")

    def __init__(self, source: str) -> None:
        alts = [a for a in split_alternatives(source) if a]
        words = [a for a in alts if not (set(a) & _META)]
        zh = [a for a in alts if set(a) & _META and not _is_latin(a)]
        en = [a for a in alts if set(a) & _META and _is_latin(a)]
        self.words = re.compile(trie_regex(words)) if words else None
        self.zh = gate("|".join(zh)) if zh else None
        self.en = gate("|".join(en)) if en else None
        req = required_literals(source)
        self.literals = None if req is None else tuple(sorted(req, key=len))

    @property
    def pattern(self) -> "Alternation":
        return self

    def finditer(self, text: str, pos: int = 0) -> list[re.Match[str]]:
        out: list[re.Match[str]] = []
        if self.words is not None:
            out.extend(self.words.finditer(text, pos))
        if self.zh is not None and self.zh.may_match(text):
            out.extend(self.zh.pattern.finditer(text, pos))
        if self.en is not None and _LATIN.search(text, pos) and self.en.may_match(text):
            out.extend(self.en.pattern.finditer(text, pos))
        if len(out) > 1:
            out.sort(key=lambda m: (m.start(), -m.end()))
        return out

    def search(self, text: str) -> re.Match[str] | None:
        found = self.finditer(text)
        return found[0] if found else None


def _is_latin(alternative: str) -> bool:
    return not any("\u3400" <= ch <= "\u9fff" for ch in alternative)


class GateSet:
    """Many gates checked in one pass: which of them may match `text`.

    All their literals go into one trie regex; searching it repeatedly from each hit's start + 1
    finds every position where some literal starts (overlaps included), and every literal that is a
    prefix of the longest literal at a position is present too. Gates without literals are always
    active.
    """

    def __init__(self, gates: Sequence[Gate]) -> None:
        self.gates = tuple(gates)
        owners: dict[str, set[int]] = {}
        self.always = tuple(i for i, g in enumerate(self.gates) if g.literals is None)
        for i, g in enumerate(self.gates):
            for lit in g.literals or ():
                owners.setdefault(lit, set()).add(i)
        self._owners = {lit: frozenset(ids) for lit, ids in owners.items()}
        # For each literal, the gates of every literal that is a prefix of it (itself included).
        self._prefix_owners: dict[str, frozenset[int]] = {}
        for lit in owners:
            ids: set[int] = set()
            for k in range(1, len(lit) + 1):
                ids |= owners.get(lit[:k], set())
            self._prefix_owners[lit] = frozenset(ids)
        self._trie = re.compile(trie_regex(owners)) if owners else None

    def active(self, text: str) -> list[int]:
        if self._trie is None:
            return list(self.always)
        found: set[int] = set(self.always)
        search = self._trie.search
        prefix_owners = self._prefix_owners
        m = search(text)
        while m is not None:
            found |= prefix_owners[m.group()]
            m = search(text, m.start() + 1)
        return sorted(found)
