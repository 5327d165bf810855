"""Units of a normalised text: what the semantic tier classifies and reports as spans.

Two granularities, both scored: clauses (ended by any clause or sentence mark; a piece too short to
mean anything alone, such as "好的，" or "Fine,", is joined to the next) and sentences (ended by
。！？；, ! ? ; a line break, or a full stop before a space), a sentence being cut at its clause
marks into runs of at most MAX_HAN Chinese characters or MAX_WORDS English words. A meaning spread
over a sentence ("我也想多给您一些，可惜额度卡得很死") is read whole; one buried in a clause of a
long reply is read alone. "1,000" and "2.5" end nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from coach.datafiles import data_yaml

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[，,、：:…]+")
_ANY_END = re.compile(r"[。！？!?；;\n，,、：:…]+|\.(?=\s|$)")
_HAN = re.compile(r"[\u3400-\u9fff]")
_GAPS = re.compile(r"[ \t]{2,}")
_ITEM_NUMBER = re.compile(r"(?:^|\n)[ \t]*\d{1,2}$")
MAX_HAN = 36
MAX_WORDS = 22


class Clause(NamedTuple):
    """[start, end) of one unit in the normalised text, and its text (stripped). `lead` is the
    lead-in a list item continues ("为您处理如下：" before "- 退回话费36元"): the heads read
    `reading`, the lead-in and the item together."""

    start: int
    end: int
    text: str
    lead: str = ""
    tail: bool = False  # what follows a short piece joined in front of it (led_tail)

    @property
    def reading(self) -> str:
        text = self.lead + self.text if self.lead else self.text
        return _GAPS.sub(" ", text) if "  " in text else text

    def within(self, other: Clause) -> bool:
        return other.start <= self.start and self.end <= other.end


def _pieces(text: str, start: int, end: int, marks: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    pos = start
    for m in marks.finditer(text, start, end):
        i = m.start()
        if text[i] in ",." and text[i + 1:i + 2].isdigit() and text[i - 1:i].isdigit():
            continue  # 1,000 and 2.5
        if text[i] in ".)、" and _ITEM_NUMBER.search(text, 0, i):
            continue  # "1. " numbering a list item
        out.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def _size(text: str) -> tuple[int, int]:
    return len(_HAN.findall(text)), len(text.split())


def _long(text: str) -> bool:
    han, words = _size(text)
    return han > MAX_HAN if han else words > MAX_WORDS


def split_units(text: str) -> tuple[Clause, ...]:
    """The clauses of `text`, then its sentences that hold more than one clause, then the parts of
    coordinated clauses (see the module docstring); empty text gives none."""
    clauses = split_clauses(text)
    sentences = [s for s in split_sentences(text) if sum(c.within(s) for c in clauses) > 1]
    parts = [p for c in clauses for p in coordinated_parts(text, c) + led_tail(text, c)]
    units = clauses + tuple(sentences) + tuple(parts)
    items = list_items(text) if "\n" in text else ()
    if not items:
        return units
    return tuple(_led(u, items) for u in units)


_BULLET = re.compile(r"(?:[-*+•·▪●◦]|\d{1,2}[.)、])[ \t]+(?=\S)")
_LEAD_END = re.compile(r"[:：][ \t]*$")
_LAST_CLAUSE = re.compile(r"[^。！？!?；;，,]*$")


def list_items(text: str) -> tuple[tuple[int, int, str], ...]:
    """The lines of a list that follows a lead-in ending with a colon ("我们已为您处理：" then
    "- 升等房型" / "* 加赠一晚"), as (start, end, lead-in clause). Blank lines do not end the list;
    any other line does."""
    out: list[tuple[int, int, str]] = []
    lead = ""
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        body = line.strip()
        if not body:
            continue
        if lead and _BULLET.match(body):
            out.append((start, start + len(line), lead))
            continue
        lead = ""
        if _LEAD_END.search(body):
            lead = _LAST_CLAUSE.search(body.rstrip(" \t:：")).group().strip() + "："
    return tuple(out)


def _led(unit: Clause, items: tuple[tuple[int, int, str], ...]) -> Clause:
    for start, end, lead in items:
        if start <= unit.start and unit.end <= end:
            return unit._replace(lead=lead)
    return unit


@lru_cache(maxsize=1)
def _coordination() -> re.Pattern[str]:
    words = data_yaml("rules", "coordination.yaml")
    zh = "|".join(re.escape(w) for w in sorted(words["zh"], key=len, reverse=True))
    en = "|".join(re.escape(w) for w in sorted(words["en"], key=len, reverse=True))
    return re.compile(rf"(?:{zh})|(?<=\s)(?:{en})\b")


def coordinated_parts(text: str, clause: Clause) -> list[Clause]:
    """A clause joined by a coordinating word ("…费用，并且额外赠送…", "refund x and add y") as its
    two parts, when both are long enough to mean something alone; else nothing."""
    for m in _coordination().finditer(text, clause.start, clause.end):
        # an English coordinating word is not one of the words a part needs ("and other customers"
        # is a noun phrase's tail); Chinese parts are measured in characters, the word's included
        left = text[clause.start:m.start()]
        right = text[m.end() if m.group(0).isascii() else m.start():clause.end]
        if _meaningful(left) and _meaningful(right):
            out: list[Clause] = []
            _add(out, text, clause.start, m.start())
            _add(out, text, m.start(), clause.end)
            return out
    return []


def led_tail(text: str, clause: Clause) -> list[Clause]:
    """A clause that a short piece was joined to ("很抱歉，复水费用我们不收"): what follows that
    piece, read alone too (an apology or a "好的" in front blurs what the rest says), when it is
    long enough to mean something alone; else nothing."""
    pieces = _pieces(text, clause.start, clause.end, _CLAUSE_END)
    if len(pieces) < 2 or _meaningful(text[pieces[0][0]:pieces[0][1]].rstrip("，,、：:… ")):
        return []
    start = pieces[1][0]
    if not _meaningful(text[start:clause.end]):
        return []
    out: list[Clause] = []
    _add(out, text, start, clause.end)
    return [c._replace(tail=True) for c in out]


def _meaningful(piece: str) -> bool:
    han, words = _size(piece.strip())
    return han >= _MIN_HAN if han else words >= _MIN_WORDS


_MIN_HAN = 5
_MIN_WORDS = 3


def split_clauses(text: str) -> tuple[Clause, ...]:
    """Clauses; a short piece is joined to the next one of its sentence, or, when it ends the
    sentence ("right now."), to the one before it."""
    out: list[Clause] = []
    carry: int | None = None
    pieces = _pieces(text, 0, len(text), _ANY_END)
    for n, (start, end) in enumerate(pieces):
        if carry is not None:
            start, carry = carry, None
        body = text[start:end].strip()
        han, words = _size(body)
        short = (han < _MIN_HAN if han else words < _MIN_WORDS) and any(ch.isalnum() for ch in body)
        if short and _SENTENCE_END.search(body[-1:] if body else "") and out and _same_sentence(text, out[-1].end, start):
            last = out.pop()
            _add(out, text, last.start, end)
            continue
        if short and n < len(pieces) - 1 and not _SENTENCE_END.search(body[-1:] if body else ""):
            carry = start
            continue
        _add(out, text, start, end)
    return tuple(out)


def _same_sentence(text: str, end: int, start: int) -> bool:
    """No sentence mark ends the text before `end` (the previous clause's end)."""
    return not _SENTENCE_END.search(text[max(0, end - 1):end])


def split_sentences(text: str) -> tuple[Clause, ...]:
    """Sentences, long ones cut into runs of clauses."""
    out: list[Clause] = []
    for s_start, s_end in _pieces(text, 0, len(text), _SENTENCE_END):
        if not _long(text[s_start:s_end]):
            _add(out, text, s_start, s_end)
            continue
        run_start = None
        run_end = s_start
        for c_start, c_end in _pieces(text, s_start, s_end, _CLAUSE_END):
            if run_start is not None and _long(text[run_start:c_end]):
                _add(out, text, run_start, run_end)
                run_start = None
            if run_start is None:
                run_start = c_start
            run_end = c_end
        if run_start is not None:
            _add(out, text, run_start, run_end)
    return tuple(out)


def _add(out: list[Clause], text: str, start: int, end: int) -> None:
    raw = text[start:end]
    body = raw.strip()
    if not body or not any(ch.isalnum() for ch in body):
        return
    lead = len(raw) - len(raw.lstrip())
    if text[:start + lead].rstrip(" \t").endswith("\n") or not text[:start + lead].strip():
        mark = _BULLET.match(body)  # a list item's mark is not part of what it says
        if mark and any(ch.isalnum() for ch in body[mark.end():]):
            lead += mark.end()
            body = body[mark.end():]
    out.append(Clause(start + lead, start + lead + len(body), body))
