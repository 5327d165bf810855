"""Repair of text garbled by a one-byte misalignment of GBK bytes. Pure, given a text scorer.

A scraped page lost one byte inside a two-byte GBK character; from there each character was read
from the second byte of one real character and the first byte of the next, until an ASCII byte
put the reader back in step. The bytes are all still there, shifted, so most of the run comes back
by reading it again one byte later ("淖鳂I" -> "作業"). Four kinds of repair follow from the bytes:

1. **Re-reading one byte later** recovers the characters of the run.
2. **A lost character whose second byte is known.** The run's first byte is the second byte of the
   character the misalignment broke; its first byte is gone. The candidates are the GBK characters
   that end in that byte ("?" + a3 could be "。", "常", "厂", ...); the scorer picks the one that
   reads best between its neighbours.
3. **A full-width "？" before the run.** After two "?", the second one is the misread pair a3 bf:
   its second byte is the first byte of the run's first real character ("可" of "可以", "客" of
   "客戶"); its a3 is the second byte of the lost character of repair 2.
4. **A pair the scraper dropped.** A misread pair that falls in GBK's user-defined area (first
   byte aa-af or f8-fe) decodes to a private-use character, which the scraper threw away. When the
   re-read run holds a character the page would not hold (a full-width digit or letter in prose,
   "０"; a Simplified-only character in a Traditional page, "执"), it was two real characters split
   around such a pair: the dropped pair is put back, the scorer choosing its bytes ("０" -> "，“",
   "执" -> "著按").
5. **A last byte lost before a tag remnant** ("...蛻?/span>"): the last character's first byte is
   known, the candidates for its second byte are scored like repair 2.

The scorer compares readings of equal length, in a window of the neighbouring text; a character
the rest of the document uses gets a bonus (a cache model: a page repeats its own words, "談談"
over "談獎", "客戶" over "客户" in a page that writes 戶).
"""

from __future__ import annotations

import re
import math
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from coach.text import to_traditional


class TextScorer(Protocol):
    def score(self, text: str) -> float:
        """Log-likelihood of the text; higher reads better."""
        ...

    def knows(self, char: str) -> bool:
        """True when the character is an ordinary one of the language (a candidate at all)."""
        ...


HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PROSE_MARKS = "\u201c\u201d\u2018\u2019\u300c\u300d\u300e\u300f\uff0c\u3002\u3001\uff1a\uff1b\uff01\uff1f\uff08\uff09\u300a\u300b"
_PROSE = re.compile(rf"[{HAN}{PROSE_MARKS}]")
_ALIEN = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")  # full-width digits and letters
_USER_LEADS = tuple(range(0xAA, 0xB0)) + tuple(range(0xF8, 0xFF))
_LEADS = range(0x81, 0xFF)
_TRAILS = tuple(range(0x40, 0x7F)) + tuple(range(0x80, 0xFF))
QUESTION_PAIR = b"\xa3\xbf"  # GBK's full-width "？"
SHORTLIST = 12  # options kept for the full window
CONTEXT = 4  # characters of neighbouring text on each side of a scored reading


@dataclass(frozen=True)
class Garbled:
    """A garbled run as the cleaner found it."""

    question_marks: int  # the "?" glued before it
    run: str  # its non-ASCII characters
    last: str  # the orphaned ASCII byte after it ("" when a tag remnant follows)
    before: str  # neighbouring text
    after: str
    seen: Mapping[str, int] = field(default_factory=dict)  # how often the document uses each character
    traditional: bool = False  # the document is written in Traditional characters


