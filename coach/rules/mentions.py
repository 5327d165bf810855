"""Benefits a text mentions, before anyone asks whether they are offered: sums (with their
currency and form: "20元代金券", "a $15 credit"), points, benefit and form words, discounts. The
longest reading claims its text first; offers.py then decides which mentions are offers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from coach.rules import lexicon as lx
from coach.rules.markers import Hit, Hits
from coach.rules.numerals import parse_number
from coach.rules.prefilter import REGISTRY


class Mention(NamedTuple):
    kind: str
    amount: float | None
    currency: str | None
    start: int
    end: int
    inherent: bool = False  # offered by its very wording (capitulation, sums)


def mentions_in(t: str, active: frozenset[int], hits: Hits) -> list[Mention]:
    """Every benefit mentioned in `t` (normalised), longest readings first: sums, amounts, points,
    benefit and form words, discounts. A later reading never overlaps an earlier one."""
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    if lx.SUM_G.id in active or lx.SUM_CUR_G.id in active:
        if any(e in t for e in lx.SUM_EQUALS):
            for pattern in (lx.SUM, lx.SUM_CUR):
                _sums(t, pattern.finditer(t), hits, taken, out)
    if lx.MONEY_BEFORE_G.id in active:
        _amounts(t, lx.MONEY_BEFORE.finditer(t), hits, taken, out)
    if lx.MONEY_AFTER_G.id in active:
        _amounts(t, lx.MONEY_AFTER.finditer(t), hits, taken, out)
    if lx.MONEY_WORDS_G.id in active:
        _amounts(t, lx.MONEY_WORDS.finditer(t), hits, taken, out)
    if lx.BARE_SUM_G.id in active:
        _bare(lx.BARE_SUM.finditer(t), taken, out)
    amounts = list(taken)  # form words next to an amount belong to it
    points: list[tuple[int, int]] = []  # and the bare 补偿 of points ("补偿您5000积分")
    if lx.POINTS_G.id in active:
        for m in lx.POINTS.finditer(t):
            if is_free(taken, m.start(), m.end()):
                taken.append((m.start(), m.end()))
                points.append((m.start(), m.end()))
                out.append(Mention("points", parse_number(m.group("n").rstrip(",.")), None, m.start(), m.end()))
    if hits.hits:
        for tag, kind in lx.WORD_KINDS:
            for h in hits.by_tag.get(tag, ()):
                near = amounts + points if kind == "money" else amounts
                if not is_free(taken, h.start, h.end) or _near_taken(t, near, h.start, h.end, kind):
                    continue
                taken.append((h.start, h.end))
                inherent = kind == "capitulation" or (kind in ("fee_waiver", "extra") and bool(lx.SELF_OFFERING.search(h.word)))
                out.append(Mention(kind, None, None, h.start, h.end, inherent=inherent))
    if lx.DISCOUNT_G.id in active:
        for m in lx.DISCOUNT.finditer(t):
            if is_free(taken, m.start(), m.end()):
                taken.append((m.start(), m.end()))
                out.append(Mention("discount", None, None, m.start(), m.end()))
    out.sort(key=lambda x: x.start)
    return out


def names_benefit(t: str) -> bool:
    """The normalised text mentions something to give (a sum, points, a benefit or form word, a
    discount) or a word that adds or totals ("再", "加咗", "as well", "in total")."""
    hits = Hits(lx.VOCAB.scan(t))
    if any("increment" in h.tags or "total" in h.tags for h in hits.hits):
        return True
    return bool(mentions_in(t, REGISTRY.active(t), hits))


def is_free(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    for a, b in taken:
        if e > a and s < b:
            return False
    return True


def _sums(t: str, matches: Iterable[re.Match[str]], hits: Hits, taken: list[tuple[int, int]], out: list[Mention]) -> None:
    for m in matches:
        result = lx.MONEY_AFTER.match(t, m.end()) or lx.MONEY_BEFORE.match(t, m.end())
        if result is None or not is_free(taken, m.start(), result.end()):
            continue
        amount, currency = money_value(result)
        if amount is None:
            continue
        kind, _ = _form_of(t, hits, result.start(), result.end())
        taken.append((m.start(), result.end()))
        out.append(Mention(kind, amount, currency, m.start(), result.end(), inherent=True))


def _amounts(t: str, matches: Iterable[re.Match[str]], hits: Hits, taken: list[tuple[int, int]], out: list[Mention]) -> None:
    for m in matches:
        if not is_free(taken, m.start(), m.end()):
            continue
        amount, currency = money_value(m)
        if amount is None:
            continue
        kind, form_end = _form_of(t, hits, m.start(), m.end())
        end = form_end or m.end()
        taken.append((m.start(), end))
        out.append(Mention(kind, amount, currency, m.start(), end))


def _bare(matches: Iterable[re.Match[str]], taken: list[tuple[int, int]], out: list[Mention]) -> None:
    """Sums without a unit (lexicon.BARE_SUM): money in no stated currency, offered by the giving
    verb before them or, in "500就500", by the acceptance itself."""
    for m in matches:
        group = "n" if m.group("n") else "same"
        start, end = m.start(group), m.end(group)
        if not is_free(taken, start, end):
            continue
        taken.append((start, end))
        out.append(Mention("money", parse_number(m.group(group)), None, start, end, inherent=group == "same"))


def _near_taken(t: str, taken: list[tuple[int, int]], s: int, e: int, kind: str) -> bool:
    """A form word or 补偿 next to an amount, in the same clause, belongs to that amount's offer
    ("20元代金券", "补偿20元", "refund the full $120"), and so does a gift word just before one."""
    if kind == "extra":  # "送您一张50元的优惠券": the gift is the voucher that follows
        return any(0 <= a - e <= 4 and not lx.CLAUSE_END.search(t, e, a) for a, _ in taken)
    if kind not in lx.MONEY_KINDS:
        return False
    for a, b in taken:
        if (0 <= s - b <= 6 and not lx.CLAUSE_END.search(t, b, s)) or (0 <= a - e <= 12 and not lx.CLAUSE_END.search(t, e, a)):
            return True
    return False


def money_value(m: re.Match[str]) -> tuple[float | None, str | None]:
    groups = m.groupdict()
    amount = parse_number(m.group("n").rstrip(",."))
    oth = groups.get("oth")
    if oth:
        if amount is not None and oth in lx.UNIT_MULTIPLIER:
            amount *= lx.UNIT_MULTIPLIER[oth]
        return amount, lx.OTHER_AFTER[oth]
    cur = (groups.get("cur") or "").strip()
    if groups.get("cny"):
        before = m.string[max(0, m.start() - 4):m.start()].rstrip()
        for word, currency in lx.CURRENCY_BEFORE_WORD.items():
            if before.endswith(word):
                return amount, currency
    if cur in lx.OTHER_BEFORE:
        return amount, lx.OTHER_BEFORE[cur]
    if groups.get("usd") or cur in lx.USD_MARKS:
        return amount, "USD"
    return amount, "CNY"


def _form_of(t: str, hits: Hits, start: int, end: int) -> tuple[str, int | None]:
    """The form of an amount and where its form word ends when it follows the amount: the nearest
    form word after it in the same clause ("20元代金券", "$20 store credit"), else the nearest one
    just before it ("代金券20元", "refund of $20"), else plain money."""
    forms = _forms(hits)
    if not forms:
        return "money", None
    # Only a short gap: "20元的代金券", "$20 store credit"; never across other words or amounts.
    gap = 4 if t[end:end + 1].isascii() else 3  # "$150 in store credit"
    best: tuple[Hit, str] | None = None
    for h, kind in forms:
        if end <= h.start <= end + gap and not lx.CLAUSE_END.search(t, end, h.start):
            if best is None or (h.start, -h.end) < (best[0].start, -best[0].end):
                best = (h, kind)
    if best is not None:
        return best[1], best[0].end
    for h, kind in forms:
        if start - 5 <= h.end <= start and not lx.CLAUSE_END.search(t, h.end, start):
            if best is None or (h.end, h.end - h.start) > (best[0].end, best[0].end - best[0].start):
                best = (h, kind)
    return (best[1], None) if best is not None else ("money", None)


def _forms(hits: Hits) -> list[tuple[Hit, str]]:
    """The form words among the hits, with their kind (computed once per text)."""
    if hits.forms is None:
        hits.forms = [(h, kind) for tag, kind in lx.FORM_TAGS.items() for h in hits.by_tag.get(tag, ())]
    return hits.forms

