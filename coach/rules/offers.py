"""find_offers: the concessions a text makes, with kind, amount, currency, mode and span.

An *offer* is a benefit (an amount of money in some form, a voucher, a refund, a replacement, a free
repair or visit, a fee waiver, an upgrade, or giving in to the demand) that the writer extends to
the reader: the clause holds an offer cue ("给您", "申请", "I'll") before it, no negation between
the cue and the benefit, and it is not the customer's own demand quoted back. Whether an offer is a
*new* concession (or a restatement) depends on the conversation and is decided in state.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from coach.rules import lexicon as lx
from coach.rules.normalize import Normalized, normalize_cached
from coach.rules.numerals import parse_number
from coach.rules.prefilter import REGISTRY

Mode = Literal["plain", "increment", "total", "restate"]


@dataclass(frozen=True, slots=True)
class FoundOffer:
    """One offer in a text. `span` is [start, end) in the ORIGINAL text; `evidence` its slice."""

    kind: str
    amount: float | None
    currency: str | None
    mode: Mode
    span: tuple[int, int]
    evidence: str

    @property
    def is_money(self) -> bool:
        return self.amount is not None and self.kind in lx.MONEY_KINDS


@dataclass(frozen=True, slots=True)
class _Mention:
    kind: str
    amount: float | None
    currency: str | None
    start: int
    end: int
    inherent: bool = False  # offered by its very wording (capitulation, sums)


def find_offers(text: str) -> list[FoundOffer]:
    """The offers `text` makes, in order of appearance (see the module docstring)."""
    return list(_find_offers_cached(text))


@lru_cache(maxsize=512)
def _find_offers_cached(text: str) -> tuple[FoundOffer, ...]:
    norm = normalize_cached(text)
    return tuple(_offers(norm))


def _offers(norm: Normalized) -> list[FoundOffer]:
    t = norm.text
    ends = [m.end() for m in lx.CLAUSE_END.finditer(t)]
    found: list[FoundOffer] = []
    for m in _mentions(t):
        c_start, c_end = _clause(ends, m.start, len(t))
        before = t[max(c_start, m.start - 40):m.start]
        after = t[m.end:c_end]
        if not m.inherent and not _offered(before, t[m.end:m.end + 12]):
            continue
        if m.kind == "capitulation" and _negated_right_before(before):
            continue
        mode = _mode(before, after, t[c_start:c_end], m)
        start, end = norm.span(m.start, m.end)
        found.append(FoundOffer(m.kind, m.amount, m.currency, mode, (start, end), norm.original[start:end]))
    return found


def _clause(ends: list[int], pos: int, n: int) -> tuple[int, int]:
    start = 0
    for e in ends:
        if e <= pos:
            start = e
        else:
            return start, e
    return start, n


def _offered(before: str, right_after: str) -> bool:
    cue_end = -1
    for cue in lx.CUE_BEFORE.finditer(before):
        if cue.end() >= cue_end:
            cue_end = cue.end()
            cue_start = cue.start()
    if cue_end < 0:
        if not lx.CUE_AFTER.match(right_after):
            return False
        cue_start = cue_end = len(before)
    # "要不再给您…" ("how about…") is not a negation.
    reach = 12 if before[max(0, cue_start - 1):cue_start + 1].isascii() else 4  # words are longer in English
    tail = before[max(0, cue_start - reach):].replace("要不", "  ")
    if lx.NEGATION.search(tail):
        return False
    demands = lx.DEMAND.finditer(before)
    demand = demands[-1] if demands else None
    if demand is None:
        return True
    # The customer's demand quoted back: only an agent cue after it makes it an offer again.
    return any(c.group() not in lx.WEAK_CUES for c in lx.CUE_BEFORE.finditer(before, demand.end()))


def _negated_right_before(before: str) -> bool:
    return bool(lx.NEGATION.search(before[-6:]))


def _mode(before: str, after: str, clause: str, m: _Mention) -> Mode:
    if lx.RESTATE.search(before) or lx.RESTATE.search(after[:12]):
        return "restate"
    if m.inherent and m.amount is not None:
        return "total"
    if lx.TOTAL.search(before):
        return "total"
    if lx.INCREMENT.search(before[-14:]):
        return "increment"
    return "plain"


def _mentions(t: str) -> list[_Mention]:
    """Every benefit mentioned in `t` (normalised), longest readings first: sums, amounts, points,
    benefits, forms of compensation, discounts. A later reading never overlaps an earlier one."""
    out: list[_Mention] = []
    active = REGISTRY.active(t)
    if not active:
        return out
    taken: list[tuple[int, int]] = []
    amounts: list[tuple[int, int]] = []  # spans of amounts, to which nearby form words belong
    for mp in lx.MENTIONS:
        if mp.gate.id not in active:
            continue
        role, kind = mp.role, mp.kind
        matches = mp.scanner.finditer(t)
        if role == "sum":
            if any(e in t for e in lx.SUM_EQUALS):
                _sums(t, matches, taken, out)
                amounts[:] = taken
        elif role == "money":
            _amounts(t, matches, taken, out)
            amounts[:] = taken
        else:
            for m in matches:
                s, e = m.start(), m.end()
                if not _free(taken, s, e) or _near_taken(amounts, s, e, kind):
                    continue
                taken.append((s, e))
                amount = parse_number(m.group("n").rstrip(",.")) if role == "points" else None
                inherent = kind == "capitulation" or (kind == "fee_waiver" and bool(lx.SELF_OFFERING.search(m.group())))
                out.append(_Mention(kind, amount, None, s, e, inherent=inherent))
    out.sort(key=lambda x: x.start)
    return out


def _free(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    for a, b in taken:
        if e > a and s < b:
            return False
    return True


def _sums(t: str, matches: Iterable[re.Match[str]], taken: list[tuple[int, int]], out: list[_Mention]) -> None:
    for m in matches:
        result = lx.MONEY_AFTER.match(t, m.end()) or lx.MONEY_BEFORE.match(t, m.end())
        if result is None:
            continue
        amount, currency = _money_value(result)
        if amount is None:
            continue
        kind = _form_near(t, result.start(), result.end())
        taken.append((m.start(), result.end()))
        out.append(_Mention(kind, amount, currency, m.start(), result.end(), inherent=True))


def _amounts(t: str, matches: Iterable[re.Match[str]], taken: list[tuple[int, int]], out: list[_Mention]) -> None:
    for m in matches:
        if not _free(taken, m.start(), m.end()):
            continue
        amount, currency = _money_value(m)
        if amount is None:
            continue
        kind = _form_near(t, m.start(), m.end())
        end = _form_right(t, m.end()) or m.end()
        taken.append((m.start(), end))
        out.append(_Mention(kind, amount, currency, m.start(), end))


def _near_taken(taken: list[tuple[int, int]], s: int, e: int, kind: str) -> bool:
    """A form word or 补偿 right next to an amount belongs to that amount's offer."""
    if kind not in lx.MONEY_KINDS:
        return False
    return any(0 <= s - b <= 3 or 0 <= a - e <= 6 for a, b in taken)


def _money_value(m: re.Match[str]) -> tuple[float | None, str | None]:
    groups = m.groupdict()
    amount = parse_number(m.group("n").rstrip(",."))
    if groups.get("usd") or groups.get("cur") in lx.USD_MARKS:
        return amount, "USD"
    return amount, "CNY"


def _form_right(t: str, end: int) -> int | None:
    """End of a form word right after an amount ("20元代金券", "$20 credit"), within the clause."""
    window = t[end:end + 14]
    for fm in lx.FORM_ANY.finditer(window):
        if not lx.CLAUSE_END.search(window[:fm.start()]):
            return end + fm.end()
        break
    return None


def _form_near(t: str, start: int, end: int) -> str:
    """The form of an amount: the nearest form word after it (same clause), else just before it."""
    right = t[end:end + 14]
    for fm in lx.FORM_ANY.finditer(right):
        if not lx.CLAUSE_END.search(right[:fm.start()]):
            return lx.form_kind(fm.group())
        break
    left = t[max(0, start - 14):start]
    found = lx.FORM_ANY.finditer(left)
    for fm in reversed(found):
        if not lx.CLAUSE_END.search(left[fm.end():]):
            return lx.form_kind(fm.group())
        break
    return "money"
