"""double_concession: a rule over the offers a draft makes, judged against the round state
(state.concessions). It fires on every new concession of the draft when the agent already conceded
in the current round, and on the second and later new concessions within the draft itself.
over_authority, over the same offers, is in over_authority.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.rules.base import violation
from coach.rules.context import CONTEXT_MARGIN
from coach.rules.entitlement import entitled_unit
from coach.rules.lexicon import MONEY_KINDS
from coach.rules.mentions import names_benefit
from coach.rules.messages import wording
from coach.rules.offers import money_in
from coach.rules.restating import restates_figures
from coach.types import Severity, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext


def units_read(ctx: DraftContext, judged: tuple) -> set[int]:
    """Units (clauses or sentences) that hold an offer the lexical reader judged, or its cue (the
    clause "we're refunding the whole stay," of "… $640 to your card" gives nothing else)."""
    spans = [ctx.span(c) for c in ctx.clauses]
    reach = [(j.offer.span[0] if j.offer.cue is None else j.offer.cue, j.offer.span[1]) for j in judged]
    return {i for i, (s, e) in enumerate(spans) for a, b in reach if a < e and s < b}


def _names_bare_sum(ctx: DraftContext, i: int, judged: tuple) -> bool:
    """The flagged unit names no sum while its sentence holds an offer the reader read as a bare
    sum, and either that offer's cue lies in this unit ("we're refunding the whole stay, $640") or
    the unit names nothing to give of its own ("这次给您补偿60元，今天就退到您的会员卡里"): the
    sum is this unit's benefit, one concession, not two. (A unit that adds something beside a sum
    offered in a clause of its own, "已经加咗8,000里数，酒店费用我哋亦会补返$1,200", is a second.)"""
    parent = ctx.parents[i] if ctx.parents else -1
    unit = ctx.clauses[i]
    if parent < 0 or money_in(unit.text):
        return False
    s, e = ctx.span(ctx.clauses[parent])
    us, ue = ctx.span(unit)
    bare = [j for j in judged if j.offer.kind == "money" and s <= j.offer.span[0] < e]
    if any(j.offer.cue is not None and us <= j.offer.cue < ue for j in bare):
        return True
    return bool(bare) and not names_benefit(unit.text)


def _more_in_sentences(ctx: DraftContext, units: list[tuple[tuple[int, int], str]]) -> list[tuple[tuple[int, int], str]]:
    """A sentence the multi_grant head reads as giving two benefits, where fewer than two
    concessions were found inside it (its second clause, "这个季度的管理费也一起免掉", read alone
    fell short): the missing ones, spanned by the sentence."""
    extra: list[tuple[tuple[int, int], str]] = []
    for p in sorted({p for p in ctx.parents if p >= 0}):
        if not ctx.fires("multi_grant", p) or ctx.quoted(*ctx.clauses[p][:2]):
            continue
        s, e = ctx.span(ctx.clauses[p])
        inside = sum(kind == "offer" and s <= a and b <= e for (a, b), kind in units)
        if 1 <= inside < 2 and _second_clause_agrees(ctx, p, units):
            extra.append(((s, e), "offer"))
    return extra


def _has_parts(ctx: DraftContext, i: int) -> bool:
    return any(j != i and u.within(ctx.clauses[i]) for j, u in enumerate(ctx.clauses))


def _second_clause_agrees(ctx: DraftContext, p: int, units: list[tuple[tuple[int, int], str]]) -> bool:
    """Another clause of sentence p, outside the concession already found there, comes within
    CONTEXT_MARGIN of the grant threshold: the sentence's reading of two benefits has a clause to
    stand on ("…的手续费我们给您退了，这个季度的管理费也一起免掉")."""
    if "grant" not in ctx.heads or ctx.signals is None or ctx.thresholds is None:
        return False
    g = ctx.heads.index("grant")
    low = ctx.thresholds[g] - CONTEXT_MARGIN
    found = [(a, b) for (a, b), kind in units if kind == "offer"]
    for i, unit in enumerate(ctx.clauses):
        if i == p or not unit.within(ctx.clauses[p]) or ctx.signals[i, g] < low:
            continue
        s, e = ctx.span(unit)
        if not any(a < e and s < b for a, b in found):
            return True
    return False


def _kind_seen_only(j) -> bool:  # noqa: ANN001 (a Judged)
    """The reader judged the draft's first offer old only because its kind came up in an earlier
    turn, with no sum and no restating word ("I'll refund next month's rental too" after a refund):
    the grant head decides. (A later offer of the same kind in the draft is the first carried out.)"""
    o = j.offer
    return not j.concession and o.mode != "restate" and o.amount is None and o.kind != "capitulation"


def _gave_in(ctx: DraftContext, judged: tuple) -> list[int]:
    """Units where the draft gives in to the demand ("好好好，那您说要多少吧") that the reader did
    not read as such: one concession each, whatever else their sentence grants."""
    if any(j.offer.kind == "capitulation" for j in judged):
        return []
    hits = [i for i in ctx.flagged("capitulation") if not ctx.quoted(*ctx.clauses[i][:2])]
    return [i for i in hits if not any(k != i and _same_sentence(ctx, i, k) and k < i for k in hits)]


def _given_in_sentences(ctx: DraftContext, judged: tuple) -> list[tuple[int, int]]:
    """The sentences (spans of the draft) in which the reader found the draft giving in."""
    out = []
    for j in judged:
        if j.concession and j.offer.kind == "capitulation":
            a = j.offer.span[0]
            holding = [i for i, u in enumerate(ctx.clauses) if ctx.span(u)[0] <= a < ctx.span(u)[1]]
            if holding:
                out.append(ctx.span(ctx.sentence_of(holding[0])))
    return out


def _withheld(ctx: DraftContext, j) -> bool:  # noqa: ANN001 (a Judged)
    """The offer is named in a clause that says the agent cannot give it ("I'm not allowed to
    issue any more credits on top of a refund"), or in a sentence that does: the authority head
    reads it and the grant head does not. Not a concession (the exposure is authority_exposure's)."""
    if ctx.signals is None or "authority" not in ctx.heads:
        return False
    a = j.offer.span[0]
    leaves = [i for i, u in enumerate(ctx.clauses) if ctx.leaf(i) and ctx.span(u)[0] <= a < ctx.span(u)[1]]
    return bool(leaves) and all(_says_cannot(ctx, i) and not ctx.fires("grant", i) for i in leaves)


def _says_cannot(ctx: DraftContext, i: int) -> bool:
    """Unit i, or the sentence holding it, exposes the agent's authority and grants nothing
    ("至于额外的补偿，说实话我这边没有发放补偿的权限")."""
    if ctx.fires("authority", i):
        return True
    sentence = ctx.parents[i] if ctx.parents else -1
    return sentence >= 0 and ctx.fires("authority", sentence) and not ctx.fires("grant", sentence)


def _same_sentence(ctx: DraftContext, i: int, k: int) -> bool:
    return ctx.sentence_of(i) == ctx.sentence_of(k)


ONE_BENEFIT = 0.30  # multi_grant below this: the sentence gives one benefit (set on the dev round)


def _one_benefit_sentences(
    ctx: DraftContext, units: list[tuple[tuple[int, int], str]], reader: dict[tuple[int, int], str],
    more: frozenset[tuple[int, int]] = frozenset(),
) -> list[tuple[tuple[int, int], str]]:
    """A sentence holding two or more of the offers found, which the multi_grant head reads as
    giving one benefit (its score below ONE_BENEFIT): one benefit told in parts ("I've refunded the
    garlic bread, £4.49, back to your card"), counted once. Offers the lexical reader found of
    other kinds than money stand ("I'll replace the unit and cover the return shipping"), and so do
    those it read as more on top ("先补您5元，不满意我再帮您争取15元": `more`)."""
    if "multi_grant" not in ctx.heads or ctx.signals is None:
        return units
    m = ctx.heads.index("multi_grant")
    drop: set[int] = set()
    for p, sentence in enumerate(ctx.clauses):
        if ctx.parents[p] >= 0 or ctx.signals[p, m] >= ONE_BENEFIT:
            continue
        s, e = ctx.span(sentence)
        inside = [n for n, ((a, _), kind) in enumerate(units) if kind == "offer" and s <= a < e]
        drop.update(n for n in inside[1:] if reader.get(units[n][0], "money") in MONEY_KINDS
                    and reader.get(units[inside[0]][0], "money") in MONEY_KINDS and units[n][0] not in more)
    return [u for n, u in enumerate(units) if n not in drop]


def concession_units(ctx: DraftContext) -> list[tuple[tuple[int, int], str]]:
    """What the draft gives, in order: ("offer", span) for each new concession (the offer
    reader's, plus units the grant head reads that the reader did not), ("invite", span) for each
    invitation to ask for more. Spans index the original draft."""
    judged = tuple(j for j in ctx.judged if not _withheld(ctx, j)) if ctx.lexical else ()
    read = units_read(ctx, tuple(j for n, j in enumerate(judged) if n or not _kind_seen_only(j)))
    gave_in = _gave_in(ctx, judged)
    given_in = _given_in_sentences(ctx, judged)
    sentences = [ctx.span(ctx.sentence_of(i)) for i in gave_in] + given_in
    units: list[tuple[tuple[int, int], str]] = [
        (j.offer.span, "offer") for j in judged
        if j.concession and (j.offer.kind == "capitulation" or j.offer.mode == "increment"
                             or not any(s <= j.offer.span[0] < e for s, e in sentences))
    ]  # giving in is one concession with the form its sentence gives it ("您说多少就多少，200元马上安排"),
    # not with a benefit added to it ("您说多少就多少，另外再送您一张代金券")
    units += [(ctx.span(ctx.clauses[i]), "offer") for i in gave_in]
    read |= {i for i in range(len(ctx.clauses)) if any(_same_sentence(ctx, i, k) for k in gave_in)}
    # a clause that gives in too, in a sentence where the reader found the draft giving in, tells the
    # same giving ("赔偿的事您开个数，您说多少就多少", "name your price and we'll pay it")
    read |= {i for i in ctx.flagged("capitulation") if ctx.span(ctx.sentence_of(i)) in given_in}
    for i in ctx.flagged("multi_grant"):  # two benefits where the reader found one new offer
        spans = ctx.span(ctx.clauses[i])
        inside = [j for j in judged if spans[0] <= j.offer.span[0] < spans[1]]
        if len(inside) == 1 and inside[0].concession and (not _has_parts(ctx, i) or _second_clause_agrees(ctx, i, units)):
            units.append((spans, "offer"))
    granted = [
        i for i in ctx.flagged("grant")
        if i not in read and not ctx.quoted(*ctx.clauses[i][:2]) and not ctx.reported(i, "grant")
        and not restates_figures(ctx, ctx.clauses[i].text)
        and not _names_bare_sum(ctx, i, judged)
        and not entitled_unit(ctx.clauses[i].text, ctx.sentence_of(i).text)
    ]
    for i in granted:  # a unit that gives two benefits at once counts twice
        units += [(ctx.span(ctx.clauses[i]), "offer")] * (2 if ctx.fires("multi_grant", i) else 1)
    units += _more_in_sentences(ctx, units)
    units = _one_benefit_sentences(ctx, units, {j.offer.span: j.offer.kind for j in judged if j.concession},
                                   frozenset(j.offer.span for j in judged if j.concession and j.offer.mode == "increment"))
    units += [
        (ctx.span(ctx.clauses[i]), "invite") for i in ctx.flagged("invite")
        if i not in read and i not in granted and not ctx.quoted(*ctx.clauses[i][:2])
    ]
    units.sort()
    return units


@dataclass(frozen=True)
class DoubleConcession:
    """Concessions of the draft: the lexical offer reader's new concessions, plus clauses the grant
    head flags that hold no offer the reader already judged (a reader's "restated" stands), plus
    clauses the invite head flags ("not enough? tell me"). The round counts as conceded when the
    round state says so or the grant head flags an agent clause of the current round."""

    id: str = "double_concession"
    severity: Severity = "block"

    def check(self, ctx: DraftContext) -> list[Violation]:
        units = concession_units(ctx)
        conceded = ctx.state.conceded_this_round or ctx.round_granted
        out: list[Violation] = []
        gives = any(kind == "offer" for _, kind in units)
        seen = 0
        for span, kind in units:
            if kind == "invite":  # asking for more counts once something was given
                if conceded or gives:
                    out.append(self._violation(ctx, "invite", span))
                continue
            if conceded:
                out.append(self._violation(ctx, "default", span))
            elif seen:
                out.append(self._violation(ctx, "in_draft", span))
            seen += 1
        return out

    def _violation(self, ctx: DraftContext, variant: str, span: tuple[int, int]) -> Violation:
        message, hint = wording(self.id, variant, ctx.reader_script)
        return violation(self.id, self.severity, message, hint, ctx.draft, span)


DOUBLE_CONCESSION = DoubleConcession()
