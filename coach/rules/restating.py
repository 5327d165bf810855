"""Whether a unit the grant head reads only restates what is already on the table.

A draft that tells the customer again what the round already gave ("The 15% discount on this
month's box is what we're offering, and it's already applied") grants nothing new, however much it
reads like a grant. `restates_figures` reads that by the figures: every figure the unit names (a sum
of money, a percentage, a "n折" rate) is one already on the table, an earlier offer's, the standing
amount, or the running total after the draft's own offers.

Reading it by the benefit's kind alone, with no figure, was measured and not kept: "I'll refund
next month's rental" after a refund is a second benefit of the same kind.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from coach.rules.lexicon import FORM_RANK, FORMS
from coach.rules.numerals import parse_number
from coach.rules.offers import amounts_in

if TYPE_CHECKING:
    from coach.rules.context import DraftContext

_EPS = 0.005
_RATE = re.compile(r"(?P<pct>\d{1,3}(?:\.\d+)?)\s*%|打?(?P<zhe>[\d.一二三四五六七八九]{1,3})\s*折")


def figures_in(norm_text: str) -> list[tuple[str, float]]:
    """Sums of money and rates named in a normalised text: ("money", 20.0), ("%", 15.0), ("折", 8.0)."""
    out = [("money", a) for a in amounts_in(norm_text)]
    for m in _RATE.finditer(norm_text):
        unit, raw = ("%", m["pct"]) if m["pct"] else ("折", m["zhe"])
        value = parse_number(raw)
        if value is not None:
            out.append((unit, value))
    return out


def _known(ctx: DraftContext) -> list[tuple[str, float]]:
    known = [("money", o.amount) for o in ctx.state.offers if o.amount is not None]
    known += [f for o in ctx.state.offers for f in figures_in(o.text)]
    if ctx.state.standing_amount is not None:
        known.append(("money", ctx.state.standing_amount))
    # the running total after the draft's own offers ("another $15 on top of the $20, so $35 in all")
    known += [("money", j.standing_after) for j in ctx.judged if j.concession and j.standing_after is not None]
    return known


def restates_figures(ctx: DraftContext, unit: str) -> bool:
    """The unit names figures, and only figures already on the table."""
    figures = figures_in(unit)
    known = _known(ctx)
    if not figures or not all(any(u == k and abs(a - b) < _EPS for k, b in known) for u, a in figures):
        return False
    return not _swapped(ctx, unit, [a for u, a in figures if u == "money"])


def _swapped(ctx: DraftContext, unit: str, sums: list[float]) -> bool:
    """The unit names a sum already offered in a more valuable form than it was offered in
    ("咁我将$500改做直接退返去你张信用卡" after a $500 voucher): a swap, not a restatement."""
    rank = max((FORM_RANK.get(kind, 0) for kind, pattern in FORMS if pattern.search(unit)), default=0)
    earlier = [FORM_RANK.get(o.kind, 0) for o in ctx.state.offers for a in sums
               if o.amount is not None and abs(o.amount - a) < _EPS]
    # Compensation offered as plain money ("补偿120元") and then said to go back to the card is
    # the same money: only a form below cash (a voucher, points, credit) can be swapped up.
    return bool(earlier) and 0 < max(earlier) < rank

