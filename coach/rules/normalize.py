"""Matching form of a draft: Simplified, half-width, lower-case, with a map back to the original.

Rules match patterns against the normalised text and report spans in the original draft. OpenCC's
t2s conversion is character-for-character for nearly all text; when it (or lower-casing) changes
the length, we fall back to converting one character at a time and keep an index map, so a span
in the normalised text always maps back onto a valid span of the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.text import to_simplified

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, the ideographic space to a space: length-preserving.
# (Full-width punctuation is left alone unless the text also holds a character that needs folding.)
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0xFFE5] = ord("¥")  # full-width yen sign
_WIDTH[0x2018] = ord("'")
_WIDTH[0x2019] = ord("'")


@dataclass(frozen=True, slots=True)
class Normalized:
    """`text` is what patterns see; `index[i]` is the original offset of `text[i]` (None = same)."""

    original: str
    text: str
    index: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map [start, end) of the normalised text to [start, end) of the original."""
        if self.index is None:
            return start, end
        n = len(self.original)
        if start >= len(self.index):
            return n, n
        o_start = self.index[start]
        o_end = self.index[end] if end < len(self.index) else n
        if o_end < o_start:
            o_end = o_start
        return o_start, o_end


# Only full-width letters, digits and symbols need folding; full-width punctuation ("，！？") is
# matched as it is by the patterns, so most Chinese drafts skip the (slow) translate.
_NEEDS_WIDTH = re.compile("[\uff04\uff05\uff0b\uff10-\uff19\uff1d\uff21-\uff3a\uff41-\uff5a\uffe5\u2018\u2019\u3000]")


def _fold(text: str) -> str:
    if _NEEDS_WIDTH.search(text):
        text = text.translate(_WIDTH)
    return text.lower()


# Characters that change nothing a reader sees but split a phrase for a matcher ("无\u200b能为力"):
# zero-width spaces and joiners, direction marks, the soft hyphen, the BOM, variation selectors and
# combining marks. They are dropped before every tier.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff]")


# Markdown's emphasis and heading marks say nothing a reader hears ("退回 **36元**"): blanked, with
# spaces of the same length so that spans still map (the markup rule reads the draft itself).
_MARKS = re.compile(r"(\*\*|__)(?=\S)(?:(?!\1).)+?(?<=\S)\1|(?m:^[ \t]{0,3}#{1,6}(?=[ \t]))")


def _unmark(norm: Normalized) -> Normalized:
    text = norm.text
    if "**" not in text and "__" not in text and "#" not in text:
        return norm
    out = _MARKS.sub(lambda m: " " * len(m.group()) if m.group(1) is None else "  " + m.group()[2:-2] + "  ", text)
    return norm if out == text else Normalized(norm.original, out, norm.index)


def normalize(text: str) -> Normalized:
    """The matching form of `text` (see the module docstring)."""
    return _unmark(_normalize(text))


def _normalize(text: str) -> Normalized:
    if _INVISIBLE.search(text):
        return _slow(text)
    if text.isascii():
        low = text.lower()
        return Normalized(text, low)
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        return _slow(text)
    folded = _fold(simplified)
    if len(folded) != len(text):
        return _slow(text)
    return Normalized(text, folded)


def _slow(text: str) -> Normalized:
    parts: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if _INVISIBLE.match(ch):
            continue
        conv = _fold(to_simplified(ch)) if not ch.isascii() else ch.lower()
        parts.append(conv)
        index.extend([i] * len(conv))
    return Normalized(text, "".join(parts), tuple(index))