def char(first: int, second: int) -> str | None:
    """The GBK character of two bytes; None for an invalid pair or a private-use one."""
    try:
        c = bytes((first, second)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return c if len(c) == 1 and not "\ue000" <= c <= "\uf8ff" else None


def _prose(c: str | None, lm: TextScorer) -> bool:
    return c is not None and _PROSE.fullmatch(c) is not None and lm.knows(c)


@lru_cache(maxsize=4096)
def _simplified_only(c: str) -> bool:
    return to_traditional(c) != c


def _suspect(c: str, traditional: bool) -> bool:
    """A character the text around it would not hold: a full-width digit or letter in prose, or
    a Simplified-only character in a Traditional page."""
    return _ALIEN.fullmatch(c) is not None or (traditional and _simplified_only(c))


@lru_cache(maxsize=2048)
def _candidates(kind: str, byte: int, lm: TextScorer, traditional: bool) -> list[str]:
    """The prose characters the code page allows around one known byte: a table of GBK, the same
    for every document, so each (kind, byte) is worked out once per scorer. Kinds: the characters
    whose "second_byte" or "first_byte" it is; those whose first byte it is, ending in a
    user-defined lead ("ends_before_user_pair"); those starting with a byte of a1-fe and ending in
    it ("starts_after_user_pair"), Simplified-only ones left out of a Traditional page."""
    if kind == "second_byte":
        return [c for lead in _LEADS if _prose(c := char(lead, byte), lm)]
    if kind == "first_byte":
        return [c for trail in _TRAILS if _prose(c := char(byte, trail), lm)]
    if kind == "ends_before_user_pair":
        found = (char(byte, lead) for lead in _USER_LEADS)
    else:
        found = (char(trail, byte) for trail in range(0xA1, 0xFF))
    return [c for c in found if _prose(c, lm) and not _suspect(c, traditional)]  # type: ignore[arg-type]


def _pairs(data: bytes) -> list[str] | None:
    out = []
    for i in range(0, len(data) - 1, 2):
        c = char(data[i], data[i + 1])
        if c is None:
            return None
        out.append(c)
    return out


def _best(options: list[str], left: str, right: str, lm: TextScorer, seen: Mapping[str, int]) -> str:
    """The option that reads best in its window; many options are first cut down to the few that
    read best beside their nearest neighbours (the same choice, at a fraction of the cost)."""

    def value(o: str, context: int) -> float:
        bonus = sum(math.log1p(seen.get(c, 0)) for c in o)
        return lm.score(left[len(left) - context:] + o + right[:context]) + bonus

    if len(options) > SHORTLIST:
        options = sorted(options, key=lambda o: value(o, 1), reverse=True)[:SHORTLIST]
    return max(options, key=lambda o: value(o, CONTEXT))


def _split(chars: list[str], pairs: list[tuple[int, int]], at: int, left: str, right: str,
           lm: TextScorer, seen: Mapping[str, int], traditional: bool) -> str:
    """Repair 4: the best two real characters around a dropped user-defined pair (or the char)."""
    a, b = pairs[at]
    firsts = _candidates("ends_before_user_pair", a, lm, traditional)
    seconds = _candidates("starts_after_user_pair", b, lm, traditional)
    if not firsts or not seconds:
        return chars[at]
    before = left + "".join(chars[:at])
    after = "".join(chars[at + 1:]) + right
    # Each half scored against its own neighbour first, then the few best together.
    firsts = sorted(firsts, key=lambda c: lm.score(before[-CONTEXT:] + c), reverse=True)[:4]
    seconds = sorted(seconds, key=lambda c: lm.score(c + after[:CONTEXT]), reverse=True)[:6]
    return _best([f + s for f in firsts for s in seconds], before, after, lm, seen)


def _reading(data: bytes, g: Garbled, lm: TextScorer) -> str | None:
    """Repairs 1, 2, 4 and 5 over the run's bytes (already prefixed by repair 3's pair if any)."""
    orphan, body = data[0], data[1:]
    tail_lead = None
    if len(body) % 2:
        if g.last:
            return None
        tail_lead, body = body[-1], body[:-1]
    chars = _pairs(body)
    if chars is None or not chars and tail_lead is None:
        return None
    pairs = [(body[i], body[i + 1]) for i in range(0, len(body), 2)]
    for at, c in enumerate(chars):
        if _suspect(c, g.traditional):
            chars[at] = _split(chars, pairs, at, g.before, g.after, lm, g.seen, g.traditional)
    text = "".join(chars)
    lost = _candidates("second_byte", orphan, lm, False)
    text = (_best(lost, g.before, text, lm, g.seen) if lost else "") + text
    if tail_lead is not None:
        last = _candidates("first_byte", tail_lead, lm, False)
        text += _best(last, g.before + text, g.after, lm, g.seen) if last else ""
    return text


def repair(g: Garbled, lm: TextScorer) -> str | None:
    """The run as it was written, or None when its bytes do not read as prose."""
    try:
        data = g.run.encode("gb18030") + g.last.encode("ascii")
    except UnicodeEncodeError:
        return None
    if g.question_marks >= 2:
        data = QUESTION_PAIR + data
    text = _reading(data, g, lm)
    if not text or not all(_PROSE.fullmatch(c) for c in text):
        return None
    return text
