"""find_offers: the concessions a text makes, with kind, amount, currency, mode and span.

An *offer* is a benefit (an amount of money in some form, a voucher, a refund, a replacement, a free
repair or visit, a fee waiver, an upgrade, or giving in to the demand) that the writer extends to
the reader: the clause holds an offer cue ("给您", "申请", "I'll") before it, no negation between
the cue and the benefit, and it is not the customer's own demand quoted back. Whether an offer is a
*new* concession (or a restatement) depends on the conversation and is decided in state.py.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Literal, NamedTuple

from coach.datafiles import data_yaml
from coach.rules import lexicon as lx
from coach.rules.normalize import Normalized, normalize
from coach.rules.markers import Hit, Hits
from coach.rules.mentions import Mention, is_free, mentions_in, money_value
from coach.rules.prefilter import REGISTRY

Mode = Literal["plain", "increment", "total", "restate"]
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")


class FoundOffer(NamedTuple):
    """One offer in a text. `span` is [start, end) in the ORIGINAL text; `evidence` its slice."""

    kind: str
    amount: float | None
    currency: str | None
    mode: Mode
    span: tuple[int, int]
    evidence: str
    cue: int | None = None  # where its offer cue starts in the original text ("we're refunding … $640")

    @property
    def is_money(self) -> bool:
        return self.amount is not None and self.kind in lx.MONEY_KINDS


def find_offers(text: str) -> list[FoundOffer]:
    """The offers `text` makes, in order of appearance (see the module docstring)."""
    return _offers(normalize(text))


def amounts_in(norm_text: str) -> list[float]:
    """Every sum of money written in a normalised text, offered or not ("the 20 cny voucher")."""
    return [amount for amount, _ in money_in(norm_text)]


def money_in(norm_text: str) -> list[tuple[float, str]]:
    """Every sum of money written in a normalised text, with its currency, in order of appearance;
    a stretch read both ways ("$20 元") counts once."""
    return [(amount, currency) for amount, currency, _, _ in money_spans(norm_text)]


def money_spans(norm_text: str) -> list[tuple[float, str, int, int]]:
    """money_in() with each sum's [start, end) in the normalised text."""
    found: list[tuple[float, str, int, int]] = []
    for pattern in (lx.MONEY_BEFORE, lx.MONEY_AFTER, lx.MONEY_WORDS):
        for m in pattern.finditer(norm_text):
            amount, currency = money_value(m)
            if amount is not None and is_free([(s, e) for _, _, s, e in found], m.start(), m.end()):
                found.append((amount, currency or "CNY", m.start(), m.end()))
    return sorted(found, key=lambda x: x[2])


class MoneyMention(NamedTuple):
    """A sum of money written in a text, offered or not: amount, currency, form ("voucher",
    "refund", "money"...) and its [start, end) in the normalised text."""

    amount: float
    currency: str | None
    kind: str
    start: int
    end: int


def money_mentions(norm_text: str) -> list[MoneyMention]:
    """Every sum of money in a normalised text with the form it is written in, whoever says it and
    whether or not it is offered: the reading find_offers() starts from, for callers that judge
    the role of a sum themselves (the situation analysis reads the customer's sums this way)."""
    active = REGISTRY.active(norm_text)
    if active.isdisjoint(lx.MENTION_GATE_IDS):
        return []
    hits = Hits(lx.VOCAB.scan(norm_text))
    return [
        MoneyMention(m.amount, m.currency, m.kind, m.start, m.end)
        for m in mentions_in(norm_text, active, hits)
        if m.amount is not None and m.kind in lx.MONEY_KINDS
    ]


def find_offers_in(norm: Normalized) -> list[FoundOffer]:
    """find_offers() of a text already normalised (the validator's draft context)."""
    return _offers(norm)


