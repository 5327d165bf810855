"""Sums a draft gives without writing them: a share of a price ("全额退款", "refund half the fare",
"退您三成") or a monthly sum for a number of months ("接下来三个月的月租给您免掉，每月59元").

Pure functions over normalised text; the wordings are data (coach/data/rules/implied_sums.yaml).
The price a share is taken of is the largest sum the sentence itself names, else the latest price
the customer named (a sum with its currency, or a number after "I paid" / "我花了"), never the
customer's own demand. over_authority compares what these come to with the cap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from coach.datafiles import data_yaml
from coach.rules.numerals import parse_english, parse_number
from coach.rules.offers import money_in, money_spans

Sum = tuple[float, str | None]  # amount, currency (None: not written)
_CLAUSE_END = re.compile(r"[。！？!?；;，,]\s*|\.\s+")


class _Patterns(NamedTuple):
    shares: tuple[tuple[str, re.Pattern[str]], ...]
    monthly_before: re.Pattern[str]
    monthly_after: re.Pattern[str]
    months: re.Pattern[str]
    paid: re.Pattern[str]
    bare_price: re.Pattern[str]
    not_price_before: re.Pattern[str]
    demand: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    raw = data_yaml("rules", "implied_sums.yaml")
    return _Patterns(
        tuple((name, re.compile(p)) for name, p in raw["shares"].items()),
        *(re.compile(raw[k]) for k in ("monthly_before", "monthly_after", "months", "paid", "bare_price",
                                       "not_price_before", "demand")),
    )


def share_of(norm: str) -> float | None:
    """The share of a price the text gives: 1.0 for the whole, 0.5 for half, 0.3 for "三成" or
    "30%", 0.5 for "打五折" (half is given back), 2.0 for double; None when it names none."""
    for name, pattern in _patterns().shares:
        m = pattern.search(norm)
        if m is None:
            continue
        if name == "full":
            return 1.0
        if name == "half":
            return 0.5
        if name == "double":
            return 2.0
        if name == "tenths":
            value = parse_number(m.group("tenths"))
            return None if value is None else value / 10
        if name == "discount":
            value = parse_number(m.group("zhe"))
            return None if value is None or value >= 10 else 1 - value / 10
        pct = m.group("pct") or m.group("pct_cn") or m.group("pct_en")
        value = parse_number(pct)
        return None if value is None or value > 200 else value / 100
    return None


def monthly_total(norm: str) -> Sum | None:
    """A monthly sum times the months counted in the same text ("三个月…每月59元": 177), else None."""
    p = _patterns()
    months = p.months.search(norm)
    if months is None:
        return None
    n = parse_number(months.group("n")) if months.group("n") else parse_english(months.group("n_en"))
    if not n or n < 2:
        return None
    for amount, currency, start, end in money_spans(norm):
        before = norm[max(0, start - 6):start]
        after = norm[end:end + 12]
        if p.monthly_before.search(before) or p.monthly_after.match(after.lstrip()):
            return amount * n, currency
    return None


def prices_named(norm: str) -> list[Sum]:
    """The prices a customer's text names, in order: sums with a currency and numbers after a
    paying word, else numbers written alone that read as prices (not a count, a time or an id); a
    sum their demand names ("我要求赔1000块") is not a price."""
    p = _patterns()
    found = [(start, amount, currency) for amount, currency, start, _ in money_spans(norm)
             if not p.demand.search(norm[max(0, start - 8):start])]
    taken = {start for start, _, _ in found}
    for m in p.paid.finditer(norm):
        value = parse_number(m.group("n"))
        if value is not None and not any(abs(m.start("n") - s) <= 2 for s in taken):
            found.append((m.start("n"), value, None))
    if not found:  # a number written alone, when the turn names no price otherwise ("一晚 6,800")
        for m in p.bare_price.finditer(norm):
            before = norm[max(0, m.start() - 8):m.start()]
            value = parse_number(m.group("n"))
            if value is not None and not p.not_price_before.search(before) and not p.demand.search(before):
                found.append((m.start(), value, None))
    return [(amount, currency) for _, amount, currency in sorted(found)]


def implied_sums(sentence: str, context: Sequence[str] = (), *, refunds: bool = False) -> list[Sum]:
    """What a sentence that gives something comes to when it gives a share of a price or a
    monthly sum for months (normalised texts; `context`: the customer's turns, oldest first).
    `refunds`: the sentence refunds without a figure ("这笔648元的充值给您原路退款"): with no
    share named, the whole of the price the sentence names is given back."""
    out: list[Sum] = []
    monthly = monthly_total(sentence)
    if monthly is not None:
        out.append(monthly)
    share, clause = share_in(sentence)
    if share is None:
        own = money_in(sentence)
        if refunds and own:
            out.append(max(own, key=lambda s: s[0]))
        return out
    in_clause = money_in(clause)
    if in_clause:
        price = max(in_clause, key=lambda s: s[0])  # "这单300元的礼盒给您全额退款"
    elif money_in(sentence):
        return out  # sums elsewhere in the sentence: which one the share is of is not said
    else:
        named = [s for text in context for s in prices_named(text)]
        if not named:
            return out
        price = named[-1]
    out.append((price[0] * share, price[1]))
    return out


def share_in(sentence: str) -> tuple[float | None, str]:
    """share_of() for the first clause of a sentence that names a share, and that clause."""
    for clause in _CLAUSE_END.split(sentence):
        share = share_of(clause)
        if share is not None:
            return share, clause
    return None, ""
