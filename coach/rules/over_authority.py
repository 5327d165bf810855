"""over_authority: a draft that offers money above `policy.max_compensation` (alone, or as the
standing amount it leads to), gives a share of a price or a monthly sum for months that comes to
more (implied.py), grants a sum above it in a clause the grant head reads, or gives in without a
figure ("您说多少就多少") while a ceiling exists. Amounts in another currency than the policy's are
not compared (no rates here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.rules.base import violation
from coach.rules.concession import units_read
from coach.rules.context import CONTEXT_MARGIN
from coach.rules.implied import implied_sums, monthly_total
from coach.rules.lexicon import INCREMENT, TOTAL
from coach.rules.messages import wording
from coach.rules.normalize import normalize
from coach.rules.offers import money_in
from coach.rules.restating import restates_figures
from coach.types import Severity, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext

_EPS = 0.005
_TOTAL = re.compile(TOTAL)
_INCREMENT = re.compile(INCREMENT)


def _on_top(unit: str, around: str) -> bool:
    """The granting unit says it gives more ("再退多$250", "plus another $100", "we'll also cover
    the taxis"), as the offer reader reads an increment, and the text that names the sum does not
    call it the new total ("一共", "in total"). (A sum named in another clause of the sentence, "我
    每單最多只可以賠$150，已經幫你申請咗最高嗰個", is not more on top.)"""
    return bool(_INCREMENT.search(unit)) and not _TOTAL.search(around)


# "元" reads as the local unit in Taiwan and Hong Kong too, and a bare "$" as the local dollar.
_YUAN = {"CNY", "TWD", "HKD", "MOP"}
_DOLLAR = {"USD", "AUD", "CAD", "HKD", "TWD", "SGD", "NZD"}


def same_currency(offer: str | None, policy: str) -> bool:
    """Whether an amount the reader tagged `offer` can be compared with a `policy` amount."""
    policy = policy.upper()
    if offer is None or offer == policy:
        return True
    return (offer == "CNY" and policy in _YUAN) or (offer == "USD" and policy in _DOLLAR)


@dataclass(frozen=True)
class OverAuthority:
    id: str = "over_authority"
    severity: Severity = "block"

    def check(self, ctx: DraftContext) -> list[Violation]:
        cap = ctx.policy.max_compensation
        if cap is None:
            return []
        out: list[Violation] = []
        if not any(j.offer.kind == "capitulation" for j in ctx.judged):
            for i in ctx.flagged("capitulation"):
                message, hint = wording(self.id, "open", ctx.reader_script)
                out.append(violation(self.id, self.severity, message, hint, ctx.draft, ctx.span(ctx.clauses[i])))
        for j in ctx.judged:
            o = j.offer
            if o.kind == "capitulation":
                message, hint = wording(self.id, "open", ctx.reader_script)
                out.append(violation(self.id, self.severity, message, hint, ctx.draft, o.span))
                continue
            if not o.is_money or not same_currency(o.currency, cap.currency):
                continue
            assert o.amount is not None
            over_single = o.amount > cap.amount + _EPS
            over_total = j.concession and j.standing_after is not None and j.standing_after > cap.amount + _EPS
            if over_single or over_total:
                message, hint = wording(self.id, "default", ctx.reader_script)
                out.append(violation(self.id, self.severity, message, hint, ctx.draft, o.span))
        out += self._granted_above(ctx, cap.amount, cap.currency, [v.span for v in out])
        return out + self._implied_above(ctx, cap.amount, cap.currency, [v.span for v in out])

    def _implied_above(self, ctx: DraftContext, cap: float, currency: str, taken: list) -> list[Violation]:
        """A sentence that gives a share of a price or a monthly sum for months (implied.py) whose
        sum passes the cap: the sentence holds a new concession or a unit the grant head flags."""
        granted = {ctx.sentence_of(i)[:2] for i in ctx.flagged("grant")}  # (start, end) of each sentence
        context: list[str] | None = None
        out: list[Violation] = []
        for i, unit in enumerate(ctx.clauses):
            if ctx.parents and ctx.parents[i] >= 0:
                continue  # sentences only
            span = ctx.span(unit)
            new = [j.offer for j in ctx.judged if j.concession and j.offer.kind != "capitulation"
                   and span[0] <= j.offer.span[0] < span[1]]
            if not new and unit[:2] not in granted:
                continue
            if ctx.quoted(unit.start, unit.end) or any(s < span[1] and span[0] < e for s, e in taken):
                continue
            if new and all(o.amount is not None for o in new) and monthly_total(unit.text) is None:
                continue  # the sums given are written ("全部退给您50元"): the reader has judged them
            if context is None:
                context = [normalize(t.text).text for t in ctx.turns if t.role == "customer"]
            refunds = any(o.kind == "refund" and o.amount is None for o in new)
            sums = implied_sums(unit.text, context, refunds=refunds)
            if any(a > cap + _EPS and same_currency(c, currency) for a, c in sums):
                message, hint = wording(self.id, "default", ctx.reader_script)
                out.append(violation(self.id, self.severity, message, hint, ctx.draft, span))
                taken.append(span)
        return out


    def _granted_above(self, ctx: DraftContext, cap: float, currency: str, taken: list) -> list[Violation]:
        """The semantic reading: a unit the grant head flags that names a sum above the cap, or,
        when the unit names none, a sentence around it that names exactly one ("我们全部退给您，
        一共2399元"), or the next sentence that tells its sum (_told_next). Units the lexical reader
        judged with a sum are left to it; those it read without one may still take the next
        sentence's."""
        read = units_read(ctx, ctx.judged) if ctx.lexical else set()
        # units the reader judged with a sum of their own; the others it read without a figure
        summed = units_read(ctx, tuple(j for j in ctx.judged if j.offer.amount is not None)) if ctx.lexical else set()
        out: list[Violation] = []
        for i in ctx.flagged("grant"):
            unit = ctx.clauses[i]
            if i in summed or ctx.quoted(unit.start, unit.end) or ctx.reported(i, "grant") or restates_figures(ctx, unit.text):
                continue
            sums: list[tuple[float, str]] = []
            span = ctx.span(unit)
            parent = ctx.parents[i] if ctx.parents else -1
            if i not in read:
                sums = money_in(unit.text)
                if not sums and parent >= 0:
                    around = set(money_in(ctx.clauses[parent].text))
                    sums = list(around) if len(around) == 1 else []
                    span = ctx.span(ctx.clauses[parent])  # the finding covers the sum it names
            if not sums:
                sums, span = _told_next(ctx, i) or (sums, span)
            on_top = _on_top(unit.text, normalize(ctx.draft[span[0]:span[1]]).text)
            base = _standing_before(ctx, span[0]) if on_top else 0.0
            if any(a + base > cap + _EPS and same_currency(c, currency) for a, c in sums):
                if not any(s < span[1] and span[0] < e for s, e in taken):
                    message, hint = wording(self.id, "default", ctx.reader_script)
                    out.append(violation(self.id, self.severity, message, hint, ctx.draft, span))
                    taken.append(span)
        return out


def _standing_before(ctx: DraftContext, start: int) -> float:
    """The money already conceded when the draft reaches `start`: the round state's standing amount
    (every sum the agent's turns gave), or the standing after the draft's last new money concession
    before it. A sum the grant head reads as given on top (_on_top) is added to it ("I've put a €100
    goodwill credit on your account" then "We'll also cover the taxis, another €70": €170 against
    the cap), as the reader adds its increments (`standing_after`); a sum that only restates one on
    the table is left out before this (restates_figures)."""
    before = [j.standing_after for j in ctx.judged
              if j.concession and j.offer.is_money and j.offer.span[0] < start and j.standing_after is not None]
    return before[-1] if before else (ctx.state.standing_amount or 0.0)


def _told_next(ctx: DraftContext, i: int) -> tuple[list[tuple[float, str]], tuple[int, int]] | None:
    """A benefit granted without a figure whose figure comes in the next sentence, which grants
    nothing new but is about a benefit (the benefit head within its margin: where the money goes,
    when): "冰箱我们按购买价赔给您。您发一下购买凭证，2899元这周内打到您的账户。" The next sentence
    must name exactly one sum; the finding covers it."""
    if ctx.signals is None or ctx.thresholds is None or "benefit" not in ctx.heads:
        return None
    end = ctx.sentence_of(i).end
    sentences = [k for k, u in enumerate(ctx.clauses) if (not ctx.parents or ctx.parents[k] < 0) and u.start >= end]
    if not sentences:
        return None
    k = min(sentences, key=lambda n: ctx.clauses[n].start)
    nxt = ctx.clauses[k]
    if any(ctx.fires("grant", j) for j, u in enumerate(ctx.clauses) if u.within(nxt)):
        return None
    b = ctx.heads.index("benefit")
    if ctx.signals[k, b] < ctx.thresholds[b] - CONTEXT_MARGIN:
        return None
    sums = set(money_in(nxt.text))
    return (list(sums), ctx.span(nxt)) if len(sums) == 1 else None


OVER_AUTHORITY = OverAuthority()
