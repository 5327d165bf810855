"""Regex source utilities: top-level alternatives, and rewriting so that `re` can skip positions.

Python's `re` tries a pattern at a position only if the position's character can start a match,
when it can tell this from the pattern: the pattern (or every top-level alternative) must begin
with a literal character. `fast_source` rewrites a pattern into that shape without changing what it
matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_META = set(".^$*+?{}[]\\|()")


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) of every character outside escapes and classes."""
    depth = 0
    in_class = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth
        i += 1


def split_alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex source (respecting groups, classes and escapes)."""
    bars = [i for i, ch, depth in _structure(source) if ch == "|" and depth == 0]
    bounds = [-1, *bars, len(source)]
    return [source[a + 1:b] for a, b in zip(bounds, bounds[1:])]


_MAX_EXPANSION = 96


def fast_source(source: str) -> str:
    """The same regex rewritten so that every top-level alternative starts with a literal character.

    `re` then skips, in C, every position whose character cannot start a match (its "charset
    prefix"); a pattern whose alternatives start with a group, an optional or a class is instead
    tried alternative by alternative at every position. Leading groups of alternatives, optional
    characters and small literal classes are distributed (`(?:a|b)c?d` -> `acd|ad|bcd|bd`), in the
    order the original would try them, so matches are the same. Alternatives that cannot be
    rewritten (a leading `\\b`, a large class...) are kept as they are.
    """
    out: list[str] = []
    for alt in split_alternatives(source):
        out.extend(_expand(alt, 0))
        if len(out) > _MAX_EXPANSION:
            return source
    return "|".join(out)


def _expand(alt: str, depth: int) -> list[str]:
    if depth > 6 or not alt:
        return [alt]
    head, quant, rest = _first_token(alt)
    if head is None:
        return [alt]
    if head.startswith("(?:"):
        inner = split_alternatives(head[3:-1])
        choices = [a + rest for a in inner]
    elif head.startswith("["):
        body = head[1:-1]
        if body.startswith("^") or "\\" in body or "-" in body[1:-1]:
            return [alt]
        choices = [re.escape(ch) + rest for ch in body]
    else:
        if quant == "":
            return [alt]
        choices = [head + rest]
    if quant == "?":
        choices.append(rest)
    elif quant != "":
        return [alt]
    out: list[str] = []
    for c in choices:
        out.extend(_expand(c, depth + 1))
    return out


def _first_token(alt: str) -> tuple[str | None, str, str]:
    """(token, quantifier, rest) for a leading non-capturing group, class or literal character."""
    if alt.startswith("(?:"):
        # The group ends at the first ")" that brings the depth back to 0 (or runs to the end).
        end = next((i for i, ch, depth in _structure(alt) if ch == ")" and depth == 0), len(alt) - 1)
        head, tail = alt[:end + 1], alt[end + 1:]
    elif alt.startswith("["):
        end = alt.find("]", 1)
        if end < 0:
            return None, "", alt
        head, tail = alt[:end + 1], alt[end + 1:]
    elif alt[0] not in _META:
        head, tail = alt[0], alt[1:]
    else:
        return None, "", alt
    if tail[:1] in ("?", "*", "+", "{"):
        if tail[:1] == "?" and tail[1:2] not in ("?", "+"):
            return head, "?", tail[1:]
        return head, "x", tail
    return head, "", tail
