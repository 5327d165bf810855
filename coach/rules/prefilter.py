"""Literal prefilters for regular expressions: run a pattern only when the text can match it.

Python's `re` tries every alternative at every position; with dozens of phrase families that is
most of a draft's cost. `requirements(pattern)` derives, from the parsed pattern, sets of strings
such that every match contains at least one string of EACH set (like RE2's or Hyperscan's
prefilters). One Aho-Corasick pass (ahocorasick-rs) per text finds every literal of every registered
pattern that occurs (`Registry.active`), and only patterns whose requirements are all met are run. A pattern for which nothing can be derived always
runs. The derivation is conservative: it only ever skips a pattern when no match is possible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick, MatchKind

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

Req = frozenset[str] | None
_MAX_CLASS = 24
_MAX_SET = 64
_MAX_REQS = 4


def requirements(pattern: str | re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Sets of strings: every match of `pattern` contains a string of each set. Most selective
    first; empty when nothing can be derived (the pattern must always run)."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if flags & re.IGNORECASE:
        return ()
    reqs = sorted(set(_conj(P.parse(source, flags))), key=_quality, reverse=True)
    return tuple(reqs[:_MAX_REQS])


def required_literals(pattern: str | re.Pattern[str]) -> Req:
    """The most selective single set of `requirements`, or None."""
    reqs = requirements(pattern)
    return reqs[0] if reqs else None


def _conj(items: Iterable[tuple[object, object]]) -> list[frozenset[str]]:
    """Requirements of a sequence. Runs of elements that match a small finite set of strings
    (literals, small classes, groups of alternatives, optional parts) are expanded into those
    strings ("我(?:没有?|无)权" -> 我没有权, 我没权, 我无权); other elements contribute their own."""
    out: list[frozenset[str]] = []
    segment: list[str] | None = None

    def close() -> None:
        nonlocal segment
        if segment is not None and all(w.strip() for w in segment):
            out.append(frozenset(segment))
        segment = None

    for op, av in items:
        choices = _enum_item(op, av)
        if choices is None:
            close()
            out.extend(_item(op, av))
            continue
        if segment is None:
            segment = [""]
        grown = [a + b for a in segment for b in choices]
        if len(grown) > _MAX_SET:
            close()
            segment = list(choices)
        else:
            segment = grown
    close()
    return out


def _enum_item(op: object, av: object) -> list[str] | None:
    """The strings one element matches, when few; else None."""
    if op is C.LITERAL:
        return [chr(av)]  # type: ignore[arg-type]
    if op is C.IN:
        if all(sub_op is C.LITERAL for sub_op, _ in av) and len(av) <= _MAX_CLASS:  # type: ignore[arg-type]
            return [chr(sub_av) for _, sub_av in av]  # type: ignore[union-attr]
        return None
    if op is C.SUBPATTERN:
        return _enum_seq(av[-1])  # type: ignore[index]
    if op is C.BRANCH:
        out: list[str] = []
        for alt in av[1]:  # type: ignore[index]
            sub = _enum_seq(alt)
            if sub is None:
                return None
            out.extend(sub)
        return out if len(out) <= _MAX_SET else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] == 0 and av[1] == 1:  # type: ignore[index]
        sub = _enum_seq(av[2])  # type: ignore[index]
        return None if sub is None else [*sub, ""]
    return None


def _enum_seq(items: Iterable[tuple[object, object]]) -> list[str] | None:
    words = [""]
    for op, av in items:
        choices = _enum_item(op, av)
        if choices is None:
            return None
        words = [a + b for a in words for b in choices]
        if len(words) > _MAX_SET:
            return None
    return words


def _best(reqs: list[frozenset[str]]) -> Req:
    return max(reqs, key=_quality) if reqs else None


def _smallest(reqs: list[frozenset[str]]) -> frozenset[str]:
    return min(reqs, key=lambda r: (len(r), -min(len(x) for x in r)))


def _quality(req: frozenset[str]) -> tuple[int, int, str]:
    return (min(len(s.strip()) for s in req), -len(req), min(req))


def _item(op: object, av: object) -> list[frozenset[str]]:
    if op is C.SUBPATTERN:
        return _conj(av[-1])  # type: ignore[index]
    if op is C.BRANCH:
        per_alt = [_conj(alt) for alt in av[1]]  # type: ignore[index]
        if any(not reqs for reqs in per_alt):
            return []
        # The most selective set of each alternative; when their union is too large, the smallest.
        for pick in (_best, _smallest):
            union: set[str] = set()
            for reqs in per_alt:
                union |= pick(reqs)  # type: ignore[arg-type]
            if len(union) <= _MAX_SET:
                return [frozenset(union)]
        return []
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, _high, sub = av  # type: ignore[misc]
        return _conj(sub) if low >= 1 else []
    return []


@dataclass(frozen=True, slots=True, eq=False)
class Gate:
    """A compiled pattern with its prefilter. `may_match(text)` is False only if no match exists;
    `id` is its number in the registry (-1 for a gate checked on its own)."""

    pattern: re.Pattern[str]
    requirements: tuple[frozenset[str], ...]
    id: int = -1

    def may_match(self, text: str) -> bool:
        for req in self.requirements:
            if not any(s in text for s in req):
                return False
        return True


Scan = tuple[frozenset[int], list[tuple[int, object]]]


@dataclass(frozen=True, slots=True)
class _Built:
    automaton: AhoCorasick | None
    single: list[tuple[int, ...]]  # key number -> gates with that key in their only requirement
    multi: list[tuple[int, ...]]  # key number -> gates with that key in the first of several
    reqs: list[tuple[frozenset[int], ...]]  # gate -> its requirements as sets of key numbers
    payloads: list[object]  # key number -> payload of an added word, or None
    always: frozenset[int]  # gates without requirements


class Registry:
    """Every gate of the rules, so that one scan per text tells which of them may match.

    Other components may add words with a payload (`add_words`); the same Aho-Corasick pass then
    reports where they occur, so a text is scanned once for everything.
    """

    def __init__(self) -> None:
        self.gates: list[Gate] = []
        self._words: dict[str, object] = {}
        self._built: _Built | None = None
        self._memo: dict[str, Scan] = {}

    def add(self, pattern: str | re.Pattern[str]) -> Gate:
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        g = Gate(compiled, requirements(compiled), len(self.gates))
        self.gates.append(g)
        self._built = None
        self._memo.clear()
        return g

    def add_words(self, words: dict[str, object]) -> None:
        """Words whose occurrences `scan` reports as (index of the last character, payload)."""
        self._words.update(words)
        self._built = None
        self._memo.clear()

    def _build(self) -> _Built:
        keys = sorted({lit for g in self.gates for req in g.requirements for lit in req} | set(self._words))
        index = {key: i for i, key in enumerate(keys)}
        # Requirements as sets of key numbers. A gate with one requirement is active as soon as a
        # key of it occurs; one with several becomes a candidate and has the others checked.
        reqs = [tuple(frozenset(index[lit] for lit in req) for req in g.requirements) for g in self.gates]
        single: list[list[int]] = [[] for _ in keys]
        multi: list[list[int]] = [[] for _ in keys]
        for g in self.gates:
            for i in reqs[g.id][0] if reqs[g.id] else ():
                (single if len(reqs[g.id]) == 1 else multi)[i].append(g.id)
        automaton = AhoCorasick(keys, matchkind=MatchKind.Standard) if keys else None
        payloads = [self._words.get(key) for key in keys]
        always = frozenset(g.id for g in self.gates if not g.requirements)
        return _Built(automaton, [tuple(o) for o in single], [tuple(o) for o in multi], reqs, payloads, always)

    def scan(self, text: str) -> Scan:
        """(ids of the gates whose requirements `text` meets, occurrences of the added words).
        The last few texts are remembered: every rule asks about the same draft in turn."""
        found = self._memo.get(text)
        if found is not None:
            return found
        if self._built is None:
            self._built = self._build()
        b = self._built
        if b.automaton is None or not text:
            found = (b.always, [])
        else:
            matches = b.automaton.find_matches_as_indexes(text, overlapping=True)
            present = {m[0] for m in matches}
            active = set(b.always)
            candidates: set[int] = set()
            single, multi = b.single, b.multi
            for idx in present:
                if single[idx]:
                    active.update(single[idx])
                if multi[idx]:
                    candidates.update(multi[idx])
            reqs = b.reqs
            for g in candidates:
                for r in reqs[g][1:]:
                    if r.isdisjoint(present):
                        break
                else:
                    active.add(g)
            payloads = b.payloads
            found = (frozenset(active), [(m[2] - 1, payloads[m[0]]) for m in matches if payloads[m[0]] is not None])
        if len(self._memo) >= 64:
            self._memo.clear()
        self._memo[text] = found
        return found

    def active(self, text: str) -> frozenset[int]:
        """Ids of the gates whose requirements `text` meets."""
        return self.scan(text)[0]


REGISTRY = Registry()


def gate(pattern: str | re.Pattern[str]) -> Gate:
    """A gate registered in the process-wide registry."""
    return REGISTRY.add(pattern)