def _offers(norm: Normalized) -> list[FoundOffer]:
    t = norm.text
    active = REGISTRY.active(t)
    if active.isdisjoint(lx.MENTION_GATE_IDS):
        return []  # no amount, benefit or form wording at all
    hits = Hits(lx.VOCAB.scan(t))
    mentions = mentions_in(t, active, hits)
    if not mentions:
        return []
    ends = clause_ends(t)
    found: list[FoundOffer] = []
    found_end: list[int] = []
    found_at: list[tuple[int, int, bool]] = []
    for m in mentions:
        c_start, c_end = _clause(ends, m.start, len(t))
        w_start = max(c_start, m.start - (60 if t[m.start:m.start + 1].isascii() else 40))
        before = hits.within(w_start, m.start, "")
        after = hits.within(m.end, m.end + 12, "")
        itself = m.inherent or _gives_itself(hits, m)
        cue = m.start if itself else _offered(t, before, after, w_start, m.start, m.end)
        if cue is None and m.amount is not None and _given_later(t, hits, m, c_end):
            # "给您办理全额退款，399元会原路退回": the amount of the refund offered before it. (A sum
            # given only in the passive, with no offer before it, is left alone: that is how
            # drafts restate where money already given goes, "这120元会原路退回".)
            blank = _amountless_before(found, found_end, t, m.start)
            if blank is not None:
                found[blank] = found[blank]._replace(amount=m.amount, currency=m.currency)
            continue
        if cue is None or (m.kind == "money" and m.amount is not None and _priced(t[c_start:m.start])):
            continue
        if m.kind == "capitulation" and any("negation" in h.tags and h.start >= m.start - 6 for h in before):
            continue
        mode = _mode(_own(before, mentions, m), after, m, min(c_end, m.end + 12))
        start, end = norm.span(m.start, m.end)
        found.append(FoundOffer(m.kind, m.amount, m.currency, mode, (start, end), norm.original[start:end],
                                norm.span(min(cue, m.start), m.end)[0]))
        found_end.append(m.end)
        found_at.append((m.start, c_end, not itself and cue == m.start and m.amount is not None))
    return _priced_then_given(found, found_at)


def _priced_then_given(found: list[FoundOffer], at: list[tuple[int, int, bool]]) -> list[FoundOffer]:
    """A sum with no offer cue before it, only a giving word after it, followed in its clause by a
    money offer without an amount ("这单300元的礼盒给您全额退款"): the sum is what that offer comes
    to, one offer, not two. `at`: per offer, where it starts and its clause ends (normalised), and
    whether it was cued only after."""
    out: list[FoundOffer] = []
    merged = False
    for k, o in enumerate(found):
        if merged:
            merged = False
            continue
        nxt = found[k + 1] if k + 1 < len(found) else None
        _, c_end, after_only = at[k]
        if (after_only and nxt is not None and nxt.kind in lx.MONEY_KINDS and nxt.amount is None
                and at[k + 1][0] < c_end):
            out.append(nxt._replace(amount=o.amount, currency=o.currency, cue=o.span[0]))
            merged = True
            continue
        out.append(o)
    return out


@lru_cache(maxsize=1)
def _price_before() -> re.Pattern[str]:
    return re.compile(data_yaml("rules", "implied_sums.yaml")["price_before"])


def _priced(before: str) -> bool:
    """The words just before a sum make it a price the customer pays ("at our repair price of
    $129", "at $29.99 each"), not a sum given."""
    return bool(_price_before().search(before))


def _amountless_before(found: list[FoundOffer], ends: list[int], t: str, pos: int) -> int | None:
    """The last offer found before `pos` (normalised) in the same sentence that is money in some
    form without an amount, if any. `ends`: where each found offer ends in the normalised text."""
    for k in range(len(found) - 1, -1, -1):
        o = found[k]
        if o.kind in lx.MONEY_KINDS and o.amount is None and not _SENTENCE_END.search(t, ends[k], pos):
            return k
    return None


def _gives_itself(hits: Hits, m: Mention) -> bool:
    """A sum whose form word is itself the giving ("运费15元退给您"): the cue lies inside the
    mention, and no negation does."""
    if m.amount is None:
        return False  # "补偿" is both a benefit and a cue word: a bare benefit needs a cue of its own
    inside = hits.within(m.start, m.end, "")
    return any("cue" in h.tags and h.start > m.start for h in inside) and not any("negation" in h.tags for h in inside)


