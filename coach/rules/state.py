"""Round state of a conversation, and which offers of a text are *new* concessions.

`round_state(turns)` reads the agent turns in order: the offers each makes (find_offers), which of
them are new concessions given what came before, whether the agent already conceded in the current
round, and the standing amount (all money conceded so far, across rounds). `concessions(offers,
state)` applies the same judgement to a draft; the double_concession and over_authority rules and the
situation analyser share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from coach.rules.lexicon import FORM_RANK, MONEY_KINDS
from coach.rules.offers import FoundOffer, find_offers
from coach.types import Offer, RoundState, Turn

_EPS = 0.005
_EMPTY = RoundState()


class Judged(NamedTuple):
    """An offer of a text with the verdict: a new concession or not, and the standing after it."""

    offer: FoundOffer
    concession: bool
    standing_after: float | None


def first_seen(j: Judged, state: RoundState, any_money_form: bool = False) -> Judged:
    """An agent turn (or the draft) that reports a benefit as done ("已经给您补了30元", "I've
    already refunded the $300", "我们已为您升级为江景房") when no earlier turn offered it: the
    conversation shows it given in that turn. With `any_money_form`, a money form without a sum
    ("已经安排退返你张信用卡") is the money offered before in any form."""
    o = j.offer
    if j.concession or o.mode != "restate" or o.kind == "capitulation":
        return j
    if o.amount is not None:
        standing = state.standing_amount
        if any(p.amount is not None and abs(p.amount - o.amount) < _EPS for p in state.offers) or (
                standing is not None and abs(standing - o.amount) < _EPS):
            return j  # an earlier offer, or what the offers came to ("为您安排的50元代金券依然有效")
        return Judged(o, True, (state.standing_amount or 0.0) + o.amount if o.is_money else state.standing_amount)
    if any_money_form and o.kind in MONEY_KINDS and any(p.kind in MONEY_KINDS for p in state.offers):
        return j
    return j if any(p.kind == o.kind for p in state.offers) else Judged(o, True, state.standing_amount)


def concessions(offers: Sequence[FoundOffer], state: RoundState) -> list[Judged]:
    """Judge each offer of one text against the state before it (see the module docstring).

    - restated offers (marked "already", "之前", ...) and amounts equal to the standing amount or to
      an earlier offer in the same or a lesser form are not concessions;
    - a total ("一共50元", "20 + 30 = 50元", "raise it to $50") is a concession only when it exceeds
      the standing amount (and is not just the sum of this text's own increments);
    - a non-money benefit already offered is not a concession unless marked as extra ("再", "another");
    - giving in to the demand is always a concession.
    """
    standing = state.standing_amount
    prior_amounts: list[tuple[float, str]] = [(o.amount, o.kind) for o in state.offers if o.amount is not None]
    kinds_seen = {o.kind for o in state.offers}
    base = standing or 0.0
    draft_new = 0.0
    out: list[Judged] = []
    for o in offers:
        new = _is_new(o, standing, base, draft_new, prior_amounts, kinds_seen)
        if new and o.is_money:
            assert o.amount is not None
            if o.mode == "total":
                draft_new = max(0.0, o.amount - base)
            else:
                draft_new += o.amount
            standing = base + draft_new
        if o.amount is not None:
            prior_amounts.append((o.amount, o.kind))
        kinds_seen.add(o.kind)
        out.append(Judged(o, new, standing))
    return out


def _is_new(
    o: FoundOffer,
    standing: float | None,
    base: float,
    draft_new: float,
    prior_amounts: list[tuple[float, str]],
    kinds_seen: set[str],
) -> bool:
    if o.kind == "capitulation":
        return "capitulation" not in kinds_seen
    if o.mode == "restate":
        return False
    if o.is_money:
        assert o.amount is not None
        a = o.amount
        running = base + draft_new
        if o.mode == "total":
            return a > max(running, base) + _EPS
        if o.mode == "plain":
            same = [pk for pa, pk in prior_amounts if abs(a - pa) < _EPS]
            if same and all(FORM_RANK.get(o.kind, 0) > FORM_RANK.get(pk, 0) for pk in same):
                return True  # the same sum in a more valuable form (credit -> refund): a swap
            if standing is not None and abs(a - standing) < _EPS:
                return False
            if draft_new > 0 and abs(a - running) < _EPS:
                return False  # the total of this text's own raises
            if any(abs(a - pa) < _EPS and FORM_RANK.get(o.kind, 0) <= FORM_RANK.get(pk, 0) for pa, pk in prior_amounts):
                return False
            if any(abs(a - pa) < _EPS and o.kind == "money" for pa, _ in prior_amounts):
                return False
        return True
    if o.mode == "increment":
        return True
    if o.kind in MONEY_KINDS and o.amount is None and kinds_seen & MONEY_KINDS and o.kind == "money":
        return False  # "the compensation" again, without a figure
    return o.kind not in kinds_seen


def round_state(turns: Sequence[Turn]) -> RoundState:
    """The round state after `turns` (see the module docstring). Empty turns give round 1.

    Remembered for recent conversations: one conversation is validated again and again (several
    candidate drafts, repairs), and only its agent turns matter."""
    if not turns:
        return _EMPTY
    key = tuple((t.text, t.round) for t in turns if t.role == "agent")
    return _round_state(key, turns[-1].round)


@lru_cache(maxsize=256)
def _round_state(agent_turns: tuple[tuple[str, int], ...], current: int) -> RoundState:
    state = _EMPTY
    conceded_in: set[int] = set()
    for text, turn_round in agent_turns:
        found = find_offers(text)
        if not found:
            continue
        judged = [first_seen(j, state) for j in concessions(found, state)]
        new = [j for j in judged if j.concession]
        if not new:
            continue
        conceded_in.add(turn_round)
        offers = state.offers + tuple(
            Offer(kind=j.offer.kind, amount=j.offer.amount, round=turn_round, text=j.offer.evidence) for j in new
        )
        state = RoundState(current_round=turn_round, standing_amount=judged[-1].standing_after, offers=offers)
    if state is _EMPTY and current == 1:
        return _EMPTY
    return RoundState(
        current_round=current,
        conceded_this_round=current in conceded_in,
        standing_amount=state.standing_amount,
        offers=state.offers,
    )