def _given_later(t: str, hits: Hits, m: Mention, c_end: int) -> bool:
    """A sum named first and given later in its clause, in the passive ("399元会原路退回到您的账户",
    "$120 will be credited to your card"), when the sum is not the customer's own ("您的200元")."""
    if lx.POSSESSED.search(t[max(0, m.start - 20):m.start]):
        return False
    later = [h for h in hits.within(m.start, min(c_end, m.end + 40), "") if h.start > m.start]
    return any("cue_later" in h.tags for h in later) and not any("negation" in h.tags for h in later)


def _own(before: list[Hit], mentions: list[Mention], m: Mention) -> list[Hit]:
    """The hits before mention m that are its own: a sum mentioned in between takes the words
    before it ("在之前30元的基础上再补40元": "之前" is the 30's, not the 40's)."""
    between = [x.end for x in mentions if x.amount is not None and x.end <= m.start]
    if m.amount is None or not between:
        return before
    last = max(between)
    return [h for h in before if h.start >= last]


def clause_ends(t: str) -> list[int]:
    """Offsets just past each clause end ("1,000" and "2.5" do not end a clause)."""
    ends = []
    for m in lx.CLAUSE_END.finditer(t):
        i = m.start()
        ch = t[i]
        if ch == "," and t[i + 1:i + 4].isdigit() and len(t[i + 1:i + 4]) == 3:
            continue
        if ch == "," and t[i - 1:i].isdigit() and t[i + 1:i + 3].isdigit() and not t[i + 3:i + 4].isdigit():
            continue  # a decimal comma: "€ 120,00"
        if ch == "." and i + 1 < len(t) and not t[i + 1].isspace():
            continue
        ends.append(i + 1)
    return ends


def _clause(ends: list[int], pos: int, n: int) -> tuple[int, int]:
    i = bisect_right(ends, pos)
    return (ends[i - 1] if i else 0), (ends[i] if i < len(ends) else n)


def _offered(t: str, before: list[Hit], after: list[Hit], w_start: int, m_start: int, m_end: int) -> int | None:
    """Where the offer's cue starts, when there is an offer cue before the benefit (or a giving
    word right after it), no negation on the way, and it is not the customer's demand quoted
    back; else None. `before`/`after`: the marker hits around it."""
    cues = [h for h in before if "cue" in h.tags]
    if cues:
        cue_start = max(cues, key=lambda h: (h.end, -h.start)).start
    elif any("cue_after" in h.tags and h.start <= m_end + 3 for h in after):
        cue_start = m_start
    else:
        return None
    # English words are longer: look further back for "can't" before "offer".
    reach = 12 if t[max(0, cue_start - 1):cue_start + 1].isascii() else 4
    low = max(w_start, cue_start - reach)
    for h in before:
        if "negation" in h.tags and h.start >= low:
            if not (h.word.startswith("不") and t[h.start - 1:h.start] == "要"):  # "要不再给您…": how about
                return None
    demands = [h for h in before if "demand" in h.tags]
    if not demands:
        return cue_start
    demand_end = max(h.end for h in demands)
    mine = any("cue" in h.tags and h.start >= demand_end and h.word not in lx.WEAK_CUES for h in before)
    return cue_start if mine else None


def _mode(before: list[Hit], after: list[Hit], m: Mention, a_end: int) -> Mode:
    for h in before:
        if "restate" in h.tags or "restate_before" in h.tags:
            return "restate"
    for h in after:
        if h.end <= a_end and ("restate" in h.tags or "restate_after" in h.tags):
            return "restate"
    if m.inherent and m.amount is not None:
        return "total"
    if any("total" in h.tags for h in before):
        return "total"
    if any("increment" in h.tags and h.start >= m.start - 14 for h in before):
        return "increment"
    return "plain"
